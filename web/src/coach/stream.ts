// Asking the coach with the answer streamed token by token from the
// coach-stream service ({stream_url}/v1/conversations/{id}/ask), read as
// server-sent events. When the stream cannot be opened (the service
// unreachable, a proxy that does not stream), the same question goes to
// the ordinary ask, which answers in one piece.
import { ApiError } from "../api/problem";
import type { Language } from "../i18n";
import { ask, askBody, type Answer, type Credits, type Message } from "./api";
import { readEvents } from "./sse";

export interface StreamHandlers {
  /** The question as stored, and the id the answer will have. */
  onStart?: (question: Message, answerId: string) => void;
  /** The next piece of the answer's text. */
  onToken?: (text: string) => void;
}

export interface AskOptions extends StreamHandlers {
  streamUrl: string;
  conversationId: string;
  text: string;
  lang: Language;
  token: () => Promise<string | null>;
  signal?: AbortSignal;
  /** For tests: the fetch to use. */
  fetch?: typeof fetch;
  /** For tests: the non-streaming ask to fall back on. */
  fallback?: (conversationId: string, text: string, lang: Language) => Promise<Answer>;
}

/** StreamBroken: the stream ended without its done event; what is stored is unknown. */
export class StreamBroken extends Error {
  constructor() {
    super("the answer's stream ended early");
  }
}

const problemJSON = /^application\/(problem\+)?json/i;

/**
 * askStreaming sends the question and resolves with the stored question,
 * answer and credits once the stream's done event arrives, calling the
 * handlers on the way. A problem before the stream starts (402, 429, …)
 * or an error event in it rejects with an ApiError; an abort rejects with
 * the signal's reason.
 */
export async function askStreaming(o: AskOptions): Promise<Answer & { streamed: boolean }> {
  const doFetch = o.fetch ?? globalThis.fetch.bind(globalThis);
  const fallback = o.fallback ?? ask;
  const url = `${o.streamUrl.replace(/\/+$/, "")}/v1/conversations/${encodeURIComponent(o.conversationId)}/ask`;
  const token = await o.token();
  o.signal?.throwIfAborted();
  let res: Response;
  try {
    res = await doFetch(url, {
      method: "POST",
      headers: {
        Accept: "text/event-stream",
        "Content-Type": "application/json",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(askBody(o.text, o.lang)),
      signal: o.signal,
      cache: "no-store",
    });
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason ?? err;
    // Unreachable (offline is caught the same way by the fallback, which says so).
    return { ...(await fallback(o.conversationId, o.text, o.lang)), streamed: false };
  }
  const type = res.headers.get("Content-Type") ?? "";
  if (!res.ok) {
    // The coach's own problems stand; a service that is not there (no
    // problem body, or a gateway's 5xx) leaves the ordinary ask.
    if (problemJSON.test(type) && res.status < 500) throw new ApiError(await res.json().catch(() => ({ type: "about:blank", title: res.statusText, status: res.status })));
    return { ...(await fallback(o.conversationId, o.text, o.lang)), streamed: false };
  }
  if (!/^text\/event-stream/i.test(type) || !res.body) {
    // Something between us and the service answered instead: nothing was asked.
    await res.body?.cancel().catch(() => undefined);
    return { ...(await fallback(o.conversationId, o.text, o.lang)), streamed: false };
  }

  let result: Answer | undefined;
  let question: Message | undefined;
  let failure: unknown;
  await readEvents(res.body, (e) => {
    if (result || failure) return;
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(e.data) as Record<string, unknown>;
    } catch {
      return; // not ours: ignored, as a browser ignores what it does not understand
    }
    switch (e.event) {
      case "start":
        question = payload.question as Message;
        o.onStart?.(question, String(payload.answer_id ?? ""));
        break;
      case "token":
        if (typeof payload.text === "string") o.onToken?.(payload.text);
        break;
      case "done":
        result = { question: question ?? (payload.question as Message), answer: payload.answer as Message, credits: payload.credits as Credits };
        break;
      case "error":
        failure = new ApiError(payload.problem ?? payload);
        break;
    }
  }).catch((err) => {
    if (o.signal?.aborted) throw o.signal.reason ?? err;
    throw new StreamBroken();
  });
  if (failure) throw failure;
  if (!result) throw new StreamBroken();
  return { ...result, streamed: true };
}
