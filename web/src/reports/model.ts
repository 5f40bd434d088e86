// The pure side of the reports page: month ranges, which report each tab
// shows to whom, and how a report's rows become a chart and table cells.
import type { Cell, Column, Report, ReportName, Row } from "./api";

/** month is YYYY-MM of a date (UTC). */
export function month(d: Date): string {
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** addMonths moves YYYY-MM by n months. */
export function addMonths(m: string, n: number): string {
  const [y, mo] = m.split("-").map(Number);
  return month(new Date(Date.UTC(y, mo - 1 + n, 1)));
}

/** defaultRange is the API's default: the last 12 months, this one included. */
export function defaultRange(now = new Date()): { from: string; to: string } {
  const to = month(now);
  return { from: addMonths(to, -11), to };
}

export const isMonth = (s: string | null | undefined): s is string => !!s && /^\d{4}-(0[1-9]|1[0-2])$/.test(s);

/** range reads from/to (a link, the picker) and keeps them valid: months, from ≤ to, at most 36 months. */
export function range(from: string | null | undefined, to: string | null | undefined, now = new Date()): { from: string; to: string } {
  const d = defaultRange(now);
  let t = isMonth(to) ? to : d.to;
  let f = isMonth(from) ? from : addMonths(t, -11);
  if (f > t) [f, t] = [t, f];
  if (f < addMonths(t, -35)) f = addMonths(t, -35);
  return { from: f, to: t };
}

export type Tab = "me" | "sessions" | "organisation" | "content";
export const orgReports = ["adoption", "usage", "content", "collaboration"] as const satisfies readonly ReportName[];
export type OrgReport = (typeof orgReports)[number];

const staff = new Set(["facilitator", "educator", "org_admin"]);

/** tabsFor lists the tabs a role sees; the API still decides what each may read. */
export function tabsFor(role: string | undefined): Tab[] {
  const tabs: Tab[] = ["me"];
  if (role && staff.has(role)) tabs.push("sessions");
  if (role === "org_admin") tabs.push("organisation");
  if (role && staff.has(role)) tabs.push("content");
  return tabs;
}

export function reportOf(tab: Tab, org: OrgReport): ReportName {
  switch (tab) {
    case "me":
      return "me";
    case "sessions":
      return "facilitator";
    case "organisation":
      return org;
    case "content":
      return "content-owner";
  }
}

export function numeric(c: Column): boolean {
  return c.type === "integer" || c.type === "number";
}

/** suppressedCell: a people-derived value left out because the row covers fewer than k people. */
export function suppressedCell(row: Row, c: Column): boolean {
  return !!row.suppressed && (row[c.name] === null || row[c.name] === undefined) && numeric(c);
}

const idLike = (c: Column) => /(_id|^id)$/.test(c.name);

/** chartOf picks the label column (the first that is not a number, a title before an id) and up to four numeric series. */
export function chartOf(r: Pick<Report, "columns" | "rows">): { label?: Column; series: Column[] } {
  const label = r.columns.find((c) => !numeric(c) && !idLike(c)) ?? r.columns.find((c) => !numeric(c));
  const series = r.columns.filter((c) => numeric(c) && !idLike(c)).slice(0, 4);
  return { label, series };
}

/** chartType: months in time order are a line, anything else bars. */
export function chartType(label: Column | undefined): "line" | "bar" {
  return label && (label.type === "month" || label.name === "month") ? "line" : "bar";
}

export function asNumber(v: Cell | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
