import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/problem";
import type { Answer, Message } from "./api";
import { askStreaming, StreamBroken } from "./stream";

const question: Message = { id: "q1", role: "user", text: "¿Cómo suelto?", created_at: "2026-12-06T10:00:00Z" };
const answer: Message = { id: "a1", role: "coach", text: "Hola, amiga", created_at: "2026-12-06T10:00:01Z", type: "insight" };
const credits = { month: "2026-12", used: 3, limit: 500, remaining: 497, resets_at: "2027-01-01T00:00:00Z", warning: false };

function sse(events: [string, unknown][]): string {
  return events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join("");
}

// streamed answers with the body cut into the given pieces.
function streamed(pieces: string[], status = 200): Response {
  const enc = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(c) {
        for (const p of pieces) c.enqueue(enc.encode(p));
        c.close();
      },
    }),
    { status, headers: { "Content-Type": "text/event-stream" } },
  );
}

const whole = sse([
  ["start", { question, answer_id: "a1" }],
  ["token", { text: "Hola" }],
  ["token", { text: ", amiga" }],
  ["done", { answer, credits }],
]);

const fallbackAnswer: Answer = { question, answer, credits };

function options(fetcher: typeof fetch, extra: Partial<Parameters<typeof askStreaming>[0]> = {}) {
  return {
    streamUrl: "http://stream.test/base/",
    conversationId: "c 1",
    text: "¿Cómo suelto?",
    lang: "es" as const,
    token: async () => "tok",
    fetch: fetcher,
    fallback: vi.fn(async () => fallbackAnswer),
    ...extra,
  };
}

describe("askStreaming", () => {
  it("posts the question with the token and reads the tokens as they come", async () => {
    const fetcher = vi.fn(async () => streamed([whole.slice(0, 50), whole.slice(50, 51), whole.slice(51)]));
    const tokens: string[] = [];
    const started: string[] = [];
    const o = options(fetcher as unknown as typeof fetch, { onToken: (t) => tokens.push(t), onStart: (q, id) => started.push(`${q.id}:${id}`) });
    const got = await askStreaming(o);
    expect(got).toEqual({ question, answer, credits, streamed: true });
    expect(tokens).toEqual(["Hola", ", amiga"]);
    expect(started).toEqual(["q1:a1"]);
    expect(o.fallback).not.toHaveBeenCalled();
    const [url, init] = fetcher.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("http://stream.test/base/v1/conversations/c%201/ask");
    expect(init.method).toBe("POST");
    expect(init.headers).toMatchObject({ Authorization: "Bearer tok", Accept: "text/event-stream" });
    expect(JSON.parse(String(init.body))).toMatchObject({ text: "¿Cómo suelto?", lang: "es" });
  });

  it.each([
    ["the service cannot be reached", async () => Promise.reject(new TypeError("Failed to fetch"))],
    ["a gateway answers 502 without a problem", async () => new Response("bad gateway", { status: 502, headers: { "Content-Type": "text/html" } })],
    ["something answers 200 with a page, not a stream", async () => new Response("<html></html>", { status: 200, headers: { "Content-Type": "text/html" } })],
  ])("falls back to the ordinary ask when %s", async (_, fetcher) => {
    const o = options(fetcher as unknown as typeof fetch);
    await expect(askStreaming(o)).resolves.toEqual({ ...fallbackAnswer, streamed: false });
    expect(o.fallback).toHaveBeenCalledWith("c 1", "¿Cómo suelto?", "es");
  });

  it("passes the coach's problems on, the 402 with its reset date", async () => {
    const problem = { type: "https://studio.pointsofyou.ai/problems/credits-exhausted", title: "No credits", status: 402, resets_at: "2027-01-01T00:00:00Z", limit: 50 };
    const fetcher = async () => new Response(JSON.stringify(problem), { status: 402, headers: { "Content-Type": "application/problem+json" } });
    const o = options(fetcher as unknown as typeof fetch);
    const err = await askStreaming(o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).problem).toEqual(problem);
    expect(o.fallback).not.toHaveBeenCalled();
  });

  it("rejects with the problem of an error event, after the tokens so far", async () => {
    const problem = { type: "https://studio.pointsofyou.ai/problems/unavailable", title: "Unavailable", status: 503 };
    const tokens: string[] = [];
    const fetcher = async () => streamed([sse([["start", { question, answer_id: "a1" }], ["token", { text: "Ho" }], ["error", problem]])]);
    const err = await askStreaming(options(fetcher as unknown as typeof fetch, { onToken: (t) => tokens.push(t) })).catch((e: unknown) => e);
    expect(tokens).toEqual(["Ho"]);
    expect((err as ApiError).problem).toEqual(problem);
  });

  it("reads a problem wrapped as {problem} in an error event", async () => {
    const problem = { type: "https://studio.pointsofyou.ai/problems/unavailable", title: "Unavailable", status: 503 };
    const fetcher = async () => streamed([sse([["error", { problem }]])]);
    const err = await askStreaming(options(fetcher as unknown as typeof fetch)).catch((e: unknown) => e);
    expect((err as ApiError).problem).toEqual(problem);
  });

  it("says so when the stream ends without its done event", async () => {
    const fetcher = async () => streamed([sse([["start", { question, answer_id: "a1" }], ["token", { text: "Ho" }]])]);
    await expect(askStreaming(options(fetcher as unknown as typeof fetch))).rejects.toBeInstanceOf(StreamBroken);
  });

  it("stops when aborted, without falling back", async () => {
    const ctl = new AbortController();
    const fetcher = (_: string, init: RequestInit) =>
      new Promise<Response>((_, reject) => init.signal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    const o = options(fetcher as unknown as typeof fetch, { signal: ctl.signal });
    const p = askStreaming(o);
    ctl.abort(new DOMException("stopped", "AbortError"));
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(o.fallback).not.toHaveBeenCalled();
  });

  it("stops in the middle of a stream when aborted", async () => {
    const ctl = new AbortController();
    const enc = new TextEncoder();
    const fetcher = async (_: string, init: RequestInit) =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(enc.encode(sse([["token", { text: "a" }]])));
            init.signal!.addEventListener("abort", () => c.error(new DOMException("aborted", "AbortError")));
          },
        }),
        { headers: { "Content-Type": "text/event-stream" } },
      );
    const tokens: string[] = [];
    const p = askStreaming(options(fetcher as unknown as typeof fetch, { signal: ctl.signal, onToken: (t) => (tokens.push(t), ctl.abort(new DOMException("stopped", "AbortError"))) }));
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(tokens).toEqual(["a"]);
  });
});
