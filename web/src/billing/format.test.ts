import { describe, expect, it } from "vitest";
import { formatDay, formatUnixDay } from "./format";

describe("formatDay", () => {
  it.each([
    ["en-GB", "1 January 2027"],
    ["es", "1 de enero de 2027"],
    ["de", "1. Januar 2027"],
    ["fr", "1 janvier 2027"],
  ])("writes the day in %s", (lang, want) => {
    expect(formatDay("2027-01-01T00:00:00Z", lang)).toBe(want);
  });
  it("keeps the day of the UTC month whatever the browser's zone", () => {
    // Allowances reset at 00:00 UTC: that day, not the evening before in the Americas.
    expect(formatDay("2027-01-01T00:00:00Z", "en-GB")).toBe("1 January 2027");
  });
  it("says nothing for no date or a bad one", () => {
    expect(formatDay(undefined, "en")).toBe("");
    expect(formatDay(null, "en")).toBe("");
    expect(formatDay("soon", "en")).toBe("");
  });
  it("reads Stripe's seconds", () => {
    expect(formatUnixDay(1798761600, "en-GB")).toBe("1 January 2027");
    expect(formatUnixDay(0, "en-GB")).toBe("");
  });
});
