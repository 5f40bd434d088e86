import { describe, expect, it } from "vitest";
import { addMonths, chartOf, chartType, defaultRange, range, reportOf, suppressedCell, tabsFor } from "./model";
import type { Column } from "./api";

const now = new Date("2026-12-06T20:00:00Z");

describe("months", () => {
  it("defaults to the last 12 months, this one included", () => {
    expect(defaultRange(now)).toEqual({ from: "2026-01", to: "2026-12" });
  });

  it.each([
    ["2026-01", -1, "2025-12"],
    ["2026-12", 1, "2027-01"],
    ["2026-03", -14, "2025-01"],
  ])("%s %+i", (m, n, want) => {
    expect(addMonths(m, n)).toBe(want);
  });

  it.each([
    [null, null, { from: "2026-01", to: "2026-12" }],
    ["2026-05", "2026-09", { from: "2026-05", to: "2026-09" }],
    ["2026-09", "2026-05", { from: "2026-05", to: "2026-09" }],
    ["2026-13", "2026-09", { from: "2025-10", to: "2026-09" }],
    ["junk", "2026-02", { from: "2025-03", to: "2026-02" }],
    ["2020-01", "2026-12", { from: "2024-01", to: "2026-12" }],
  ])("range(%s, %s)", (from, to, want) => {
    expect(range(from, to, now)).toEqual(want);
  });
});

describe("tabs by role", () => {
  it.each([
    ["participant", ["me"]],
    [undefined, ["me"]],
    ["facilitator", ["me", "sessions", "content"]],
    ["educator", ["me", "sessions", "content"]],
    ["org_admin", ["me", "sessions", "organisation", "content"]],
  ])("%s", (role, want) => {
    expect(tabsFor(role)).toEqual(want);
  });

  it("maps each tab to its report", () => {
    expect(reportOf("me", "adoption")).toBe("me");
    expect(reportOf("sessions", "adoption")).toBe("facilitator");
    expect(reportOf("organisation", "collaboration")).toBe("collaboration");
    expect(reportOf("content", "adoption")).toBe("content-owner");
  });
});

describe("chart and cells", () => {
  const columns: Column[] = [
    { name: "month", type: "month", label: "Month" },
    { name: "active_people", type: "integer", label: "Active people" },
    { name: "sessions", type: "integer", label: "Sessions" },
    { name: "canvas_ops", type: "integer", label: "Canvas ops" },
    { name: "coach_asks", type: "integer", label: "Coach asks" },
    { name: "journal_syncs", type: "integer", label: "Journal syncs" },
  ];

  it("takes the month as labels and up to four numeric series; months are a line", () => {
    const c = chartOf({ columns, rows: [] });
    expect(c.label?.name).toBe("month");
    expect(c.series.map((s) => s.name)).toEqual(["active_people", "sessions", "canvas_ops", "coach_asks"]);
    expect(chartType(c.label)).toBe("line");
  });

  it("draws items as bars by their title and never charts an id", () => {
    const c = chartOf({
      columns: [
        { name: "item_id", type: "string", label: "Item" },
        { name: "title", type: "string", label: "Title" },
        { name: "selections", type: "integer", label: "Selections" },
      ],
      rows: [],
    });
    expect(c.label?.name).toBe("title");
    expect(c.series.map((s) => s.name)).toEqual(["selections"]);
    expect(chartType(c.label)).toBe("bar");
  });

  it("marks a people-derived cell of a suppressed row, and nothing else", () => {
    const row = { month: "2026-02", active_people: null, sessions: 3, suppressed: true };
    expect(suppressedCell(row, columns[1])).toBe(true);
    expect(suppressedCell(row, columns[2])).toBe(false);
    expect(suppressedCell(row, columns[0])).toBe(false);
    expect(suppressedCell({ ...row, suppressed: false }, columns[1])).toBe(false);
  });
});
