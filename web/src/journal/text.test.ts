import { describe, expect, it } from "vitest";
import { diff, fold, matches } from "./text";

describe("matches", () => {
  const e = { title: "Café in Tel Aviv", body: "A quiet morning with the Doing card. שָׁלוֹם", tags: ["gratitude"] };
  it.each([
    ["", true],
    ["cafe", true],
    ["MORN", true],
    ["quiet doing", true],
    ["grat", true],
    ["שלום", true],
    ["evening", false],
    ["quiet evening", false],
  ])("%s → %s", (q, want) => {
    expect(matches(e, q)).toBe(want);
  });
  it("folds accents", () => expect(fold("Ÿes Ñ")).toBe("yes n"));
});

describe("diff", () => {
  it("marks what each side has", () => {
    expect(diff("the calm sea", "the wild sea")).toEqual([
      { text: "the ", kind: "same" },
      { text: "calm", kind: "removed" },
      { text: "wild", kind: "added" },
      { text: " sea", kind: "same" },
    ]);
  });
  it("joins the parts back into both texts", () => {
    const a = "one two three four";
    const b = "zero one three five four";
    const parts = diff(a, b);
    expect(parts.filter((p) => p.kind !== "added").map((p) => p.text).join("")).toBe(a);
    expect(parts.filter((p) => p.kind !== "removed").map((p) => p.text).join("")).toBe(b);
  });
});
