import { describe, expect, it } from "vitest";
import { fillSubjects, formatDuration, formatMonth, formatNumber, formatPercent, secondsSince } from "./text";

const names = new Map([
  ["u1", "Noa Levi"],
  ["u2", "Sam Weber"],
  ["u3", "Ana"],
]);

describe("fillSubjects", () => {
  it.each([
    ["one subject", "Invite {subject} to share first in the next round.", ["u1"], "en", "Invite Noa Levi to share first in the next round."],
    ["two subjects, joined as English joins them", "{subject} have placed few elements.", ["u1", "u2"], "en", "Noa Levi and Sam Weber have placed few elements."],
    ["three in Spanish", "{subject}: poca actividad.", ["u1", "u2", "u3"], "es", "Noa Levi, Sam Weber y Ana: poca actividad."],
    ["in Hebrew", "הזמינו את {subject} לשתף.", ["u1", "u2"], "he", "הזמינו את Noa Levi ו-Sam Weber לשתף."],
    ["an unknown subject", "Invite {subject}.", ["zz"], "en", "Invite a participant."],
    ["no subject", "Invite {subject}.", [], "en", "Invite a participant."],
    ["no placeholder", "Harvest the burst of connections.", ["u1"], "en", "Harvest the burst of connections."],
    ["twice", "{subject}, then {subject} again.", ["u3"], "en", "Ana, then Ana again."],
  ])("%s", (_name, text, subjects, lang, want) => {
    expect(fillSubjects(text, subjects, names, lang, "a participant")).toBe(want);
  });

  it("never reads a name from anywhere but the list it is given", () => {
    expect(fillSubjects("{subject}", null, names, "en", "someone")).toBe("someone");
  });
});

describe("numbers per language", () => {
  it.each([
    [1234.5, "en", 1, "1,234.5"],
    [1234.5, "de", 1, "1.234,5"],
    [1234.5, "es", 1, "1234,5"],
    [12345.67, "es", 1, "12.345,7"],
    [1234.5, "fr", 1, "1 234,5"],
    [1234.5, "he", 1, "1,234.5"],
    [2.25, "en", 0, "2"],
    [0.28, "de", 2, "0,28"],
  ])("%f in %s", (v, lang, digits, want) => {
    // French groups with a narrow no-break space.
    expect(formatNumber(v, lang, digits).replace(/\u202f/g, " ")).toBe(want);
  });

  it("writes a missing figure as a dash", () => {
    expect(formatNumber(undefined, "en")).toBe("–");
    expect(formatNumber(Number.NaN, "en")).toBe("–");
    expect(formatPercent(null, "en")).toBe("–");
  });

  it.each([
    [72, "en", "72%"],
    [72, "fr", "72 %"],
    [72, "de", "72 %"],
    [100, "he", "100%"],
    [33.4, "en", "33%"],
  ])("%f %% in %s", (v, lang, want) => {
    expect(formatPercent(v, lang).replace(/[\u202f\u00a0]/g, " ").replace(/[\u200e\u200f]/g, "")).toBe(want);
  });

  it.each([
    [45, "en", "45 sec"],
    [120, "en", "2 min"],
    [125, "en", "2 min 5 sec"],
    [3725, "en", "1 hr 2 min"],
    [125, "de", "2 Min. 5 Sek."],
  ])("%i s in %s", (s, lang, want) => {
    expect(formatDuration(s, lang).replace(/[\u202f\u00a0]/g, " ")).toBe(want);
  });

  it.each([
    ["2026-03", "en", "Mar 2026"],
    ["2026-03", "de", "März 2026"],
    ["2026-12", "fr", "déc. 2026"],
    ["not a month", "en", "not a month"],
  ])("month %s in %s", (m, lang, want) => {
    expect(formatMonth(m, lang)).toBe(want);
  });

  it("counts whole seconds since, never below zero", () => {
    expect(secondsSince(1000, 4999)).toBe(3);
    expect(secondsSince(5000, 4000)).toBe(0);
  });
});
