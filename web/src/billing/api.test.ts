import { afterEach, describe, expect, it, vi } from "vitest";

// Relative addresses resolve against an origin, as in a browser; fetch is
// the fake below, in place before any module loads.
const net = vi.hoisted(() => {
  (globalThis as Record<symbol, unknown>)[Symbol.for("undici.globalOrigin.1")] = new URL("http://app.test");
  const state = {
    calls: [] as Request[],
    bodies: [] as string[],
    token: "token-1" as string | undefined,
    answer: (_: Request): Response => new Response("{}", { status: 200 }),
  };
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), "http://app.test"), init);
    state.calls.push(req);
    state.bodies.push(req.body ? await req.clone().text() : "");
    return state.answer(req);
  }) as typeof fetch;
  return state;
});

vi.mock("../auth", () => ({ idToken: async () => net.token, getAuth: async () => ({ currentUser: null }) }));

import { ApiError } from "../api/problem";
import { checkout, getBilling, getPlans, listInvoices, portal, setSeats, type Billing } from "./api";
import { applied, waitApplied } from "./checkout";

const json = (body: unknown, status = 200) => () =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" } });

afterEach(() => {
  net.calls.length = 0;
  net.bodies.length = 0;
  net.token = "token-1";
});

describe("the billing API", () => {
  it("asks for the plans without a token when nobody is signed in", async () => {
    net.token = undefined;
    net.answer = json({ currency: "usd", plans: [] });
    expect(await getPlans()).toEqual({ currency: "usd", plans: [] });
    const req = net.calls[0];
    expect(req.method).toBe("GET");
    expect(new URL(req.url).pathname).toBe("/api/billing/v1/plans");
    expect(req.headers.get("Authorization")).toBeNull();
  });

  it("sends the ID token with the person's billing", async () => {
    net.answer = json({ tier: "free", personal: null, org: null });
    await getBilling();
    expect(new URL(net.calls[0].url).pathname).toBe("/api/billing/v1/me");
    expect(net.calls[0].headers.get("Authorization")).toBe("Bearer token-1");
  });

  it("posts a checkout and returns the payment page's address", async () => {
    net.answer = json({ url: "http://stripe.test/checkout/cs_1" });
    const r = await checkout({ lookup_key: "professional_monthly", scope: "personal", return_path: "/account/billing" });
    expect(r.url).toBe("http://stripe.test/checkout/cs_1");
    expect(net.calls[0].method).toBe("POST");
    expect(net.calls[0].headers.get("Content-Type")).toBe("application/json");
    expect(JSON.parse(net.bodies[0])).toEqual({ lookup_key: "professional_monthly", scope: "personal", return_path: "/account/billing" });
  });

  it("posts the portal for an organisation", async () => {
    net.answer = json({ url: "http://stripe.test/portal/bps_1" });
    await portal({ scope: "org", org_id: "org-lumen" });
    expect(new URL(net.calls[0].url).pathname).toBe("/api/billing/v1/portal");
    expect(JSON.parse(net.bodies[0])).toEqual({ scope: "org", org_id: "org-lumen" });
  });

  it.each([
    ["personal", undefined, "scope=personal"],
    ["org", "org-lumen", "scope=org&org_id=org-lumen"],
  ] as const)("lists %s invoices", async (scope, org, query) => {
    net.answer = json({ invoices: [] });
    await listInvoices(scope, org);
    expect(new URL(net.calls[0].url).search).toBe(`?${query}`);
  });

  it("puts seats on the organisation's path, escaped", async () => {
    net.answer = json({ seats: { allowed: 5, used: 2 } });
    expect(await setSeats("org/1", 5)).toEqual({ seats: { allowed: 5, used: 2 } });
    expect(net.calls[0].method).toBe("PUT");
    expect(new URL(net.calls[0].url).pathname).toBe("/api/billing/v1/orgs/org%2F1/seats");
    expect(JSON.parse(net.bodies[0])).toEqual({ seats: 5 });
  });

  it("turns a problem into an ApiError carrying it", async () => {
    const problem = { type: "https://studio.pointsofyou.ai/problems/conflict", title: "Conflict", status: 409, detail: "seats in use" };
    net.answer = json(problem, 409);
    const err = await setSeats("org-lumen", 1).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.problem).toEqual(problem);
  });

  it("fails with an ApiError when the answer has no body", async () => {
    net.answer = () => new Response("", { status: 502, statusText: "Bad Gateway" });
    expect(await getBilling().catch((e) => e)).toBeInstanceOf(ApiError);
  });
});

const usage = { month: "2026-12", resets_at: "2027-01-01T00:00:00Z", ai_interactions: { used: 0, allowed: 50, warning: false }, content_uses: { used: 0, allowed: 100, warning: false } };
const free: Billing = { tier: "free", personal: null, org: null, usage };
const pro: Billing = { ...free, tier: "professional", personal: { tier: "professional", source: "billing", updated_at: "2026-12-06T00:00:00Z", status: "active", price: "professional_monthly" } };
const pending = { tier: "professional" as const, lookup_key: "professional_monthly" };

describe("coming back from the payment page", () => {
  it("knows when the plan paid for applies", () => {
    expect(applied(free, pending)).toBe(false);
    // The entitlement is written, the person's tier not yet.
    expect(applied({ ...free, personal: pro.personal }, pending)).toBe(false);
    expect(applied(pro, pending)).toBe(true);
    expect(applied({ ...free, tier: "enterprise" }, pending)).toBe(true);
    expect(applied(pro, undefined)).toBe(true);
    expect(applied(free, undefined)).toBe(false);
  });

  it("asks until the webhook's change shows, through passing failures", async () => {
    const answers: (Billing | Error)[] = [free, new Error("offline"), free, pro];
    const sleeps: number[] = [];
    const r = await waitApplied(pending, {
      interval: 250,
      get: async () => {
        const a = answers.shift()!;
        if (a instanceof Error) throw a;
        return a;
      },
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(r).toEqual({ billing: pro, ok: true });
    expect(sleeps).toEqual([250, 250, 250]);
  });

  it("gives up after its tries with the last answer", async () => {
    let n = 0;
    const r = await waitApplied(pending, { tries: 3, get: async () => (n++, free), sleep: async () => undefined });
    expect(r).toEqual({ billing: free, ok: false });
    expect(n).toBe(3);
  });
});
