// A session's retrospective for its facilitators (/sessions/:id/retrospective):
// the phases as they ran (a chart and the same numbers in a table), the
// card themes, how balanced the participation was and how many shared their
// activity, the homework given, and a summary written from these figures
// alone, with where it came from; the whole as a PDF.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { Loading } from "../components";
import { direction } from "../i18n";
import { formatDate, formatWhen, intlLocale, ProblemNote, useTimeZone } from "../sessions/lib";
import { LazyChart } from "../reports/Chart";
import { downloadRetrospective, getRetrospective } from "./api";
import { Info, ThemeList } from "./Info";
import { formatDuration, formatNumber } from "./text";
import "../sessions/sessions.css";
import "./insights.css";

export default function Retrospective() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? i18n.language;
  const tz = useTimeZone();
  const q = useQuery({ queryKey: ["insights", id, "retrospective", lang], queryFn: () => getRetrospective(id, lang) });
  const pdf = useMutation({ mutationFn: () => downloadRetrospective(id, lang, q.data?.title ?? id) });
  if (q.isPending) return <Loading />;
  if (q.isError)
    return (
      <section className="card">
        <h1>{t("insights.retro.title")}</h1>
        <ProblemNote error={q.error} onRetry={() => void q.refetch()} />
        <Link to={`/sessions/${encodeURIComponent(id)}`}>{t("insights.retro.back")}</Link>
      </section>
    );
  const r = q.data;
  const phases = r.phases ?? [];
  const themes = r.themes ?? [];
  const homework = r.homework ?? [];
  const p = r.participation;
  const phaseName = (ph: string) => t(`sessions.phases.${ph}`, { defaultValue: ph });
  const n = (v: number, d = 0) => formatNumber(v, lang, d);
  return (
    <section className="card wide retro" aria-labelledby="retro-title">
      <p className="hint">
        <Link to={`/sessions/${encodeURIComponent(id)}`}>{t("insights.retro.back")}</Link>
      </p>
      <h1 id="retro-title">
        {t("insights.retro.title")}: <span dir="auto">{r.title}</span>
      </h1>
      {(r.started_at || r.ended_at) && (
        <p className="lead">
          {r.started_at && <time dateTime={r.started_at}>{formatWhen(r.started_at, tz, lang)}</time>}
          {r.ended_at && r.started_at && " – "}
          {r.ended_at && <time dateTime={r.ended_at}>{formatWhen(r.ended_at, tz, lang)}</time>}
        </p>
      )}
      <div className="actions">
        <button type="button" className="button" onClick={() => pdf.mutate()} disabled={pdf.isPending}>
          {pdf.isPending ? t("insights.retro.preparing") : t("insights.retro.pdf")}
        </button>
      </div>
      {pdf.isError && <ProblemNote error={pdf.error} />}
      <p className="hint">{t("insights.retro.basis")}</p>

      <section aria-labelledby="retro-summary">
        <h2 id="retro-summary">{t("insights.retro.summary")}</h2>
        {r.summary?.text ? (
          <>
            <p className="retro-summary" dir={r.summary.lang ? direction(r.summary.lang) : "auto"} lang={r.summary.lang || undefined}>
              {r.summary.text}
            </p>
            <p className="hint">{r.summary.source === "model" ? t("insights.retro.sourceModel") : t("insights.retro.sourceFallback")}</p>
          </>
        ) : (
          <p className="empty">{t("insights.retro.noSummary")}</p>
        )}
      </section>

      <section aria-labelledby="retro-timeline">
        <h2 id="retro-timeline">{t("insights.retro.timeline")}</h2>
        {phases.length === 0 ? (
          <p className="empty">{t("insights.retro.noPhases")}</p>
        ) : (
          <>
            <LazyChart
              type="bar"
              labels={phases.map((x) => phaseName(x.phase))}
              series={[
                { label: t("insights.retro.cols.ops"), data: phases.map((x) => x.ops) },
                { label: t("insights.retro.cols.elements"), data: phases.map((x) => x.elements) },
                { label: t("insights.retro.cols.connections"), data: phases.map((x) => x.connections) },
              ]}
              summary={t("insights.retro.chartSummary")}
            />
            <div className="ins-table-wrap" role="region" aria-labelledby="retro-table-caption" tabIndex={0}>
              <table className="ins-table">
                <caption id="retro-table-caption">{t("insights.retro.tableCaption")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("insights.retro.cols.phase")}</th>
                    <th scope="col">{t("insights.retro.cols.started")}</th>
                    <th scope="col">{t("insights.retro.cols.length")}</th>
                    <th scope="col">{t("insights.retro.cols.ops")}</th>
                    <th scope="col">{t("insights.retro.cols.elements")}</th>
                    <th scope="col">{t("insights.retro.cols.cards")}</th>
                    <th scope="col">{t("insights.retro.cols.connections")}</th>
                    <th scope="col">{t("insights.retro.cols.people")}</th>
                  </tr>
                </thead>
                <tbody>
                  {phases.map((x, i) => (
                    <tr key={`${x.phase}-${i}`}>
                      <th scope="row">
                        <span className={`phase-tag phase-${x.phase}`}>{phaseName(x.phase)}</span>
                      </th>
                      <td>{x.started_at ? new Intl.DateTimeFormat(intlLocale(lang), { hour: "numeric", minute: "2-digit", timeZone: tz }).format(new Date(x.started_at)) : "–"}</td>
                      <td>{formatDuration(x.seconds, lang)}</td>
                      <td>{n(x.ops)}</td>
                      <td>{n(x.elements)}</td>
                      <td>{n(x.cards)}</td>
                      <td>{n(x.connections)}</td>
                      <td>{n(x.shared_participants)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <div className="panels">
        <section aria-labelledby="retro-participation">
          <h2 id="retro-participation">{t("insights.retro.participation")}</h2>
          <dl className="facts retro-facts">
            <div>
              <dt>
                <Info label={t("insights.balance.label")} definition={t("insights.balance.definition")} />
              </dt>
              <dd>{t("insights.balance.value", { balance: n(p.balance), gini: n(p.gini, 2) })}</dd>
            </div>
            <div>
              <dt>{t("insights.retro.shared")}</dt>
              <dd>{n(p.shared_count)}</dd>
            </div>
            <div>
              <dt>{t("insights.retro.notShared")}</dt>
              <dd>{n(p.not_shared_count)}</dd>
            </div>
            <div>
              <dt>
                <Info label={t("insights.flags.quiet")} definition={t("insights.flags.quietDefinition")} />
              </dt>
              <dd>{n(p.quiet_count)}</dd>
            </div>
            <div>
              <dt>
                <Info label={t("insights.flags.dominant")} definition={t("insights.flags.dominantDefinition")} />
              </dt>
              <dd>{n(p.dominant_count)}</dd>
            </div>
          </dl>
          {p.not_shared_count > 0 && (
            <p className="hint">
              {t("insights.notShared.badge")}: {t("insights.notShared.why")}
            </p>
          )}
        </section>
        <section aria-labelledby="retro-themes">
          <h2 id="retro-themes">{t("insights.themes.title")}</h2>
          <ThemeList themes={themes} />
          {(r.breakthroughs ?? []).length > 0 && (
            <>
              <h3>{t("insights.breakthrough.title")}</h3>
              <ul className="list">
                {(r.breakthroughs ?? []).map((b) => (
                  <li key={b.at}>
                    {t("insights.breakthrough.text", {
                      count: b.connections,
                      phase: phaseName(b.phase),
                      time: new Intl.DateTimeFormat(intlLocale(lang), { hour: "numeric", minute: "2-digit", timeZone: tz }).format(new Date(b.at)),
                    })}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section aria-labelledby="retro-homework">
          <h2 id="retro-homework">{t("insights.retro.homework")}</h2>
          {homework.length === 0 ? (
            <p className="empty">{t("insights.retro.noHomework")}</p>
          ) : (
            <ul className="list">
              {homework.map((h, i) => (
                <li key={i}>
                  <strong dir="auto">{h.title}</strong>
                  <span className="hint">
                    {t("insights.retro.assigned", { count: h.assigned })}
                    {h.due_at ? ` · ${t("insights.retro.due", { date: formatDate(h.due_at, lang) })}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </section>
  );
}
