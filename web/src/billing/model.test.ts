import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import type { Billing, Plan } from "./api";
import { checkoutRefusal, checkoutReturn, currentLookupKey, forRole, formatBytes, formatPrice, freeAllowances, grace, intervals, meterState, offers, paidPersonal, rank, seatsRefusal, yearlySaving } from "./model";

const allow = (ai: number, uses: number) => ({ ai_interactions: ai, content_uses: uses, journal_entries: 2000, journal_bytes: 200 << 20 });
const plan = (lookup_key: string, tier: Plan["tier"], interval: Plan["interval"], amount: number, extra: Partial<Plan> = {}): Plan => ({
  lookup_key,
  tier,
  interval,
  amount,
  currency: "usd",
  per_seat: false,
  min_seats: 1,
  allowances: allow(500, 1000),
  available: true,
  ...extra,
});

// The declared plans (infra/billing/plans.yaml).
const plans: Plan[] = [
  plan("professional_monthly", "professional", "month", 2900),
  plan("professional_yearly", "professional", "year", 29000),
  plan("enterprise_monthly", "enterprise", "month", 9900, { per_seat: true, min_seats: 3, allowances: allow(2000, 5000) }),
  plan("enterprise_yearly", "enterprise", "year", 99000, { per_seat: true, min_seats: 3, allowances: allow(2000, 5000) }),
  plan("official_monthly", "official", "month", 19900, { available: false, allowances: allow(5000, 10000) }),
  plan("official_yearly", "official", "year", 199000, { available: false, allowances: allow(5000, 10000) }),
];

const usage = { month: "2026-12", resets_at: "2027-01-01T00:00:00Z", ai_interactions: { used: 0, allowed: 50, warning: false }, content_uses: { used: 0, allowed: 100, warning: false } };
const billing = (b: Partial<Billing>): Billing => ({ tier: "free", personal: null, org: null, usage, ...b });

describe("formatPrice", () => {
  it.each([
    [2900, "usd", "en-US", "$29"],
    [29000, "usd", "en-US", "$290"],
    [2950, "usd", "en-US", "$29.50"],
    [2900, "usd", "de", "29 $"],
    [2900, "usd", "fr", "29 $US"],
    [2900, "usd", "es", "29 US$"],
    [2900, "eur", "de", "29 €"],
    [500, "jpy", "en-US", "¥500"],
  ])("%i %s in %s", (amount, currency, lang, want) => {
    // Intl separates amount and symbol with a no-break space in some languages.
    expect(formatPrice(amount, currency, lang).replace(/[\u00a0\u202f]/g, " ")).toBe(want);
  });
  it("writes the amount in Hebrew with the dollar sign", () => {
    expect(formatPrice(2900, "usd", "he")).toMatch(/29/);
    expect(formatPrice(2900, "usd", "he")).toMatch(/\$/);
  });
  it("survives an unknown currency code", () => {
    expect(formatPrice(2900, "not a currency", "en")).toBe("2900 NOT A CURRENCY");
  });
});

describe("formatBytes", () => {
  it.each([
    [10 << 20, "10 MB"],
    [200 << 20, "200 MB"],
    [2 ** 30, "1 GB"],
  ])("%i", (bytes, want) => {
    expect(formatBytes(bytes, "en").replace(/[\u00a0\u202f]/g, " ")).toBe(want);
  });
});

describe("offers", () => {
  it("lists free first and each tier's plan at the interval, in tier order", () => {
    const got = offers(plans, "year");
    expect(got.map((o) => [o.tier, o.plan?.lookup_key])).toEqual([
      ["free", undefined],
      ["professional", "professional_yearly"],
      ["enterprise", "enterprise_yearly"],
      ["official", "official_yearly"],
    ]);
    expect(got[0].allowances).toEqual(freeAllowances);
  });
  it("leaves out a tier sold at another interval only", () => {
    expect(offers(plans.filter((p) => p.lookup_key !== "official_yearly"), "year").map((o) => o.tier)).toEqual(["free", "professional", "enterprise"]);
  });
  it("knows the intervals sold", () => {
    expect(intervals(plans)).toEqual(["month", "year"]);
    expect(intervals(plans.filter((p) => p.interval === "year"))).toEqual(["year"]);
    expect(intervals([])).toEqual([]);
  });
});

describe("yearlySaving", () => {
  it.each([
    ["professional", 0.17],
    ["enterprise", 0.17],
    ["free", 0],
  ] as const)("%s", (tier, want) => {
    expect(yearlySaving(plans, tier)).toBe(want);
  });
  it("is 0 when the year costs more than twelve months", () => {
    expect(yearlySaving([plan("a", "professional", "month", 100), plan("b", "professional", "year", 1300)], "professional")).toBe(0);
  });
});

