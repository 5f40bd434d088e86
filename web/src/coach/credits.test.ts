import { describe, expect, it } from "vitest";
import type { Credits } from "./api";
import { creditsState, formatDay } from "./Credits";

const month = (used: number, limit: number, warning = used >= 0.8 * limit): Credits => ({
  month: "2026-12",
  used,
  limit,
  remaining: Math.max(0, limit - used),
  resets_at: "2027-01-01T00:00:00Z",
  warning,
});

describe("creditsState", () => {
  it.each([
    ["well within the month", month(12, 50), undefined, { used: 12, limit: 50, out: false, warning: false }],
    ["just under 80 %", month(39, 50), undefined, { used: 39, limit: 50, out: false, warning: false }],
    ["at 80 % the meter warns", month(40, 50), undefined, { used: 40, limit: 50, out: false, warning: true }],
    ["at 80 % even if the server did not say so", month(400, 500, false), undefined, { used: 400, limit: 500, out: false, warning: true }],
    ["none left", month(50, 50), undefined, { used: 50, limit: 50, out: true, warning: true }],
    ["a 402 while the figures were older", month(48, 50), { type: "x", title: "x", status: 402, limit: 50, resets_at: "2027-01-01T00:00:00Z" }, { used: 50, limit: 50, out: true, warning: true }],
    ["a 402 before the figures arrived", undefined, { type: "x", title: "x", status: 402, limit: 500 }, { used: 500, limit: 500, out: true, warning: true }],
  ])("%s", (_, c, problem, want) => {
    expect(creditsState(c, problem)).toMatchObject(want);
  });

  it("takes the reset date from the 402 first", () => {
    expect(creditsState(month(1, 50), { type: "x", title: "x", status: 402, resets_at: "2027-02-01T00:00:00Z" }).resetsAt).toBe("2027-02-01T00:00:00Z");
  });
});

describe("formatDay", () => {
  it.each([
    ["en-GB", "1 January 2027"],
    ["es", "1 de enero de 2027"],
    ["de", "1. Januar 2027"],
  ])("writes the day in %s", (lang, want) => {
    expect(formatDay("2027-01-01T12:00:00Z", lang)).toBe(want);
  });
  it("says nothing for no date or a bad one", () => {
    expect(formatDay(undefined, "en")).toBe("");
    expect(formatDay("soon", "en")).toBe("");
  });
});
