// Reports against the whole local suite and its demo year of events. The
// organisation's admin opens Reports → Organisation → Adoption: the chart
// and the same figures in a table, small groups shown as "< 5" with the
// note that explains them; the CSV (its header and a row per month) and
// the PDF download. A participant sees only their own activity. Every page
// is checked with axe and screenshotted in English and Hebrew at 360 and
// 1280 px.
import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { check, dark, goTo, ines, noa, phone, signIn } from "./kit";

test.use({ viewport: phone });

test("the organisation's admin reads adoption by month: chart, table, CSV and PDF", async ({ page }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signIn(page, ines);
  // On a phone, Reports is under "More".
  await goTo(page, "Reports");
  await expect(page).toHaveURL(/\/reports/);
  await expect(page.getByRole("heading", { name: "Reports", level: 1 })).toBeVisible();
  const tabs = page.getByRole("tablist", { name: "Reports" });
  await expect(tabs.getByRole("tab")).toHaveText(["My activity", "My sessions", "Organisation", "My content"]);
  await tabs.getByRole("tab", { name: "Organisation" }).click();
  await expect(tabs.getByRole("tab", { name: "Organisation" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByLabel("Report", { exact: true })).toHaveValue("adoption");

  // The last twelve months, a line per figure and a row per month.
  const table = page.getByRole("table", { name: /^Adoption, / });
  await expect(table).toBeVisible({ timeout: 30_000 });
  await expect(table.getByRole("columnheader")).toHaveText(["Month", "Active people", "Sessions", "Participants", "Cards selected", "Canvas operations", "Journal syncs", "Coach questions"]);
  await expect(table.locator("tbody tr")).toHaveCount(12);
  await expect(page.locator(".chart-box[data-ready] canvas")).toBeVisible();
  const fewer = table.getByText("< 5");
  if ((await fewer.count()) > 0) await expect(page.getByText("fewer than 5 people are behind this figure")).toBeVisible();
  await check(page, "reports-adoption", async () => {
    await expect(page.locator(".chart-box[data-ready] canvas")).toBeVisible();
    await expect(page.locator("table tbody tr")).toHaveCount(12);
  });
  await dark(page, "reports-adoption-dark-en");

  // The CSV: its header and a row per month.
  const csvDownload = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download CSV" }).click();
  const csvFile = await csvDownload;
  expect(csvFile.suggestedFilename()).toMatch(/^studio-adoption-\d{4}-\d{2}-\d{4}-\d{2}\.csv$/);
  const lines = readFileSync((await csvFile.path())!, "utf8").replace(/^\uFEFF/, "").trim().split(/\r?\n/);
  expect(lines[0].split(",")).toEqual(["month", "active_people", "sessions", "participants", "cards_selected", "canvas_ops", "journal_syncs", "coach_asks"]);
  expect(lines).toHaveLength(13);
  for (const line of lines.slice(1)) expect(line).toMatch(/^\d{4}-\d{2}(,(\d+(\.\d+)?|<5))*$/);

  // The PDF.
  const pdfAnswer = page.waitForResponse((r) => r.url().includes("/api/analytics/v1/reports/adoption") && r.url().includes("format=pdf"));
  const pdfDownload = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download PDF" }).click();
  const answer = await pdfAnswer;
  expect(answer.status()).toBe(200);
  expect(answer.headers()["content-type"]).toContain("application/pdf");
  const pdfFile = await pdfDownload;
  expect(pdfFile.suggestedFilename()).toMatch(/^studio-adoption-.*\.pdf$/);
  expect(readFileSync((await pdfFile.path())!).subarray(0, 5).toString()).toBe("%PDF-");

  // Collaboration, from the same picker.
  await page.getByLabel("Report", { exact: true }).selectOption("collaboration");
  await expect(page.getByRole("table", { name: /^Collaboration, / })).toBeVisible({ timeout: 30_000 });
  await check(page, "reports-collaboration", async () => {
    await expect(page.locator("table tbody tr").first()).toBeVisible();
  });
  expect(errors).toEqual([]);
});

test("a participant sees only their own activity", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signIn(page, noa);
  await goTo(page, "Reports");
  const tabs = page.getByRole("tablist", { name: "Reports" });
  await expect(tabs.getByRole("tab")).toHaveText(["My activity"]);
  await expect(page.getByRole("table", { name: /^My activity, / }).or(page.getByText("Nothing to show for these months."))).toBeVisible({ timeout: 30_000 });
  await check(page, "reports-me");
  expect(errors).toEqual([]);
});
