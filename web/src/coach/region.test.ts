import { describe, expect, it } from "vitest";
import { browserRegion } from "./api";

describe("browserRegion", () => {
  it.each([
    [["de-DE", "en"], "DE"],
    [["es-MX"], "MX"],
    [["he"], "IL"],
    [["fr"], "FR"],
    [["not a tag", "en-GB"], "GB"],
    [[], undefined],
  ])("%j → %s", (langs, want) => {
    expect(browserRegion(langs)).toBe(want);
  });
});
