// Rating a coach answer: one to five stars and, if the reader wants, a
// reason. Once sent it shows as given; a second rating replaces the first.
import { useId, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { conversationKey, maxReason, problemKey, sendFeedback, type Message } from "./api";

const stars = [1, 2, 3, 4, 5] as const;

export function Stars({ rating }: { rating: number }) {
  return (
    <span className="coach-stars-shown" aria-hidden="true">
      {stars.map((n) => (n <= rating ? "★" : "☆")).join("")}
    </span>
  );
}

export function StarFeedback({ conversationId, message }: { conversationId: string; message: Message }) {
  const { t } = useTranslation();
  const id = useId();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [rating, setRating] = useState(message.feedback?.rating ?? 0);
  const [reason, setReason] = useState(message.feedback?.reason ?? "");
  const send = useMutation({
    mutationFn: () => sendFeedback(conversationId, message.id, { rating, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
    onSuccess: (m) => {
      queryClient.setQueryData(conversationKey(conversationId), (old: { messages: Message[] } | undefined) =>
        old ? { ...old, messages: old.messages.map((x) => (x.id === m.id ? { ...x, ...m, feedback: m.feedback ?? { rating, reason: reason.trim() || undefined } } : x)) } : old,
      );
      setEditing(false);
    },
  });
  const given = message.feedback;
  if (given && !editing)
    return (
      <div className="coach-feedback given">
        <p className="hint">
          <span className="visually-hidden">{t("coach.feedback.given", { rating: given.rating })}</span>
          <span aria-hidden="true">{t("coach.feedback.yourRating")} </span>
          <Stars rating={given.rating} />
          {given.reason && (
            <>
              {" · "}
              <q dir="auto">{given.reason}</q>
            </>
          )}
        </p>
        <p className="status" role="status">
          {send.isSuccess ? t("coach.feedback.thanks") : ""}
        </p>
        <button type="button" className="button quiet small" onClick={() => setEditing(true)}>
          {t("coach.feedback.change")}
        </button>
      </div>
    );
  function submit(e: FormEvent) {
    e.preventDefault();
    if (rating > 0) send.mutate();
  }
  return (
    <form className="coach-feedback" onSubmit={submit}>
      <fieldset className="coach-stars">
        <legend>{t("coach.feedback.legend")}</legend>
        {stars.map((n) => (
          <label key={n} className={n <= rating ? "on" : undefined}>
            <input type="radio" name={`${id}-rating`} value={n} checked={rating === n} onChange={() => setRating(n)} />
            <span aria-hidden="true">★</span>
            <span className="visually-hidden">{t("coach.feedback.star", { n })}</span>
          </label>
        ))}
      </fieldset>
      {rating > 0 && (
        <div className="coach-reason">
          <label htmlFor={`${id}-reason`}>{t("coach.feedback.reason")}</label>
          <textarea id={`${id}-reason`} rows={2} maxLength={maxReason} value={reason} onChange={(e) => setReason(e.target.value)} dir="auto" />
          <div className="actions">
            <button type="submit" className="button small" disabled={send.isPending}>
              {t("coach.feedback.send")}
            </button>
            {editing && (
              <button type="button" className="button secondary small" onClick={() => setEditing(false)}>
                {t("coach.feedback.cancel")}
              </button>
            )}
          </div>
        </div>
      )}
      {send.isError && (
        <p className="error" role="alert">
          {t(problemKey(send.error))}
        </p>
      )}
    </form>
  );
}
