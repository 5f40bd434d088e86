// My conversations with the coach, newest first, 20 at a time.
import { useState } from "react";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { intlLocale } from "../sessions/format";
import { conversationKey, conversationsKey, deleteConversation, listConversations, problemKey, type Conversation } from "./api";

// DeleteButton deletes a conversation and its messages, after asking.
export function DeleteButton({ c, onDeleted }: { c: Conversation; onDeleted: (id: string) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const remove = useMutation({
    mutationFn: () => deleteConversation(c.id),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: conversationKey(c.id) });
      await queryClient.invalidateQueries({ queryKey: conversationsKey });
      onDeleted(c.id);
    },
  });
  const title = c.title || t("coach.list.untitled");
  if (!asking)
    return (
      <button type="button" className="button quiet small coach-delete" onClick={() => setAsking(true)} aria-label={t("coach.list.deleteOf", { title })}>
        {t("coach.list.delete")}
      </button>
    );
  return (
    <div className="coach-confirm" role="group" aria-label={t("coach.list.confirm")}>
      <span>{t("coach.list.confirm")}</span>
      <button type="button" className="button danger small" disabled={remove.isPending} onClick={() => remove.mutate()}>
        {t("coach.list.confirmYes")}
      </button>
      <button type="button" className="button secondary small" onClick={() => setAsking(false)}>
        {t("coach.list.confirmNo")}
      </button>
      {remove.isError && <p className="error" role="alert">{t(problemKey(remove.error))}</p>}
    </div>
  );
}

export function ConversationList({ current, onNew, onDeleted }: { current?: string; onNew: () => void; onDeleted: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const list = useInfiniteQuery({
    queryKey: conversationsKey,
    queryFn: ({ pageParam }) => listConversations(pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  const when = new Intl.DateTimeFormat(intlLocale(i18n.language), { dateStyle: "medium" });
  const items = list.data?.pages.flatMap((p) => p.conversations ?? []) ?? [];
  return (
    <nav className="coach-list card" aria-labelledby="coach-list-title">
      <div className="coach-list-head">
        <h2 id="coach-list-title">{t("coach.list.title")}</h2>
        <button type="button" className="button secondary small" onClick={onNew}>
          {t("coach.list.new")}
        </button>
      </div>
      {list.isPending ? (
        <p className="hint" role="status">
          {t("app.loading")}
        </p>
      ) : list.isError ? (
        <div role="alert">
          <p className="error">{t(problemKey(list.error))}</p>
          <button type="button" className="button secondary small" onClick={() => void list.refetch()}>
            {t("coach.retry")}
          </button>
        </div>
      ) : items.length === 0 ? (
        <p className="hint">{t("coach.list.empty")}</p>
      ) : (
        <ul className="coach-conversations">
          {items.map((c) => (
            <li key={c.id}>
              <Link to={`/coach/${encodeURIComponent(c.id)}`} aria-current={c.id === current ? "page" : undefined}>
                <span className="coach-conversation-title" dir="auto">
                  {c.title || t("coach.list.untitled")}
                </span>
                <time className="hint" dateTime={c.updated_at || c.created_at}>
                  {when.format(new Date(c.updated_at || c.created_at))}
                </time>
              </Link>
              <DeleteButton c={c} onDeleted={onDeleted} />
            </li>
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <button type="button" className="button quiet small" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t("coach.list.more")}
        </button>
      )}
    </nav>
  );
}
