// i18next with the five languages of the product. Hebrew is written right to
// left: the <html> element's lang and dir follow the language, and the CSS
// uses logical properties so the layout mirrors.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./locales/en.json";
import es from "./locales/es.json";
import fr from "./locales/fr.json";
import de from "./locales/de.json";
import he from "./locales/he.json";

type Tree = { [key: string]: string | Tree };
const base = { en, es, fr, de, he } as const;
export type Language = keyof typeof base;
export const languages = Object.keys(base) as Language[];

// Each area of the app (library, journeys, sessions, privacy, …) keeps its
// messages beside its code in <area>/locales/<lang>.json, under one top-level
// key named after the area, so areas grow without touching each other's files.
const areaFiles = import.meta.glob<Tree>("./*/locales/*.json", { eager: true, import: "default" });

// areas lists, per language, the area files found: [area folder, messages].
export function areas(lang: Language): [string, Tree][] {
  return Object.entries(areaFiles)
    .filter(([path]) => path.endsWith(`/locales/${lang}.json`))
    .map(([path, tree]) => [path.split("/")[1], tree]);
}

export const resources = Object.fromEntries(
  languages.map((lang) => [lang, Object.assign({}, base[lang] as Tree, ...areas(lang).map(([, tree]) => tree)) as Tree]),
) as Record<Language, Tree>;
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
    const base = c?.toLowerCase().split("-")[0];
    if (base && (languages as string[]).includes(base)) return base as Language;
  }
  return "en";
}

function apply(lang: string) {
  if (typeof document === "undefined") return;
  document.documentElement.lang = lang;
  document.documentElement.dir = direction(lang);
}

export async function setLanguage(lang: Language) {
  globalThis.localStorage?.setItem(storageKey, lang);
  await i18n.changeLanguage(lang);
}

i18n.on("languageChanged", apply);

void i18n.use(initReactI18next).init({
  resources: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, { translation: v }])),
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes
});
apply(i18n.language);

export default i18n;
