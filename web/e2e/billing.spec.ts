// Plans and payments: a facilitator on the free plan finds a professional
// library item locked, upgrades to Professional (monthly) from the pricing
// page, pays on the suite's stand-in for Stripe's checkout page, comes back,
// and the library opens the item and the coach allowance is Professional's.
// An org admin sees the organisation's seats. Every page is checked with axe
// and screenshotted in English and Hebrew.
import { expect, test, type Page } from "@playwright/test";
import { check, freeFacilitator, goTo, ines, phone, signIn } from "./kit";

test.use({ viewport: phone });

const aiMeter = (page: Page) => page.getByRole("meter", { name: "AI interactions" });

test("a free facilitator upgrades to Professional and the library opens", async ({ browser, page }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await freeFacilitator(browser, page, "Lea Brandt", "Brandt Coaching");

  // A professional item is locked on the free plan.
  await goTo(page, "Library");
  await page.getByLabel("Plan").selectOption("professional");
  const locked = page.getByRole("link", { name: /^Locked / }).first();
  await expect(locked).toBeVisible();
  await locked.click();
  await expect(page.getByRole("heading", { level: 1, name: /^Locked / })).toBeVisible();
  await expect(page.getByText("This item is part of the Professional plan")).toBeVisible();
  const item = new URL(page.url()).pathname;

  // The account's plan and the month's allowances.
  await goTo(page, "Home");
  await page.getByRole("link", { name: "Plan and billing" }).click();
  await expect(page).toHaveURL(/\/account\/billing$/);
  await expect(page.getByRole("heading", { name: "Plan and billing" })).toBeVisible();
  await expect(aiMeter(page)).toHaveAttribute("max", "50");
  await expect(page.getByText("Invoices appear here once you pay for a plan.")).toBeVisible();
  await check(page, "billing-free", async () => {
    await expect(aiMeter(page).or(page.getByRole("meter").first())).toBeVisible();
  });

  // Pricing: the free plan is marked, prices in the person's format.
  await page.getByRole("link", { name: "See plans" }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  await expect(page.getByRole("heading", { level: 1, name: "Plans and pricing" })).toBeVisible();
  const plans = page.getByRole("list", { name: "Plans" });
  const free = plans.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Free" }) });
  const pro = plans.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Professional" }) });
  const official = plans.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Official" }) });
  await expect(free.getByText("Your plan")).toBeVisible();
  await expect(pro).toContainText("$29");
  await expect(pro).toContainText("500 AI interactions a month");
  await expect(official).toContainText("By invitation");
  await page.getByRole("radio", { name: /Yearly/ }).check();
  await expect(pro).toContainText("$290");
  await check(page, "pricing", async () => {
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  });
  await page.getByRole("radio", { name: "Monthly" }).check();
  await expect(pro).toContainText("$29");

  // Upgrade: the payment page (the suite's stand-in for Stripe) and back.
  await pro.getByRole("button", { name: "Upgrade to Professional" }).click();
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await expect(page.getByText("professional_monthly")).toBeVisible();
  await page.getByRole("button", { name: "Pay (test)" }).click();

  await expect(page).toHaveURL(/\/account\/billing/);
  await expect(page.getByRole("status").filter({ hasText: "Your new plan is active." })).toBeVisible({ timeout: 40_000 });
  await expect(page).not.toHaveURL(/checkout=/);
  await expect(page.locator(".bill-tier-name")).toHaveText("Professional");
  await expect(page.getByText("You pay for this plan yourself.")).toBeVisible();
  await expect(aiMeter(page)).toHaveAttribute("max", "500");
  await expect(page.locator(".bill-meter").filter({ hasText: "AI interactions" })).toContainText("0 of 500");
  await check(page, "billing-professional", async () => {
    await expect(aiMeter(page).or(page.getByRole("meter").first())).toBeVisible();
  });

  // The library opens the item that was locked.
  await page.goto(item);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: /^Locked / })).toHaveCount(0);
  await expect(page.getByText("This item is part of the Professional plan")).toHaveCount(0);

  // Pricing now marks the plan paid for, and changes go through the portal.
  await page.goto("/pricing");
  await expect(pro.getByText("Your plan")).toBeVisible();
  await expect(free.getByText("Your plan")).toHaveCount(0);
  await page.getByRole("radio", { name: /Yearly/ }).check();
  await expect(pro.getByRole("button", { name: "Change plan" })).toBeVisible();

  expect(errors).toEqual([]);
});

