import { beforeAll, describe, expect, it } from "vitest";
import { areas, direction, languages, messages, type Language, type Tree } from "./i18n";
import en from "./locales/en.json";
import es from "./locales/es.json";
import fr from "./locales/fr.json";
import de from "./locales/de.json";
import he from "./locales/he.json";

const base = { en, es, fr, de, he };
import { problemKeys } from "./api/problem";

// keys lists every leaf key of a translation tree ("a.b.c").
function keys(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function lookup(tree: object, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], tree);
}

// Every language's messages as the app loads them, and its areas' files.
const resources = {} as Record<Language, Tree>;
const areaFiles = {} as Record<Language, [string, Tree][]>;
let reference: string[] = [];
beforeAll(async () => {
  for (const lang of languages) {
    resources[lang] = await messages(lang);
    areaFiles[lang] = await areas(lang);
  }
  reference = keys(resources.en).sort();
});

describe("translations", () => {
  it.each(languages)("%s has every key of en and no other", (lang) => {
    expect(keys(resources[lang]).sort()).toEqual(reference);
  });

  it.each(languages)("%s has no empty message and keeps every {{placeholder}}", (lang) => {
    for (const key of reference) {
      const msg = lookup(resources[lang], key);
      expect(typeof msg === "string" && msg.trim() !== "", `${lang}: ${key} is empty`).toBe(true);
      const want = String(lookup(resources.en, key)).match(/\{\{\w+\}\}/g) ?? [];
      const got = String(msg).match(/\{\{\w+\}\}/g) ?? [];
      expect(got.sort(), `${lang}: ${key}`).toEqual(want.sort());
    }
  });

  it("has a message for every problem type the API answers with", () => {
    for (const slug of [...problemKeys, "network", "unknown"]) {
      expect(reference, slug).toContain(`problem.${slug}`);
    }
  });

  it.each(languages)("%s: each area's file holds one top-level key, its own name, which the shared file does not use", (lang) => {
    for (const [area, tree] of areaFiles[lang]) {
      expect(Object.keys(tree), `${area}/locales/${lang}.json`).toEqual([area]);
      expect(Object.keys(base[lang]), area).not.toContain(area);
    }
  });

  it("writes Hebrew right to left and the others left to right", () => {
    expect(languages.map((l) => [l, direction(l)])).toEqual([
      ["en", "ltr"], ["es", "ltr"], ["fr", "ltr"], ["de", "ltr"], ["he", "rtl"],
    ]);
  });
});
