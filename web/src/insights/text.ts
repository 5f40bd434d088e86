// Words and numbers of the insights and reports screens, apart from React:
// recommendations name the people they are about, and figures are written
// as the reader's language writes them.
import { intlLocale } from "../sessions/format";

/**
 * fillSubjects puts the names of a recommendation's subjects where its text
 * says {subject} (the server never sends names): one name, or several joined
 * as the language joins a list. A subject without a known name is fallback.
 */
export function fillSubjects(text: string, subjects: readonly string[] | null | undefined, names: ReadonlyMap<string, string>, lang: string, fallback: string): string {
  if (!text.includes("{subject}")) return text;
  const who = (subjects ?? []).map((uid) => names.get(uid) || fallback);
  let joined = who[0] ?? fallback;
  if (who.length > 1) {
    try {
      joined = new Intl.ListFormat(lang, { style: "long", type: "conjunction" }).format(who);
    } catch {
      joined = who.join(", ");
    }
  }
  return text.replaceAll("{subject}", joined);
}

function nf(lang: string, o: Intl.NumberFormatOptions): Intl.NumberFormat {
  return new Intl.NumberFormat(intlLocale(lang), o);
}

/** formatNumber writes a figure with at most digits decimals, as lang writes numbers. */
export function formatNumber(value: number | null | undefined, lang: string, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return nf(lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
}

/** formatPercent writes 0…100 as a percentage (72 → "72 %" in French, "72%" in English). */
export function formatPercent(value: number | null | undefined, lang: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return nf(lang, { style: "percent", maximumFractionDigits: 0 }).format(value / 100);
}

/** formatDuration writes seconds as minutes and seconds in the language ("2 min 5 s"). */
export function formatDuration(seconds: number, lang: string): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  const unit = (u: "minute" | "second" | "hour", v: number) => nf(lang, { style: "unit", unit: u, unitDisplay: "short" }).format(v);
  if (m >= 60) return `${unit("hour", Math.floor(m / 60))} ${unit("minute", m % 60)}`;
  if (m === 0) return unit("second", s);
  return s % 60 === 0 ? unit("minute", m) : `${unit("minute", m)} ${unit("second", s % 60)}`;
}

/** formatMonth writes YYYY-MM as the month's name and year ("Mar 2026", "מרץ 2026"). */
export function formatMonth(month: string, lang: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  return new Intl.DateTimeFormat(intlLocale(lang), { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(+m[1], +m[2] - 1, 15)));
}

/** secondsSince is the whole seconds from iso (or a time in ms) to now, never below 0. */
export function secondsSince(at: number, now: number): number {
  return Math.max(0, Math.floor((now - at) / 1000));
}
