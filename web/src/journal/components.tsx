// What the journal's screens share: the sync line, an entry's sync state,
// the usage meter, the Markdown preview and problems as messages.
import { Fragment, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { intlLocale } from "../sessions/format";
import { getUsage } from "./api";
import { syncNow, useOnline } from "./client";
import { HttpProblem, type EntryStatus, type Journal } from "./journal";

/** problemKey is the message for a failure of the journal's calls. */
export function problemKey(err: unknown): string {
  if (err instanceof TypeError) return "problem.network";
  if (err instanceof HttpProblem) {
    if (err.is("journal-limit")) return "journal.limit.title";
    if (err.status === 429) return "problem.rate-limited";
    if (err.status === 404) return "problem.not-found";
    if (err.status >= 500) return "problem.unavailable";
    if (err.status === 401) return "problem.unauthenticated";
    return "problem.bad-request";
  }
  return "problem.unknown";
}

export function when(iso: string | undefined, lang: string): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function StatusBadge({ status }: { status: EntryStatus }) {
  const { t } = useTranslation();
  return <span className={`journal-status ${status}`}>{t(`journal.status.${status}`)}</span>;
}

/** SyncLine says whether the journal is in step with the server, and lets the person ask now. */
export function SyncLine({ journal }: { journal: Journal }) {
  const { t, i18n } = useTranslation();
  const online = useOnline();
  const s = journal.state();
  const text = !online
    ? t("journal.sync.offline", { count: s.pending })
    : s.syncing
      ? t("journal.sync.syncing")
      : s.error
        ? t("journal.sync.failed")
        : s.pending > 0
          ? t("journal.sync.waiting", { count: s.pending })
          : s.lastSyncedAt
            ? t("journal.sync.last", { when: when(s.lastSyncedAt, i18n.language) })
            : t("journal.sync.never");
  return (
    <div className={`journal-sync ${online ? (s.error ? "failed" : "online") : "offline"}`}>
      <p role="status" aria-live="polite">
        <span className="journal-dot" aria-hidden="true" />
        {text}
      </p>
      {online && !s.syncing && (
        <button type="button" className="button quiet small" onClick={syncNow}>
          {t("journal.sync.now")}
        </button>
      )}
    </div>
  );
}

/** LimitNote shows the tier's limit once the queue has stopped at it. */
export function LimitNote({ journal }: { journal: Journal }) {
  const { t } = useTranslation();
  const limit = journal.state().limit;
  if (!limit) return null;
  return (
    <div className="journal-limit" role="alert">
      <p>
        <strong>{t("journal.limit.title")}</strong> {t(limit.limit === "bytes" ? "journal.limit.bytes" : "journal.limit.entries")}
      </p>
      <button type="button" className="button secondary small" onClick={() => void journal.retryLimit().then(syncNow)}>
        {t("journal.limit.retry")}
      </button>
    </div>
  );
}

function megabytes(n: number, lang: string) {
  // The limits are binary megabytes (10 MB = 10 × 2²⁰ bytes).
  return new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: 1 }).format(n / 1_048_576);
}

/** UsageMeter shows entries and storage against the tier, warning from 80 %. */
export function UsageMeter({ journal }: { journal: Journal }) {
  const { t, i18n } = useTranslation();
  const online = useOnline();
  const q = useQuery({
    queryKey: ["journal", "usage", journal.clientId],
    queryFn: async () => {
      const u = await getUsage();
      await journal.setUsage(u);
      return u;
    },
    enabled: online,
    staleTime: 60_000,
  });
  const u = q.data ?? journal.state().usage;
  if (!u) return null;
  const share = Math.max(u.entries / Math.max(u.entries_limit, 1), u.bytes / Math.max(u.bytes_limit, 1));
  const warn = u.warning || share >= 0.8;
  return (
    <section className={warn ? "journal-usage warn" : "journal-usage"} aria-labelledby="journal-usage-title">
      <h2 id="journal-usage-title">{t("journal.usage.title")}</h2>
      <label>
        {t("journal.usage.entries", { count: u.entries, limit: u.entries_limit })}
        <meter min={0} max={u.entries_limit} value={u.entries} low={u.entries_limit * 0.8} high={u.entries_limit * 0.95} optimum={0} />
      </label>
      <label>
        {t("journal.usage.bytes", { used: megabytes(u.bytes, i18n.language), limit: megabytes(u.bytes_limit, i18n.language) })}
        <meter min={0} max={u.bytes_limit} value={u.bytes} low={u.bytes_limit * 0.8} high={u.bytes_limit * 0.95} optimum={0} />
      </label>
      {warn && <p className="journal-warn">{t("journal.usage.warning")}</p>}
    </section>
  );
}

// ---- Markdown preview: a small, safe subset (no HTML passes through). ----

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /(\*\*[^*]+\*\*|\*[^*]+\*|_[^_]+_|`[^`]+`)/g;
  let last = 0;
  let k = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const s = m[0];
    if (s.startsWith("**")) out.push(<strong key={k++}>{s.slice(2, -2)}</strong>);
    else if (s.startsWith("`")) out.push(<code key={k++}>{s.slice(1, -1)}</code>);
    else out.push(<em key={k++}>{s.slice(1, -1)}</em>);
    last = m.index + s.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Markdown renders headings, lists, quotes, emphasis and paragraphs. */
export function Markdown({ text }: { text: string }) {
  const blocks = text.split(/\n{2,}/).filter((b) => b.trim());
  return (
    <div className="journal-markdown" dir="auto">
      {blocks.map((b, i) => {
        const lines = b.split("\n");
        const h = /^(#{1,3})\s+(.*)$/.exec(b);
        if (h && lines.length === 1) {
          const Tag = (["h2", "h3", "h4"] as const)[h[1].length - 1];
          return <Tag key={i}>{inline(h[2])}</Tag>;
        }
        if (lines.every((l) => /^\s*[-*]\s+/.test(l)))
          return (
            <ul key={i}>
              {lines.map((l, j) => (
                <li key={j}>{inline(l.replace(/^\s*[-*]\s+/, ""))}</li>
              ))}
            </ul>
          );
        if (lines.every((l) => /^\s*\d+[.)]\s+/.test(l)))
          return (
            <ol key={i}>
              {lines.map((l, j) => (
                <li key={j}>{inline(l.replace(/^\s*\d+[.)]\s+/, ""))}</li>
              ))}
            </ol>
          );
        if (lines.every((l) => l.startsWith(">"))) return <blockquote key={i}>{inline(lines.map((l) => l.replace(/^>\s?/, "")).join(" "))}</blockquote>;
        return (
          <p key={i}>
            {lines.map((l, j) => (
              <Fragment key={j}>
                {j > 0 && <br />}
                {inline(l)}
              </Fragment>
            ))}
          </p>
        );
      })}
    </div>
  );
}
