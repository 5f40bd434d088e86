// i18next with the five languages of the product. Hebrew is written right to
// left: the <html> element's lang and dir follow the language, and the CSS
// uses logical properties so the layout mirrors.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./locales/en.json";

export type Tree = { [key: string]: string | Tree };
export const languages = ["en", "es", "fr", "de", "he"] as const;
export type Language = (typeof languages)[number];

// Each area of the app (library, journeys, sessions, privacy, …) keeps its
// messages beside its code in <area>/locales/<lang>.json, under one top-level
// key named after the area, so areas grow without touching each other's files.
// English, the fallback, is in the shell; another language's files are
// fetched (in parallel, small) when it is chosen, so the shell does not grow
// with each language times each area.
const englishAreas = import.meta.glob<Tree>("./*/locales/en.json", { eager: true, import: "default" });
const baseFiles = import.meta.glob<Tree>(["./locales/*.json", "!./locales/en.json"], { import: "default" });
const areaFiles = import.meta.glob<Tree>(["./*/locales/*.json", "!./*/locales/en.json"], { import: "default" });

// areas lists, per language, the area files found: [area folder, messages].
export async function areas(lang: Language): Promise<[string, Tree][]> {
  const files: [string, () => Promise<Tree>][] =
    lang === "en"
      ? Object.entries(englishAreas).map(([path, tree]) => [path, async () => tree])
      : Object.entries(areaFiles).filter(([path]) => path.endsWith(`/locales/${lang}.json`));
  return Promise.all(files.map(async ([path, load]) => [path.split("/")[1], await load()] as [string, Tree]));
}

// base is the shared file of a language (app.*, problem.*, nav.*, …).
export async function base(lang: Language): Promise<Tree> {
  return lang === "en" ? (en as Tree) : baseFiles[`./locales/${lang}.json`]();
}

// messages is everything a language says: its shared file and its areas'.
export async function messages(lang: Language): Promise<Tree> {
  const [shared, own] = await Promise.all([base(lang), areas(lang)]);
  return Object.assign({}, shared, ...own.map(([, tree]) => tree)) as Tree;
}

const english = Object.assign({}, en as Tree, ...Object.values(englishAreas)) as Tree;
const rtl = new Set<Language>(["he"]);

// isolate marks a left-to-right value (an email address, an id) as its own
// bidirectional run in a right-to-left language, so a Hebrew sentence
// around it keeps its order and its punctuation stays where the sentence
// puts it; left-to-right text needs nothing.
export function isolate(value: string): string {
  return value && direction(i18n.language) === "rtl" ? "\u2068" + value + "\u2069" : value;
}

export function direction(lang: string): "rtl" | "ltr" {
  return rtl.has(lang as Language) ? "rtl" : "ltr";
}

const storageKey = "language";

function initialLanguage(): Language {
  const candidates = [globalThis.localStorage?.getItem(storageKey), ...(globalThis.navigator?.languages ?? [])];
  for (const c of candidates) {
    const code = c?.toLowerCase().split("-")[0];
    if (code && (languages as readonly string[]).includes(code)) return code as Language;
  }
  return "en";
}

const loaded = new Set<Language>(["en"]);

// load adds a language's messages to i18next once.
async function load(lang: Language) {
  if (loaded.has(lang)) return;
  i18n.addResourceBundle(lang, "translation", await messages(lang), true, true);
  loaded.add(lang);
}

function apply(lang: string) {
  if (typeof document === "undefined") return;
  document.documentElement.lang = lang;
  document.documentElement.dir = direction(lang);
}

export async function setLanguage(lang: Language) {
  await load(lang);
  globalThis.localStorage?.setItem(storageKey, lang);
  await i18n.changeLanguage(lang);
}

i18n.on("languageChanged", apply);

void i18n.use(initReactI18next).init({
  resources: { en: { translation: english } },
  partialBundledLanguages: true,
  lng: "en",
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes
});
apply(i18n.language);

// ready: the person's language is loaded and chosen; the app renders after
// it, so nobody sees a flash of English. Should its chunk fail to load
// (offline before it was ever cached), English stands in.
export const ready: Promise<void> = (async () => {
  const lang = initialLanguage();
  if (lang === "en") return;
  try {
    await load(lang);
    await i18n.changeLanguage(lang);
  } catch {
    // English, the fallback, is already there.
  }
})();

export default i18n;
