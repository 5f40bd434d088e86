// The first screens against the real suite: sign in through the Auth
// emulator, the home page's data from GET /api/accounts/v1/me through
// Hosting, Hebrew right to left, accessibility, and screenshots at phone and
// desktop widths in web/test-results/ for a person to look at.
import { expect, test } from "@playwright/test";
import { dark, maya as facilitator, noSeriousViolations, phone, shots } from "./kit";

// Phone first: every test starts at 360 px.
test.use({ viewport: phone });

test("sign in, see my profile from the API, switch to Hebrew", async ({ page }) => {
  const errors: string[] = [];
  // The wrong password below is answered 400 by Auth, which Chromium logs.
  page.on("console", (m) => m.type() === "error" && !/status of 400/.test(m.text()) && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));

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
  await expect(page.getByText("Lumen Learning Collective (demo)")).toBeVisible();
  await noSeriousViolations(page);
  await shots(page, "home-en");
  await dark(page, "home-en-dark");

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
