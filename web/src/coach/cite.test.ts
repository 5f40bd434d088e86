import { describe, expect, it } from "vitest";
import { citeParts, citeText } from "./cite";

const known = new Set(["tw-photo-24", "tw-word-anchor"]);

describe("citeParts", () => {
  it.each([
    ["no marker", "Just words.", false, ["Just words."]],
    ["a marker in a sentence", "[source: tw-photo-24] offers a way in.", false, [{ cite: "tw-photo-24" }, " offers a way in."]],
    ["a marker at the end", "Stay with it [source: tw-word-anchor].", false, ["Stay with it ", { cite: "tw-word-anchor" }, "."]],
    ["two markers", "A [source: tw-photo-24] and B [source:tw-word-anchor]", false, ["A ", { cite: "tw-photo-24" }, " and B ", { cite: "tw-word-anchor" }]],
    ["an unknown source is dropped", "Here [source: made-up] there.", false, ["Here ", "there."]],
    ["an unfinished marker waits while writing", "Look at [sour", true, ["Look at "]],
    ["an unfinished marker with its id waits", "Look at [source: tw-pho", true, ["Look at "]],
    ["a bracket that is no marker stays", "Look at [this]", true, ["Look at [this]"]],
    ["an unfinished marker stays when done", "Look at [sour", false, ["Look at [sour"]],
  ])("%s", (_, text, writing, want) => {
    expect(citeParts(text, known, writing)).toEqual(want);
  });
});

describe("citeText", () => {
  it("reads each citation as its source's title", () => {
    const titles = new Map([["tw-photo-24", "Faro en la niebla"]]);
    expect(citeText("[source: tw-photo-24] ofrece una entrada.", titles)).toBe("Faro en la niebla ofrece una entrada.");
  });
});
