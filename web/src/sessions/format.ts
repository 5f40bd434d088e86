// Pure formatting for the sessions screens: times in a zone and language,
// countdowns, room names.

// intlLocale is the browser's own variant of the shown language (en-GB
// writes 18:30, en-US 6:30 PM), else the language itself.
export function intlLocale(lang: string): string {
  const own = globalThis.navigator?.languages?.find((l) => l.toLowerCase().split("-")[0] === lang);
  return own ?? lang;
}

export function formatWhen(iso: string | undefined, timeZone: string, language: string, withZone = true): string {
  if (!iso) return "";
  const lang = intlLocale(language);
  try {
    return new Intl.DateTimeFormat(lang, {
      timeZone,
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "numeric",
      minute: "2-digit",
      ...(withZone ? { timeZoneName: "short" as const } : {}),
    }).format(new Date(iso));
  } catch {
    return new Date(iso).toLocaleString(lang);
  }
}

export function formatDate(value: string | undefined, language: string): string {
  if (!value) return "";
  const lang = intlLocale(language);
  // A due date without a time is a calendar day, not an instant.
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const d = new Date(day ? value + "T12:00:00Z" : value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", year: "numeric", ...(day ? { timeZone: "UTC" } : {}) }).format(d);
}

export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// roomLabel is a breakout room's name in the reader's language (the
// server names rooms "Room 1", "Room 2", …).
export function roomLabel(room: { name?: string }, t: (key: string, o?: Record<string, unknown>) => string): string {
  const m = /^Room (\d+)$/.exec(room.name ?? "");
  return m ? t("sessions.breakout.roomN", { n: m[1] }) : (room.name ?? "");
}

// wallTime is an instant as a datetime-local value in zone.
export function wallTime(iso: string | undefined, zone: string): string {
  if (!iso) return "";
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
