// The reports API (/api/analytics/v1/reports, functions/analytics): one
// call per report, the same figures as JSON (for the page), CSV or PDF
// (downloads). Rows over fewer than k people come with their people-derived
// values null and suppressed set; the page shows those cells as "< k".
import { api, data } from "../api/client";
import type { components } from "../api/schema";
import { apiLang } from "../insights/api";
import { fileName, saveFile } from "../api/files";

export type Report = components["schemas"]["Report"];
export type ReportName = Report["report"];
export type Column = Report["columns"][number];
export type Row = Report["rows"][number];
export type Cell = Row[string];

export interface Params {
  report: ReportName;
  org: string;
  from: string;
  to: string;
  lang: string;
}

const query = (p: Params, format: "json" | "csv" | "pdf") => ({ org: p.org, from: p.from, to: p.to, lang: apiLang(p.lang), format });

// The call also describes the CSV and PDF answers (strings): as JSON it is the report.
export const getReport = (p: Params, signal?: AbortSignal) =>
  data(api.GET("/analytics/v1/reports/{report}", { params: { path: { report: p.report }, query: query(p, "json") }, signal })) as Promise<Report>;

/** downloadReport saves the report as CSV or PDF, named after the report and its months. */
export async function downloadReport(p: Params, format: "csv" | "pdf"): Promise<void> {
  const file = await data<Blob>(api.GET("/analytics/v1/reports/{report}", { params: { path: { report: p.report }, query: query(p, format) }, parseAs: "blob" }));
  saveFile(file, fileName(["studio", p.report, p.from, p.to], format));
}
