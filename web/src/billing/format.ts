// Dates of the billing screens in the person's language.
import { intlLocale } from "../sessions/format";

/** formatDay writes an ISO time as a day ("1 January 2027"), or "" for none or a bad one. */
export function formatDay(iso: string | undefined | null, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "long", timeZone: "UTC" }).format(d);
}

/** formatUnixDay does formatDay for Stripe's seconds. */
export function formatUnixDay(seconds: number | undefined, lang: string): string {
  return seconds ? formatDay(new Date(seconds * 1000).toISOString(), lang) : "";
}
