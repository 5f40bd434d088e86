// The coach API (/api/coach/v1, functions/coach): the shapes it answers
// with and one function per call. Streamed answers come from the
// coach-stream service's own address (stream.ts), since Hosting holds a
// streamed response back until it is complete.
import { useQuery } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { ApiError, problemMessageKey, type Problem } from "../api/problem";
import type { components, operations } from "../api/schema";
import type { Language } from "../i18n";

type S = components["schemas"];

export type Credits = S["CoachCredits"];
export type Conversation = S["CoachConversation"];
export type Source = S["CoachSource"];
export type Card = S["CoachCard"];
export type Message = S["CoachMessage"];
export type MessageType = NonNullable<Message["type"]>;
export type Resource = NonNullable<Message["escalation"]>["resources"][number];
export type Feedback = NonNullable<Message["feedback"]>;
export type Suggestion = S["CopilotSuggestion"];
export type SuggestionCard = Card;
export type Alert = S["CoachAlert"];
export type Config = operations["coachConfig"]["responses"][200]["content"]["application/json"];

export interface Answer {
  question: Message;
  answer: Message;
  credits: Credits;
}

/** The most a question may hold, in characters. */
export const maxQuestion = 2000;
/** The most a feedback reason may hold. */
export const maxReason = 500;

export const getConfig = (): Promise<Config> => data(api.GET("/coach/v1/config"));

export const listConversations = (pageToken = "") =>
  data(api.GET("/coach/v1/conversations", { params: { query: pageToken ? { page_token: pageToken } : {} } }));

export const createConversation = (body: { session_id?: string; lang?: Language }) => data(api.POST("/coach/v1/conversations", { body }));

export const getConversation = (conversationId: string) =>
  data(api.GET("/coach/v1/conversations/{conversationId}", { params: { path: { conversationId } } }));

export async function deleteConversation(conversationId: string): Promise<void> {
  const r = await api.DELETE("/coach/v1/conversations/{conversationId}", { params: { path: { conversationId } } });
  if (!r.response.ok) throw new ApiError(r.error ?? { type: "about:blank", title: r.response.statusText, status: r.response.status });
}

/**
 * browserRegion is the country of the browser's preferred locale (ISO
 * 3166-1, e.g. "DE" for de-DE, or the likeliest one for a bare language),
 * so that a crisis answer lists resources where the person is, whatever
 * language the app is shown in.
 */
export function browserRegion(languages: readonly string[] = globalThis.navigator?.languages ?? []): string | undefined {
  for (const tag of languages) {
    try {
      const region = new Intl.Locale(tag).maximize().region;
      if (region && /^[A-Z]{2}$/.test(region)) return region;
    } catch {
      // not a language tag: try the next
    }
  }
  return undefined;
}

/** askBody is what both asks send. */
export const askBody = (text: string, lang: Language) => {
  const region = browserRegion();
  return { text, lang, ...(region ? { region } : {}) };
};

export const ask = (conversationId: string, text: string, lang: Language): Promise<Answer> =>
  data(api.POST("/coach/v1/conversations/{conversationId}/ask", { params: { path: { conversationId } }, body: askBody(text, lang) }));

export const sendFeedback = (conversationId: string, messageId: string, body: Feedback) =>
  data(api.POST("/coach/v1/conversations/{conversationId}/messages/{messageId}/feedback", { params: { path: { conversationId, messageId } }, body }));

/** suggest asks the copilot; serverNow is the answer's Date, to count down to next_at on the server's clock. */
export async function suggest(sessionId: string, lang: Language): Promise<{ suggestion: Suggestion; next_at: string; serverNow: number }> {
  const r = await api.POST("/coach/v1/sessions/{sessionId}/copilot", { params: { path: { sessionId } }, body: { lang } });
  const body = await data(Promise.resolve(r));
  return { ...body, serverNow: Date.parse(r.response.headers.get("Date") ?? "") || Date.now() };
}

export type CopilotAction = { action: "accepted" | "edited" | "dismissed"; item_id?: string; text?: string };

export const copilotFeedback = (sessionId: string, suggestionId: string, body: CopilotAction) =>
  data(api.POST("/coach/v1/sessions/{sessionId}/copilot/{suggestionId}/feedback", { params: { path: { sessionId, suggestionId } }, body }));

export const listAlerts = (sessionId: string) => data(api.GET("/coach/v1/sessions/{sessionId}/alerts", { params: { path: { sessionId } } }));

export const ackAlert = (sessionId: string, alertId: string) =>
  data(api.POST("/coach/v1/sessions/{sessionId}/alerts/{alertId}/ack", { params: { path: { sessionId, alertId } }, body: {} }));

export const configKey = ["coach", "config"] as const;
export const conversationsKey = ["coach", "conversations"] as const;
export const conversationKey = (id: string) => ["coach", "conversation", id] as const;

export function useConfig() {
  return useQuery({ queryKey: configKey, queryFn: getConfig, staleTime: 30_000 });
}

// ---- Problems ----

export interface CreditsProblem extends Problem {
  resets_at?: string;
  limit?: number;
}

function problemOf(err: unknown): unknown {
  return err instanceof ApiError ? err.problem : err;
}

/** creditsExhausted is the 402 problem the coach answers once the month's answers are used up. */
export function creditsExhausted(err: unknown): CreditsProblem | undefined {
  const p = problemOf(err) as CreditsProblem | undefined;
  return typeof p === "object" && p !== null && p.status === 402 ? p : undefined;
}

export function problemKey(err: unknown) {
  return problemMessageKey(problemOf(err));
}
