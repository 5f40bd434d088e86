import { afterEach, describe, expect, it, vi } from "vitest";

// The typed client keeps the fetch it was created with: the fake is in
// place before any module loads. Relative addresses resolve against an
// origin, as in a browser.
const net = vi.hoisted(() => {
  (globalThis as Record<symbol, unknown>)[Symbol.for("undici.globalOrigin.1")] = new URL("http://app.test");
  const state = {
    calls: [] as Request[],
    bodies: [] as string[],
    answer: (): Response => new Response(JSON.stringify({ version: 4 }), { status: 200, headers: { "Content-Type": "application/json" } }),
  };
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    state.calls.push(req);
    state.bodies.push(req.body ? await req.clone().text() : "");
    return state.answer();
  }) as typeof fetch;
  return state;
});

vi.mock("../auth", () => ({ idToken: async () => "token-1" }));

import { ApiError } from "../api/problem";
import { apiLang, decide, getLive, getRetrospective } from "./api";
import { fileName } from "../api/files";
import { getReport } from "../reports/api";

const json = (body: unknown, status = 200) => () => new Response(JSON.stringify(body), { status, headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" } });

afterEach(() => {
  net.calls.length = 0;
  net.bodies.length = 0;
});

describe("requests", () => {
  it("asks for the live insights with the version seen and the language, signed", async () => {
    net.answer = json({ version: 4 });
    const live = await getLive("s 1", "he", 3);
    expect(live.version).toBe(4);
    const u = new URL(net.calls[0].url);
    expect(u.pathname).toBe("/api/insights/v1/sessions/s%201/live");
    expect(Object.fromEntries(u.searchParams)).toEqual({ after: "3", lang: "he" });
    expect(net.calls[0].headers.get("Authorization")).toBe("Bearer token-1");
  });

  it("leaves after out on the first ask", async () => {
    net.answer = json({ version: 0 });
    await getLive("s1", "en", undefined);
    expect(new URL(net.calls[0].url).search).toBe("?lang=en");
  });

  it("posts a recommendation's decision", async () => {
    net.answer = json({ id: "r1", status: "accepted" });
    expect(await decide("s1", "r1", "accepted")).toEqual({ id: "r1", status: "accepted" });
    expect(net.calls[0].method).toBe("POST");
    expect(JSON.parse(net.bodies[0])).toEqual({ status: "accepted" });
    expect(new URL(net.calls[0].url).pathname).toBe("/api/insights/v1/sessions/s1/recommendations/r1");
  });

  it("asks for a report with its organisation, months and language", async () => {
    net.answer = json({ rows: [] });
    await getReport({ report: "adoption", org: "org-lumen", from: "2026-01", to: "2026-12", lang: "fr" });
    const u = new URL(net.calls[0].url);
    expect(u.pathname).toBe("/api/analytics/v1/reports/adoption");
    expect(Object.fromEntries(u.searchParams)).toEqual({ org: "org-lumen", from: "2026-01", to: "2026-12", lang: "fr", format: "json" });
  });

  it("turns a problem into an ApiError carrying it", async () => {
    net.answer = json({ type: "https://studio.pointsofyou.ai/problems/not-found", title: "Not found", status: 404 }, 404);
    const err = await getRetrospective("s1", "en").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).problem).toMatchObject({ status: 404 });
  });

  it("asks in English for a language the API does not know", () => {
    expect(apiLang("he")).toBe("he");
    expect(apiLang("pt")).toBe("en");
  });
});

describe("file names", () => {
  it.each([
    [["studio", "adoption", "2026-01", "2026-12"], "csv", "studio-adoption-2026-01-2026-12.csv"],
    [["Evening circle / 3", "retrospective"], "pdf", "evening-circle-3-retrospective.pdf"],
    [["מפגש ערב", "retrospective"], "pdf", "מפגש-ערב-retrospective.pdf"],
    [[undefined, ""], "pdf", "studio.pdf"],
  ])("%j → .%s", (parts, ext, want) => {
    expect(fileName(parts, ext)).toBe(want);
  });
});
