// Scenario 1: a new person signs up, verifies their email with the link the
// Auth emulator would have mailed (its oobCodes endpoint), onboards as a
// facilitator, creates an organisation and invites a participant. Every page
// is checked with axe and screenshotted in English and Hebrew.
import { expect, test } from "@playwright/test";
import { check, phone, verifyEmail } from "./kit";

// Phone first: every test starts at 360 px.
test.use({ viewport: phone });

test("sign up, verify the email, onboard as a facilitator, create an organisation, invite a participant", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const email = `new.facilitator.${Date.now()}@studio.test`;

  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/sign-up$/);
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await check(page, "sign-up");

  // A too-short password is explained next to its field.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("abc");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Password")).toHaveAccessibleDescription(/at least 6 characters/);
  await page.getByLabel("Password").fill("a calm new password");
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/verify-email$/);
  await expect(page.getByRole("heading", { name: "Verify your email" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await page.getByRole("button", { name: "I've verified my email" }).click();
  await expect(page.getByRole("status").filter({ hasText: "isn't verified yet" })).toBeVisible();
  await check(page, "verify-email");

  // The Auth emulator lists what it would have mailed; open the link.
  await verifyEmail(page.request, email);

  await page.getByRole("button", { name: "I've verified my email" }).click();
  await expect(page).toHaveURL(/\/welcome$/);
  await expect(page.getByRole("heading", { name: "Welcome to Studio" })).toBeVisible();
  await expect(page.getByLabel("Time zone")).toHaveValue("Europe/Madrid");
  await check(page, "welcome");

  // The API's field error is shown next to its field.
  await page.getByLabel("Your name").fill("");
  await page.getByRole("radio", { name: /Facilitator/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByLabel("Your name")).toHaveAccessibleDescription("Enter your name (up to 100 characters).");
  await expect(page.getByLabel("Your name")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Your name").fill("Noa Levi");
  await page.getByRole("button", { name: "Continue" }).click();
  // The role's onboarding questions come next; they can wait.
  await expect(page.getByText("Step 1 of 4")).toBeVisible();
  await page.getByRole("button", { name: "Skip for now" }).click();

  await expect(page).toHaveURL(/\/organisation$/);
  await expect(page.getByRole("heading", { name: "Create your organisation" })).toBeVisible();
  await check(page, "create-org");
  await page.getByLabel("Organisation name").fill("Quiet Harbour Coaching");
  await page.getByLabel("Kind of organisation").selectOption("nonprofit");
  const created = page.waitForResponse((r) => r.url().endsWith("/api/accounts/v1/orgs") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Create organisation" }).click();
  expect((await created).status()).toBe(201);

  await expect(page.getByRole("heading", { name: "Quiet Harbour Coaching" })).toBeVisible();
  await expect(page.getByText("No pending invitations.")).toBeVisible();
  const participant = `new.participant.${Date.now()}@studio.test`;
  await page.getByLabel("Email of the person to invite").fill(participant);
  await page.getByLabel("Their role").selectOption("participant");
  const invited = page.waitForResponse((r) => /\/invitations$/.test(r.url()) && r.request().method() === "POST");
  await page.getByRole("button", { name: "Send invitation" }).click();
  expect((await invited).status()).toBe(202);
  await expect(page.getByRole("status").filter({ hasText: `Invitation sent to ${participant}.` })).toBeVisible();
  await expect(page.getByRole("list", { name: "Pending invitations" }).getByText(participant)).toBeVisible();
  await check(page, "invitations");

  // Home knows the new person and their organisation.
  await page.getByRole("link", { name: "Points of You AI Studio" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Noa Levi" })).toBeVisible();
  await check(page, "home-new");

  expect(errors).toEqual([]);
});

test("request a password reset", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await check(page, "reset-password");
  await page.getByLabel("Email").fill("maya.facilitator@studio.test");
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toHaveText(/a link to reset the password is on its way/);
});