test("an org admin sees the organisation's plan and seats", async ({ page }) => {
  await signIn(page, ines);
  await goTo(page, "Organisation");
  await page.getByRole("link", { name: "Plan and seats" }).click();
  await expect(page).toHaveURL(/\/organisation\/billing$/);
  await expect(page.getByRole("heading", { name: "Organisation plan" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Seats" })).toBeVisible();
  await check(page, "org-billing", async () => {
    await expect(page.getByRole("heading", { level: 2 }).first()).toBeVisible();
  });
});

// The states a payment can leave behind, with the billing API's answers
// stood in for (the local Stripe cannot fail a payment on demand): a
// failed payment's grace period, a month nearly used up, and a seat change
// refused because the seats are taken.
const month = (ai: number, uses: number, allowedAi = 500, allowedUses = 1000) => ({
  month: "2026-12",
  resets_at: "2027-01-01T00:00:00Z",
  ai_interactions: { used: ai, allowed: allowedAi, warning: ai >= 0.8 * allowedAi },
  content_uses: { used: uses, allowed: allowedUses, warning: uses >= 0.8 * allowedUses },
});

test.describe(() => {
  // The service worker would fetch the API itself, past the stand-ins.
  test.use({ serviceWorkers: "block" });

  test("a failed payment's grace period, a nearly used month and seats in use are said plainly", async ({ page }) => {
    const org = { org_id: "org-lumen", tier: "enterprise", status: "past_due", grace_until: "2026-12-13T00:00:00Z", seats: { allowed: 5, used: 4 }, can_manage: true };
    await page.route("**/api/billing/v1/me", (r) =>
      r.fulfill({ json: { tier: "enterprise", personal: null, org, usage: month(1700, 1200, 2000, 5000) } }),
    );
    await page.route("**/api/billing/v1/invoices?*", (r) =>
      r.fulfill({
        json: {
          invoices: [
            { id: "in_2", number: "LUMEN-0002", status: "open", amount_due: 49500, amount_paid: 0, currency: "usd", created: 1796515200, period_start: 1796515200, period_end: 1799193600, hosted_invoice_url: "https://example.test/i/2", invoice_pdf: "https://example.test/i/2.pdf" },
            { id: "in_1", number: "LUMEN-0001", status: "paid", amount_due: 49500, amount_paid: 49500, currency: "usd", created: 1793836800, period_start: 1793836800, period_end: 1796515200, hosted_invoice_url: "https://example.test/i/1", invoice_pdf: "https://example.test/i/1.pdf" },
          ],
        },
      }),
    );
    await page.route("**/api/billing/v1/orgs/*/seats", (r) =>
      r.fulfill({
        status: 409,
        contentType: "application/problem+json",
        body: JSON.stringify({ type: "https://studio.pointsofyou.ai/problems/seats-in-use", title: "Seats in use", status: 409, detail: "seats in use: 4 staff members hold a seat; remove some first" }),
      }),
    );
    await signIn(page, ines);

    await page.goto("/account/billing");
    const banner = page.getByRole("alert").filter({ hasText: "Your organisation's last payment didn't go through." });
    await expect(banner).toContainText("13 December 2026");
    await expect(banner.getByRole("button", { name: "Update payment method" })).toBeVisible();
    const ai = page.locator(".bill-meter").filter({ hasText: "AI interactions" });
    await expect(ai).toContainText("1,700 of 2,000");
    await expect(ai).toContainText("85% used: you are close to this month's allowance.");
    await expect(page.locator(".bill-meter").filter({ hasText: "Content uses" })).not.toContainText("close to");
    await check(page, "billing-warnings", async () => {
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    });

    await page.goto("/organisation/billing");
    await expect(page.getByRole("heading", { name: "Seats" })).toBeVisible();
    await expect(page.locator(".bill-meter")).toContainText("4 of 5");
    await expect(page.getByRole("table", { name: "Billing history" }).or(page.getByRole("list", { name: "Billing history" }))).toContainText("LUMEN-0002");
    await page.getByLabel("Seats on the plan").fill("3");
    await page.getByRole("button", { name: "Change seats" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Not changed: that is fewer seats than people holding one." })).toBeVisible();
    await expect(page.getByLabel("Seats on the plan")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Seats on the plan")).toHaveAccessibleDescription(/4 seats are taken/);
    await check(page, "org-billing-refused", async () => {
      await expect(page.getByRole("heading", { name: /Seats|מושבים/ })).toBeVisible();
    });
  });
});
