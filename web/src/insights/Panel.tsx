// The facilitator's insights panel in the live control: who is taking part
// on the session's canvas and how (activity only, never an evaluation),
// the balance of the group, recurring themes, a phase without new elements
// or a burst of connections, and recommendations to accept or dismiss. It
// follows the insights function's long poll, so it updates without a
// reload; only participants who turned canvas activity insights on are
// analysed, the others are listed as "not shared".
import { useEffect, useId, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { intlLocale, ProblemNote } from "../sessions/lib";
import { direction } from "../i18n";
import { ApiError } from "../api/problem";
import { decide, getLive, metricKeys, type Flag, type Live, type Metrics, type MetricKey, type Participant, type RecStatus, type Recommendation } from "./api";
import { InfoIcon, ThemeList } from "./Info";
import { poll } from "./poll";
import { fillSubjects, formatDuration, formatNumber, formatPercent, secondsSince } from "./text";
import "./insights.css";

interface Followed {
  live?: Live;
  error?: unknown;
  fatal?: boolean;
  failures: number;
  receivedAt?: number;
}

// useLiveInsights follows the long poll while the panel is on screen; a
// change of language starts it again (recommendations come in it).
export function useLiveInsights(id: string, lang: string): Followed {
  const [state, setState] = useState<Followed>({ failures: 0 });
  useEffect(() => {
    const abort = new AbortController();
    void poll<Live>({
      signal: abort.signal,
      fetch: (after, signal) => getLive(id, lang, after, signal),
      onData: (live) => setState({ live, failures: 0, receivedAt: Date.now() }),
      onError: (error, failures, fatal) => setState((s) => ({ ...s, error, failures, fatal })),
    });
    return () => abort.abort();
  }, [id, lang]);
  return state;
}

// notFound: the API answers 403 (participants, other staff) or 404 to anyone
// who is not a facilitator of the session.
function notFound(err: unknown): boolean {
  const status = err instanceof ApiError ? (err.problem as { status?: number } | undefined)?.status : undefined;
  return status === 403 || status === 404;
}

function useNow(ms = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

const zero: Metrics = { ops: 0, ops_per_min: 0, active_seconds: 0, active_pct: 0, cards_placed: 0, connections: 0, interactions: 0, idle_periods: 0, idle_now_seconds: 0 };

function FlagIcon({ flag }: { flag: Flag }) {
  return (
    <svg className="ins-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      {flag === "quiet" && <path d="M3 8h10" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />}
      {flag === "dominant" && <path d="M8 2.5 13.5 12h-11Z" fill="currentColor" />}
      {flag === "idle" && (
        <>
          <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </>
      )}
    </svg>
  );
}

export function FlagBadge({ flag }: { flag: Flag }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ins-flag ins-flag-${flag}`}>
      <FlagIcon flag={flag} />
      {t(`insights.flags.${flag}`)}
    </span>
  );
}

function metricValue(m: Metrics, key: MetricKey, lang: string): string {
  switch (key) {
    case "ops_per_min":
      return formatNumber(m.ops_per_min, lang, 1);
    case "active_pct":
      return formatPercent(m.active_pct, lang);
    case "idle_periods":
      return formatNumber(m.idle_periods, lang);
    default:
      return formatNumber(m[key], lang);
  }
}

// MetricsTable: one row per shared participant, the current phase's
// figures; each column's heading opens its definition below the table.
function MetricsTable({ people, phase, names }: { people: Participant[]; phase?: string; names: ReadonlyMap<string, string> }) {
  const { t, i18n } = useTranslation();
  const defId = useId();
  const [open, setOpen] = useState<MetricKey>();
  return (
    <>
      <div className="ins-table-wrap" role="region" aria-labelledby={`${defId}-caption`} tabIndex={0}>
        <table className="ins-table">
          <caption id={`${defId}-caption`}>{phase ? t("insights.table.caption", { phase: t(`sessions.phases.${phase}`, { defaultValue: phase }) }) : t("insights.table.captionSession")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("insights.table.participant")}</th>
              {metricKeys.map((k) => (
                <th scope="col" key={k}>
                  <span className="ins-th">
                    {t(`insights.metrics.${k}.label`)}
                    <button
                      type="button"
                      className="ins-info-button"
                      aria-expanded={open === k}
                      aria-controls={defId}
                      aria-label={t("insights.info", { metric: t(`insights.metrics.${k}.label`) })}
                      onClick={() => setOpen((o) => (o === k ? undefined : k))}
                    >
                      <InfoIcon />
                    </button>
                  </span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {people.map((p) => {
              // Before the first phase change is stored, the whole session so far.
              const m = (phase ? p.phases?.[phase] : p.totals) ?? zero;
              const name = names.get(p.uid) || t("insights.someone");
              return (
                <tr key={p.uid} data-uid={p.uid}>
                  <th scope="row">
                    <span className="ins-name" dir="auto">
                      {name}
                    </span>
                    {(p.flags ?? []).length > 0 && (
                      <span className="ins-flags">
                        {(p.flags ?? []).map((f) => (
                          <FlagBadge key={f} flag={f} />
                        ))}
                      </span>
                    )}
                  </th>
                  {metricKeys.map((k) => (
                    <td key={k} data-metric={k}>
                      {metricValue(m, k, i18n.language)}
                      {k === "idle_periods" && (m.idle_now_seconds ?? 0) >= 60 && (
                        <span className="hint ins-idle-now">{t("insights.idleNow", { time: formatDuration(m.idle_now_seconds ?? 0, i18n.language) })}</span>
                      )}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div id={defId} className="ins-definition-box" hidden={!open}>
        {open && (
          <>
            <p className="ins-definition-title">{t(`insights.metrics.${open}.label`)}</p>
            <p>{t(`insights.metrics.${open}.definition`)}</p>
            <button type="button" className="button quiet small" onClick={() => setOpen(undefined)}>
              {t("insights.close")}
            </button>
          </>
        )}
      </div>
    </>
  );
}

function Balance({ live }: { live: Live }) {
  const { t, i18n } = useTranslation();
  const s = live.session;
  const [open, setOpen] = useState(false);
  const id = useId();
  const balance = Math.round(Math.min(100, Math.max(0, s.balance ?? 0)));
  return (
    <div className="ins-balance">
      <p className="ins-balance-head">
        <span className="ins-th">
          {t("insights.balance.label")}
          <button type="button" className="ins-info-button" aria-expanded={open} aria-controls={id} aria-label={t("insights.info", { metric: t("insights.balance.label") })} onClick={() => setOpen((o) => !o)}>
            <InfoIcon />
          </button>
        </span>
        <strong>{t("insights.balance.value", { balance: formatNumber(balance, i18n.language), gini: formatNumber(s.gini ?? 0, i18n.language, 2) })}</strong>
      </p>
      <div className="ins-bar" aria-hidden="true">
        <span style={{ inlineSize: `${balance}%` }} />
      </div>
      <p id={id} className="ins-definition-box" hidden={!open}>
        {t("insights.balance.definition")}
      </p>
    </div>
  );
}

function Notices({ live }: { live: Live }) {
  const { t, i18n } = useTranslation();
  const s = live.session;
  const phase = (p: string) => t(`sessions.phases.${p}`, { defaultValue: p });
  const time = (iso?: string) => (iso ? new Intl.DateTimeFormat(intlLocale(i18n.language), { hour: "numeric", minute: "2-digit" }).format(new Date(iso)) : "");
  const bursts = s.breakthroughs ?? [];
  if (!s.stuck && bursts.length === 0) return null;
  return (
    <ul className="ins-notices">
      {s.stuck && (
        <li className="ins-notice stuck">
          <strong>{t("insights.stuck.title")}</strong> {t("insights.stuck.text", { phase: phase(s.stuck.phase ?? live.phase ?? ""), time: time(s.stuck.since) })}
        </li>
      )}
      {bursts.map((b) => (
        <li key={b.at} className="ins-notice burst">
          <strong>{t("insights.breakthrough.title")}</strong> {t("insights.breakthrough.text", { count: b.connections, phase: phase(b.phase), time: time(b.at) })}
        </li>
      ))}
    </ul>
  );
}

function Recommendations({ id, recs, names }: { id: string; recs: Recommendation[]; names: ReadonlyMap<string, string> }) {
  const { t, i18n } = useTranslation();
  const [decided, setDecided] = useState<Partial<Record<string, RecStatus>>>({});
  const act = useMutation({
    mutationFn: (a: { rec: string; status: "accepted" | "dismissed" }) => decide(id, a.rec, a.status),
    onSuccess: (r, a) => setDecided((d) => ({ ...d, [a.rec]: r.status ?? a.status })),
  });
  const order = { high: 0, medium: 1, low: 2 } as const;
  const list = [...recs].sort((a, b) => (order[a.priority] ?? 3) - (order[b.priority] ?? 3));
  return (
    <section className="ins-recs" aria-labelledby="ins-recs-title">
      <h3 id="ins-recs-title">{t("insights.recs.title")}</h3>
      {list.length === 0 ? (
        <p className="empty">{t("insights.recs.none")}</p>
      ) : (
        <ul className="ins-rec-list">
          {list.map((r) => {
            const status = decided[r.id] ?? r.status;
            const text = fillSubjects(r.text, r.subjects, names, i18n.language, t("insights.someone"));
            return (
              <li key={r.id} className={`ins-rec priority-${r.priority} ${status}`}>
                <p className="ins-rec-meta">
                  <span className={`badge ins-priority-${r.priority}`}>{t(`insights.recs.priority.${r.priority}`)}</span>
                  <span className="hint">{t(`insights.recs.timing.${r.timing}`)}</span>
                </p>
                {/* The text's own language sets its direction: a name at its start must not turn a Hebrew sentence around. */}
                <p className="ins-rec-text" dir={r.lang ? direction(r.lang) : "auto"} lang={r.lang || undefined}>
                  {text}
                </p>
                {status === "open" ? (
                  <span className="copilot-actions">
                    <button type="button" className="button small" disabled={act.isPending} onClick={() => act.mutate({ rec: r.id, status: "accepted" })} aria-label={t("insights.recs.acceptOf", { text })}>
                      {t("insights.recs.accept")}
                    </button>
                    <button type="button" className="button secondary small" disabled={act.isPending} onClick={() => act.mutate({ rec: r.id, status: "dismissed" })} aria-label={t("insights.recs.dismissOf", { text })}>
                      {t("insights.recs.dismiss")}
                    </button>
                  </span>
                ) : (
                  <span className={`badge badge-${status}`}>{t(`insights.recs.${status}`)}</span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {act.isError && <ProblemNote error={act.error} />}
    </section>
  );
}

export function InsightsPanel({ id, names }: { id: string; names: ReadonlyMap<string, string> }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? i18n.language;
  const followed = useLiveInsights(id, lang);
  const now = useNow();
  const live = followed.live;
  const people = live?.participants ?? [];
  const shared = people.filter((p) => p.shared);
  const notShared = people.filter((p) => !p.shared);
  const themes = live?.session.themes ?? [];
  return (
    <section className="live-block insights" aria-labelledby="insights-title">
      <h2 id="insights-title">{t("insights.title")}</h2>
      <p className="hint">{t("insights.lead")}</p>
      <p className="hint ins-updated">
        {followed.receivedAt !== undefined
          ? t("insights.updated", { count: secondsSince(followed.receivedAt, now) })
          : followed.fatal || followed.error
            ? ""
            : t("insights.loading")}
      </p>
      {followed.error !== undefined &&
        (!followed.fatal ? (
          <p className="connection trouble" role="status">
            {t("insights.retrying")}
          </p>
        ) : notFound(followed.error) ? (
          <p className="hint">{t("insights.facilitatorsOnly")}</p>
        ) : (
          <ProblemNote error={followed.error} />
        ))}
      {live && (
        <>
          <h3>{t("insights.people")}</h3>
          {shared.length === 0 ? <p className="empty">{t("insights.noneShared")}</p> : <MetricsTable people={shared} phase={live.phase} names={names} />}
          {notShared.length > 0 && (
            <div className="ins-not-shared" role="group" aria-labelledby="ins-not-shared-title">
              <p id="ins-not-shared-title" className="ins-not-shared-title">
                {t("insights.notShared.title", { count: notShared.length })}
              </p>
              <ul className="ins-not-shared-list" aria-label={t("insights.notShared.list")}>
                {notShared.map((p) => (
                  <li key={p.uid} data-uid={p.uid}>
                    <span dir="auto">{names.get(p.uid) || t("insights.someone")}</span> <span className="badge">{t("insights.notShared.badge")}</span>
                  </li>
                ))}
              </ul>
              <p className="hint">{t("insights.notShared.why")}</p>
            </div>
          )}
          <Balance live={live} />
          <Notices live={live} />
          <h3>{t("insights.themes.title")}</h3>
          <ThemeList themes={themes} />
          <Recommendations id={id} recs={live.recommendations ?? []} names={names} />
        </>
      )}
    </section>
  );
}
