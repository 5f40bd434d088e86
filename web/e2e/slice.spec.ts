// The first screens against the real suite: sign in through the Auth
// emulator, the home page's data from GET /api/accounts/v1/me through
// Hosting, Hebrew right to left, accessibility, and screenshots at phone and
// desktop widths in web/test-results/ for a person to look at.
import { expect, test, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

interface DemoUser { email: string; password: string; display_name: string; role: string }
const users: DemoUser[] = JSON.parse(
  readFileSync(resolve(import.meta.dirname, "..", "..", "testdata", "demo", "users.json"), "utf8"),
).users;
const facilitator = users.find((u) => u.role === "facilitator")!;

const phone = { width: 360, height: 740 };
const desktop = { width: 1280, height: 800 };

async function noSeriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

async function shots(page: Page, name: string) {
  for (const [size, viewport] of [["360", phone], ["1280", desktop]] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: `test-results/${name}-${size}.png`, fullPage: true });
  }
}

test("sign in, see my profile from the API, switch to Hebrew", async ({ page }) => {
  const errors: string[] = [];
  // The wrong password below is answered 400 by Auth, which Chromium logs.
  page.on("console", (m) => m.type() === "error" && !/status of 400/.test(m.text()) && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.setViewportSize(phone);

  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await noSeriousViolations(page);
  await shots(page, "sign-in-en");

  // A wrong password is a human message, not a raw error code.
  await page.getByLabel("Email").fill(facilitator.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("That email and password don't match. Please try again.");

  await page.getByLabel("Password").fill(facilitator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: `Welcome, ${facilitator.display_name}` })).toBeVisible();
  await expect(page.getByText("Facilitator", { exact: true })).toBeVisible();
  await expect(page.getByText("org-lumen")).toBeVisible();
  await noSeriousViolations(page);
  await shots(page, "home-en");
  await page.emulateMedia({ colorScheme: "dark" });
  await noSeriousViolations(page);
  await shots(page, "home-en-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // Switching language keeps the page and mirrors it.
  await page.getByLabel("Language").selectOption("he");
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  await expect(page.locator("html")).toHaveAttribute("lang", "he");
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: `ברוכים הבאים, ${facilitator.display_name}` })).toBeVisible();
  await noSeriousViolations(page);
  await shots(page, "home-he");

  // The choice survives a reload.
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");

  await page.getByRole("button", { name: "התנתקות" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { name: "כניסה" })).toBeVisible();
  await shots(page, "sign-in-he");

  expect(errors).toEqual([]);
});
