// One conversation with the coach: its messages, the notice of what the
// coach sees, the month's credits and the composer. An answer streams in
// token by token; screen readers hear it once, whole, when it is done.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { idToken } from "../auth";
import { contentLang } from "../library/items";
import { intlLocale } from "../sessions/format";
import {
  ask,
  configKey,
  conversationKey,
  conversationsKey,
  createConversation,
  creditsExhausted,
  getConversation,
  maxQuestion,
  problemKey,
  useConfig,
  type Answer,
  type Config,
  type Conversation,
  type CreditsProblem,
  type Message,
} from "./api";
import { CreditsMeter, creditsState } from "./Credits";
import { MessageView, Paragraphs } from "./Message";
import { DeleteButton } from "./List";
import { CoachNotice } from "./Notice";
import { citeText } from "./cite";
import { askStreaming, StreamBroken } from "./stream";

type Thread = { conversation: Conversation; messages: Message[] };

// Pending is the question on its way and the answer as far as it has come.
interface Pending {
  question: string;
  questionId?: string;
  answerId?: string;
  text: string;
  // tokens counts the pieces that arrived, shown as data-tokens.
  tokens: number;
}

export function Chat({ id, sessionId, onCreated, onDeleted }: { id?: string; sessionId?: string; onCreated: (id: string) => void; onDeleted: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const config = useConfig();
  const thread = useQuery({
    queryKey: conversationKey(id ?? ""),
    queryFn: () => getConversation(id!),
    enabled: !!id,
    // The thread changes by what this page does, which updates it in place.
    staleTime: 30_000,
    retry: false,
  });
  const [draft, setDraft] = useState("");
  const [pending, setPending] = useState<Pending>();
  const [announce, setAnnounce] = useState("");
  const [failure, setFailure] = useState<string>();
  const [exhausted, setExhausted] = useState<CreditsProblem>();
  const abort = useRef<AbortController | null>(null);
  const created = useRef<string | undefined>(id);
  const end = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  // Leaving the page stops the answer's download.
  useEffect(() => () => abort.current?.abort(new DOMException("left", "AbortError")), []);
  // The answer being written stays in view while it grows.
  const growing = pending ? pending.text.length + 1 : 0;
  useEffect(() => {
    if (growing) end.current?.scrollIntoView({ block: "nearest" });
  }, [growing]);

  const credits = creditsState(config.data?.credits, exhausted);
  const busy = !!pending;
  const blocked = credits.out || config.isPending || config.isError;

  async function send(text: string) {
    const lang = contentLang(i18n.language);
    setFailure(undefined);
    setAnnounce("");
    setDraft("");
    setPending({ question: text, text: "", tokens: 0 });
    const ctl = new AbortController();
    abort.current = ctl;
    let convId = created.current;
    try {
      if (!convId) {
        const c = await createConversation({ lang, ...(sessionId ? { session_id: sessionId } : {}) });
        convId = created.current = c.id;
        queryClient.setQueryData<Thread>(conversationKey(c.id), { conversation: c, messages: [] });
        onCreated(c.id);
      }
      const cfg = config.data as Config;
      const res: Answer = cfg.stream_url
        ? await askStreaming({
            streamUrl: cfg.stream_url,
            conversationId: convId,
            text,
            lang,
            token: async () => (await idToken()) ?? null,
            signal: ctl.signal,
            onStart: (q, answerId) => setPending((p) => p && { ...p, question: q.text, questionId: q.id, answerId }),
            onToken: (piece) => setPending((p) => p && { ...p, text: p.text + piece, tokens: p.tokens + 1 }),
          })
        : await ask(convId, text, lang);
      const cid = convId;
      queryClient.setQueryData<Thread>(conversationKey(cid), (old) => ({
        conversation: old?.conversation ?? { id: cid, title: "", lang, created_at: res.question.created_at, updated_at: res.answer.created_at, message_count: 0 },
        messages: [...(old?.messages ?? []).filter((m) => m.id !== res.question.id && m.id !== res.answer.id), res.question, res.answer],
      }));
      // The title (the first question, as the server keeps it) comes with the conversation.
      void queryClient.invalidateQueries({ queryKey: conversationKey(cid) });
      queryClient.setQueryData<Config>(configKey, (c) => (c ? { ...c, credits: res.credits } : c));
      void queryClient.invalidateQueries({ queryKey: conversationsKey });
      setAnnounce(t("coach.chat.answered", { text: citeText(res.answer.text, new Map((res.answer.sources ?? []).map((x) => [x.item_id, x.title]))) }));
    } catch (err) {
      if (ctl.signal.aborted) {
        // Stopped: what the coach stored, if anything, comes from the server.
        if (convId) void queryClient.invalidateQueries({ queryKey: conversationKey(convId) });
        return;
      }
      const out = creditsExhausted(err);
      if (out) setExhausted(out);
      else setFailure(err instanceof StreamBroken ? "coach.chat.broken" : problemKey(err));
      // Nothing was answered: the question goes back into the box.
      setDraft((d) => d || text);
      if (convId) void queryClient.invalidateQueries({ queryKey: conversationKey(convId) });
    } finally {
      if (abort.current === ctl) abort.current = null;
      setPending(undefined);
    }
  }

  function submit(e?: FormEvent) {
    e?.preventDefault();
    const text = draft.trim();
    if (!text || busy || blocked) return;
    void send(text);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends; Shift+Enter is a new line; an input method's Enter picks a word.
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  function stop() {
    abort.current?.abort(new DOMException("stopped", "AbortError"));
    input.current?.focus();
  }

  const messages = (thread.data?.messages ?? []).filter((m) => m.id !== pending?.questionId && m.id !== pending?.answerId);
  const conversation = thread.data?.conversation;
  const num = new Intl.NumberFormat(intlLocale(i18n.language));
  const title = conversation?.title || t("coach.chat.newTitle");

  return (
    <section className="coach-chat card" aria-labelledby="coach-chat-title">
      <div className="coach-chat-head">
        {id && (
          <Link className="coach-back" to="/coach">
            {t("coach.chat.back")}
          </Link>
        )}
        <h1 id="coach-chat-title" dir="auto">
          {title}
        </h1>
        {(conversation?.session_id || sessionId) && <span className="badge">{t("coach.chat.inSession")}</span>}
        {id && conversation && !pending && <DeleteButton c={conversation} onDeleted={onDeleted} />}
      </div>
      <CoachNotice memory={!!config.data?.memory} />
      {config.isError && (
        <div role="alert">
          <p className="error">{t(problemKey(config.error))}</p>
          <button type="button" className="button secondary small" onClick={() => void config.refetch()}>
            {t("coach.retry")}
          </button>
        </div>
      )}
      <CreditsMeter credits={config.data?.credits} exhausted={exhausted} />
      {id && thread.isPending && (
        <p className="hint" role="status">
          {t("app.loading")}
        </p>
      )}
      {thread.isError && (
        <p className="error" role="alert">
          {t(problemKey(thread.error))}
        </p>
      )}
      {messages.length === 0 && !pending && !thread.isPending && !thread.isError && <p className="coach-empty">{t("coach.chat.empty")}</p>}
      <ol className="coach-messages" aria-label={t("coach.chat.messages")}>
        {messages.map((m) => (
          <MessageView key={m.id} m={m} conversationId={(id ?? created.current)!} />
        ))}
        {pending && (
          <>
            <li className="coach-msg from-user">
              <span className="visually-hidden">{t("coach.chat.you")}</span>
              <div className="coach-bubble">
                <Paragraphs text={pending.question} />
              </div>
            </li>
            <li className="coach-msg from-coach" aria-busy="true">
              <span className="visually-hidden">{t("coach.chat.coach")}</span>
              <div className="coach-bubble streaming" data-tokens={pending.tokens}>
                {pending.text ? (
                  <Paragraphs text={pending.text} writing />
                ) : (
                  <span className="coach-typing">
                    <span className="coach-dots" aria-hidden="true">
                      <span />
                      <span />
                      <span />
                    </span>
                    <span className="visually-hidden">{t("coach.chat.typing")}</span>
                  </span>
                )}
              </div>
            </li>
          </>
        )}
      </ol>
      <div ref={end} />
      <p className="visually-hidden" aria-live="polite">
        {announce}
      </p>
      <p className="visually-hidden" role="status">
        {pending && !pending.text ? t("coach.chat.typing") : ""}
      </p>
      {failure && (
        <p className="error" role="alert">
          {t(failure)}
        </p>
      )}
      <form className="coach-composer" onSubmit={submit}>
        <label htmlFor="coach-question" className="visually-hidden">
          {t("coach.chat.label")}
        </label>
        <textarea
          id="coach-question"
          ref={input}
          rows={3}
          value={draft}
          maxLength={maxQuestion}
          placeholder={t("coach.chat.placeholder")}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          disabled={blocked}
          aria-describedby="coach-question-hint coach-question-count"
          dir="auto"
        />
        <div className="coach-composer-foot">
          <span id="coach-question-hint" className="hint">
            {t("coach.chat.keys")}
          </span>
          <span id="coach-question-count" dir="ltr" className={draft.length >= maxQuestion ? "hint coach-count full" : "hint coach-count"}>
            {t("coach.chat.count", { n: num.format(draft.length), max: num.format(maxQuestion) })}
          </span>
          {busy ? (
            <button type="button" className="button secondary" onClick={stop}>
              {t("coach.chat.stop")}
            </button>
          ) : (
            <button type="submit" className="button" disabled={blocked || !draft.trim()}>
              {t("coach.chat.send")}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