describe("meterState", () => {
  it.each([
    ["well within", { used: 12, allowed: 50, warning: false }, { warning: false, out: false, share: 0.24 }],
    ["just under 80 %", { used: 39, allowed: 50, warning: false }, { warning: false, out: false }],
    ["at 80 % even if the server did not say so", { used: 400, allowed: 500, warning: false }, { warning: true, out: false, share: 0.8 }],
    ["the server's warning", { used: 1, allowed: 500, warning: true }, { warning: true, out: false }],
    ["used up", { used: 50, allowed: 50, warning: true }, { warning: true, out: true, share: 1 }],
    ["beyond (a plan went down)", { used: 70, allowed: 50, warning: true }, { warning: true, out: true, share: 1 }],
    ["no allowance", { used: 0, allowed: 0, warning: false }, { warning: false, out: false, share: 0 }],
  ])("%s", (_, m, want) => {
    expect(meterState(m)).toMatchObject(want);
  });
});

describe("grace", () => {
  it("is the person's own failed payment first", () => {
    const b = billing({
      tier: "professional",
      personal: { tier: "professional", source: "billing", updated_at: "2026-12-06T00:00:00Z", status: "past_due", grace_until: "2026-12-13T00:00:00Z" },
      org: { org_id: "o", tier: "enterprise", status: "past_due", grace_until: null, seats: { allowed: 3, used: 1 }, can_manage: false },
    });
    expect(grace(b)).toEqual({ scope: "personal", until: "2026-12-13T00:00:00Z", canManage: true });
  });
  it("is the organisation's, which only its admins can pay", () => {
    const org = { org_id: "o", tier: "enterprise" as const, status: "past_due" as const, grace_until: "2026-12-14T00:00:00Z", seats: { allowed: 3, used: 1 }, can_manage: false };
    expect(grace(billing({ org }))).toEqual({ scope: "org", until: "2026-12-14T00:00:00Z", canManage: false });
  });
  it("is nothing when everything is paid", () => {
    expect(grace(billing({ personal: { tier: "professional", source: "billing", updated_at: "2026-12-06T00:00:00Z", status: "active" } }))).toBeUndefined();
    expect(grace(undefined)).toBeUndefined();
  });
});

describe("the person's own plan", () => {
  it.each([
    ["a paid plan", { tier: "professional", source: "billing", status: "active", price: "professional_yearly" }, true, "professional_yearly"],
    ["in its grace period", { tier: "professional", source: "billing", status: "past_due", price: "professional_monthly" }, true, "professional_monthly"],
    ["canceled", { tier: "free", source: "billing", status: "canceled", price: "professional_monthly" }, false, undefined],
    ["given by an operator", { tier: "official", source: "operator" }, false, undefined],
  ] as const)("%s", (_, personal, paid, key) => {
    const b = billing({ personal: { ...personal, updated_at: "2026-12-06T00:00:00Z" } });
    expect(paidPersonal(b)).toBe(paid);
    expect(currentLookupKey(b)).toBe(key);
  });
});

describe("rank", () => {
  it("orders the tiers", () => {
    expect(["free", "professional", "enterprise", "official", "gold"].map(rank)).toEqual([0, 1, 2, 3, -1]);
  });
});

describe("checkoutReturn", () => {
  it.each([
    ["?checkout=success", "success"],
    ["?checkout=cancel&x=1", "cancel"],
    ["?checkout=maybe", undefined],
    ["", undefined],
  ])("%s", (search, want) => {
    expect(checkoutReturn(search)).toBe(want);
  });
});

describe("refusals", () => {
  const problem = (status: number, detail?: string) => new ApiError({ type: "https://studio.pointsofyou.ai/problems/conflict", title: "x", status, detail });
  it.each([
    ["seats in use", new ApiError({ type: "https://studio.pointsofyou.ai/problems/seats-in-use", title: "Seats in use", status: 409 }), "inUse"],
    ["seats in use, by its words", problem(409, "seats in use: 4 staff members hold a seat"), "inUse"],
    ["no plan with seats", problem(409, "the organisation has no plan with seats; choose one first"), "noPlan"],
    [
      "below the plan's minimum",
      new ApiError({ type: "https://studio.pointsofyou.ai/problems/validation", title: "x", status: 422, errors: [{ field: "seats", message: "the plan starts at 3 seats" }] }),
      "invalid",
    ],
    ["forbidden", problem(403), "other"],
    ["offline", new TypeError("offline"), "other"],
  ])("reads a refused seat change: %s", (_, err, want) => {
    expect(seatsRefusal(err)).toBe(want);
  });
  it.each([
    ["a subscription already running", new ApiError({ type: "https://studio.pointsofyou.ai/problems/subscription-exists", title: "x", status: 409 }), "exists"],
    ["seats in use", new ApiError({ type: "https://studio.pointsofyou.ai/problems/seats-in-use", title: "x", status: 409 }), "seatsInUse"],
    ["bad input", problem(400), undefined],
    ["offline", new TypeError("offline"), undefined],
  ])("reads a refused checkout: %s", (_, err, want) => {
    expect(checkoutRefusal(err)).toBe(want);
  });
});

describe("forRole", () => {
  it.each([
    ["facilitator", "professional", true],
    ["facilitator", "official", true],
    ["participant", "professional", true],
    ["participant", "enterprise", false],
    ["educator", "official", false],
    ["org_admin", "professional", false],
    ["org_admin", "enterprise", true],
    [undefined, "official", true],
  ] as const)("%s holds %s: %s", (role, tier, want) => {
    expect(forRole(role, tier)).toBe(want);
  });
});
