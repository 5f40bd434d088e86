// Reports (/reports): tabs by role — my own activity (everyone), my
// sessions (staff), the organisation's adoption, content and collaboration
// (org admins), my content (content owners). Each shows a month range, a
// chart (Chart.js, loaded on demand) with the same numbers in a table,
// cells over fewer than k people as "< k" with why, and the report as CSV
// or PDF.
import { useId, useRef, type KeyboardEvent } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes, useSearchParams } from "react-router";
import { Loading } from "../components";
import { useMe } from "../me";
import { ProblemNote } from "../sessions/lib";
import { formatDate } from "../sessions/format";
import { formatMonth, formatNumber } from "../insights/text";
import { downloadReport, getReport, type Cell, type Column, type Params, type Report, type Row } from "./api";
import { asNumber, chartOf, chartType, numeric, orgReports, range, reportOf, suppressedCell, tabsFor, type OrgReport, type Tab } from "./model";
import { LazyChart } from "./Chart";
import "./reports.css";

// The server names its columns in the language asked, as in the CSV and PDF.
const columnLabel = (c: Column) => c.label || c.name;

function CellText({ row, c, k }: { row: Row; c: Column; k: number }) {
  const { t, i18n } = useTranslation();
  const v: Cell | undefined = row[c.name];
  if (suppressedCell(row, c))
    return (
      <span className="suppressed" title={t("reports.kExplain", { k })}>
        <bdi dir="ltr">{t("reports.fewer", { k })}</bdi>
        <span className="visually-hidden"> {t("reports.suppressedCell")}</span>
      </span>
    );
  if (v === null || v === undefined || v === "") return <>–</>;
  if (typeof v === "number") return <>{formatNumber(v, i18n.language, c.type.startsWith("float") || c.type === "number" ? 1 : 0)}</>;
  if (typeof v === "boolean") return <>{v ? t("reports.yes") : t("reports.no")}</>;
  if (c.type === "month" || /^\d{4}-\d{2}$/.test(v)) return <>{formatMonth(v, i18n.language)}</>;
  if (c.type === "timestamp") return <>{formatDate(v, i18n.language)}</>;
  return <span dir="auto">{v}</span>;
}

// KNote explains "< k"; the sign stays left to right in a right-to-left sentence.
function KNote({ k }: { k: number }) {
  const { t } = useTranslation();
  return (
    <p className="hint k-note">
      <bdi dir="ltr" className="suppressed">
        {t("reports.fewer", { k })}
      </bdi>
      {": "}
      {t("reports.kExplain", { k })}
    </p>
  );
}

function labelText(v: Cell | undefined, c: Column, lang: string): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string" && (c.type === "month" || /^\d{4}-\d{2}$/.test(v))) return formatMonth(v, lang);
  return String(v);
}

function ReportView({ params }: { params: Params }) {
  const { t, i18n } = useTranslation();
  const label = columnLabel;
  const q = useQuery({ queryKey: ["reports", params], queryFn: ({ signal }) => getReport(params, signal), staleTime: 60_000 });
  const csv = useMutation({ mutationFn: () => downloadReport(params, "csv") });
  const pdf = useMutation({ mutationFn: () => downloadReport(params, "pdf") });
  const title = t(`reports.names.${params.report}`);
  return (
    <div className="report">
      <div className="actions report-downloads">
        <button type="button" className="button secondary" onClick={() => csv.mutate()} disabled={csv.isPending}>
          {t("reports.csv")}
        </button>
        <button type="button" className="button secondary" onClick={() => pdf.mutate()} disabled={pdf.isPending}>
          {t("reports.pdf")}
        </button>
      </div>
      {csv.isError && <ProblemNote error={csv.error} />}
      {pdf.isError && <ProblemNote error={pdf.error} />}
      {q.isPending && <Loading />}
      {q.isError && <ProblemNote error={q.error} onRetry={() => void q.refetch()} />}
      {q.isSuccess && <ReportBody r={q.data} title={title} label={label} lang={i18n.language} />}
    </div>
  );
}

function ReportBody({ r, title, label, lang }: { r: Report; title: string; label: (c: Column) => string; lang: string }) {
  const { t } = useTranslation();
  const captionId = useId();
  const { label: by, series } = chartOf(r);
  const anySuppressed = r.suppressed_rows > 0 || r.rows.some((row) => row.suppressed);
  if (r.rows.length === 0)
    return (
      <>
        <p className="empty">{t("reports.empty")}</p>
        {anySuppressed && <KNote k={r.k} />}
      </>
    );
  return (
    <>
      {by && series.length > 0 && (
        <LazyChart
          type={chartType(by)}
          labels={r.rows.map((row) => labelText(row[by.name], by, lang))}
          series={series.map((c) => ({ label: label(c), data: r.rows.map((row) => asNumber(row[c.name])) }))}
          summary={t("reports.chartSummary", { report: title })}
        />
      )}
      <div className="table-wrap" role="region" aria-labelledby={captionId} tabIndex={0}>
        <table className="report-table">
          <caption id={captionId}>{t("reports.tableCaption", { report: title, from: formatMonth(r.from, lang), to: formatMonth(r.to, lang) })}</caption>
          <thead>
            <tr>
              {r.columns.map((c) => (
                <th scope="col" key={c.name} className={numeric(c) ? "num" : undefined}>
                  {label(c)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {r.rows.map((row, i) => (
              <tr key={i} className={row.suppressed ? "suppressed-row" : undefined}>
                {r.columns.map((c, j) =>
                  j === 0 ? (
                    <th scope="row" key={c.name} className={numeric(c) ? "num" : undefined}>
                      <CellText row={row} c={c} k={r.k} />
                    </th>
                  ) : (
                    <td key={c.name} className={numeric(c) ? "num" : undefined}>
                      <CellText row={row} c={c} k={r.k} />
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {anySuppressed && <KNote k={r.k} />}
      {r.suppressed_rows > 0 && <p className="hint">{t("reports.leftOut", { count: r.suppressed_rows })}</p>}
      <p className="hint">
        {t("reports.generated", { when: formatDate(r.generated_at, lang) })}
        {r.cached ? ` · ${t("reports.cached")}` : ""}
      </p>
    </>
  );
}

function Reports() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const [search, setSearch] = useSearchParams();
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  const baseId = useId();
  if (me.isPending) return <Loading />;
  if (me.isError)
    return (
      <section className="card">
        <ProblemNote error={me.error} onRetry={() => void me.refetch()} />
      </section>
    );
  const tabs = tabsFor(me.data.role);
  const asked = search.get("tab") as Tab | null;
  const tab: Tab = asked && tabs.includes(asked) ? asked : "me";
  const org = (orgReports as readonly string[]).includes(search.get("report") ?? "") ? (search.get("report") as OrgReport) : "adoption";
  const { from, to } = range(search.get("from"), search.get("to"));
  const set = (changes: Record<string, string>) =>
    setSearch(
      (s) => {
        const next = new URLSearchParams(s);
        for (const [k, v] of Object.entries(changes)) next.set(k, v);
        return next;
      },
      { replace: true },
    );
  const select = (to: Tab) => {
    set({ tab: to });
    tabRefs.current[to]?.focus();
  };
  // Arrow keys move between tabs (mirrored in right-to-left), as tabs do.
  const keys = (e: KeyboardEvent<HTMLDivElement>) => {
    const rtl = document.documentElement.dir === "rtl";
    const i = tabs.indexOf(tab);
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[e.key];
    if (step) select(tabs[(i + step + tabs.length) % tabs.length]);
    else if (e.key === "Home") select(tabs[0]);
    else if (e.key === "End") select(tabs[tabs.length - 1]);
    else return;
    e.preventDefault();
  };
  const params: Params = { report: reportOf(tab, org), org: me.data.org ?? "", from, to, lang: i18n.resolvedLanguage ?? i18n.language };
  return (
    <section className="card wide reports" aria-labelledby="reports-title">
      <h1 id="reports-title">{t("reports.title")}</h1>
      <p className="lead">{t("reports.lead")}</p>
      <div className="tabs" role="tablist" aria-label={t("reports.tabsLabel")} onKeyDown={keys}>
        {tabs.map((x) => (
          <button
            key={x}
            ref={(el) => {
              tabRefs.current[x] = el;
            }}
            type="button"
            role="tab"
            id={`${baseId}-tab-${x}`}
            aria-selected={x === tab}
            aria-controls={`${baseId}-panel`}
            tabIndex={x === tab ? 0 : -1}
            onClick={() => set({ tab: x })}
          >
            {t(`reports.tabs.${x}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${baseId}-panel`} aria-labelledby={`${baseId}-tab-${tab}`} className="tab-panel">
        <p className="hint">{t(`reports.about.${params.report}`)}</p>
        <div className="report-controls">
          {tab === "organisation" && (
            <div className="field">
              <label htmlFor={`${baseId}-report`}>{t("reports.report")}</label>
              <select id={`${baseId}-report`} value={org} onChange={(e) => set({ report: e.target.value })}>
                {orgReports.map((r) => (
                  <option key={r} value={r}>
                    {t(`reports.names.${r}`)}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor={`${baseId}-from`}>{t("reports.from")}</label>
            <input id={`${baseId}-from`} type="month" value={from} max={to} onChange={(e) => e.target.value && set({ from: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor={`${baseId}-to`}>{t("reports.to")}</label>
            <input id={`${baseId}-to`} type="month" value={to} min={from} onChange={(e) => e.target.value && set({ to: e.target.value })} />
          </div>
        </div>
        {me.data.org ? <ReportView params={params} /> : <p className="empty">{t("reports.noOrg")}</p>}
      </div>
    </section>
  );
}

export default function ReportsArea() {
  return (
    <Routes>
      <Route index element={<Reports />} />
      <Route path="*" element={<Navigate to="/reports" replace />} />
    </Routes>
  );
}
