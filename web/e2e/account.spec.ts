// Accounts, organisations and privacy against the whole local suite.
// Scenario 4: a new participant opens their invitation link, signs up,
// onboards, accepts; turns a consent on, off and on again (each decision a
// receipt), checks the receipt chain, downloads their data export and asks
// for erasure (not confirmed); the org admin changes the new member's role
// and sees the open request. Also: joining with an organisation code, an
// SSO-required address on the sign-in screen (the organisation proves its
// domain through the suite's DNS emulator), and a password reset link that
// sets a new password and signs in with it. Every page is checked with axe
// and screenshotted in English and Hebrew at 360 and 1280 px.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { readFileSync } from "node:fs";
import { check, firebaseInit, goTo, ines, mailedLink, oob, phone, signIn, signOut, verifyEmail } from "./kit";

// Phone first: every test starts at 360 px.
test.use({ viewport: phone });

// newAccount makes a verified account through the Auth emulator's REST API
// and returns an ID token that says so.
async function newAccount(request: APIRequestContext, email: string, password: string): Promise<string> {
  const i = await firebaseInit(request);
  const base = `${i.emulators.auth}/identitytoolkit.googleapis.com/v1/accounts`;
  const up = await (await request.post(`${base}:signUp?key=${i.apiKey}`, { data: { email, password, returnSecureToken: true } })).json();
  expect(up.idToken, JSON.stringify(up)).toBeTruthy();
  await request.post(`${base}:sendOobCode?key=${i.apiKey}`, { data: { requestType: "VERIFY_EMAIL", idToken: up.idToken } });
  await verifyEmail(request, email);
  const inn = await (await request.post(`${base}:signInWithPassword?key=${i.apiKey}`, { data: { email, password, returnSecureToken: true } })).json();
  return inn.idToken as string;
}

async function call(request: APIRequestContext, token: string, method: string, path: string, body?: unknown) {
  const r = await request.fetch(`/api${path}`, { method, headers: { Authorization: `Bearer ${token}` }, data: body });
  expect(r.ok(), `${method} ${path}: ${r.status()} ${await r.text()}`).toBe(true);
  return r.status() === 204 ? undefined : r.json();
}

test("scenario 4: an invited participant signs up, onboards, decides consents, downloads their data; the admin changes their role", async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const invitee = `invitee.${Date.now()}@studio.test`;

  // The admin invites a new participant.
  await signIn(page, ines);
  await goTo(page, "Organisation");
  await expect(page).toHaveURL(/\/organisation\/invitations$/);
  await page.getByLabel("Email of the person to invite").fill(invitee);
  await page.getByLabel("Their role").selectOption("participant");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Invitation sent to ${invitee}.` })).toBeVisible();
  await expect(page.getByRole("list", { name: "Pending invitations" }).getByText(invitee)).toBeVisible();
  await check(page, "organisation-invitations");
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members" })).toBeVisible();
  await expect(page.getByRole("listitem", { name: new RegExp(ines.display_name) })).toBeVisible();
  await check(page, "organisation-members");
  await page.getByRole("link", { name: "Single sign-on" }).click();
  await expect(page.getByRole("heading", { name: "Identity provider" })).toBeVisible();
  await check(page, "organisation-sso-empty");
  await signOut(page);

  // The invitation link opens the app, signed out: sign up from there.
  const link = await mailedLink(page.request, invitee, "/organisation/invitations/accept");
  await page.goto(link.href);
  await expect(page.getByRole("heading", { name: "Join an organisation" })).toBeVisible();
  await check(page, "organisation-accept-signed-out");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Email").fill(invitee);
  await page.getByLabel("Password").fill("a calm new password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/verify-email$/);
  await verifyEmail(page.request, invitee);
  await page.getByRole("button", { name: "I've verified my email" }).click();
  await expect(page.getByRole("heading", { name: "Welcome to Studio" })).toBeVisible();
  await expect(page.getByText("Your invitation is waiting")).toBeVisible();
  await page.getByLabel("Your name").fill("Dana Invited");
  await page.getByRole("radio", { name: /Participant/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();

  // Back on the invitation: accept it.
  await expect(page).toHaveURL(/\/organisation\/invitations\/accept/);
  await expect(page.getByText(`You are signed in as ${invitee}`)).toBeVisible();
  await check(page, "organisation-accept");
  await page.getByRole("button", { name: "Accept the invitation" }).click();
  await expect(page.getByRole("heading", { name: "Welcome aboard" })).toBeVisible();
  await expect(page.getByText("You've joined the organisation as Participant.")).toBeVisible();
  await page.getByRole("link", { name: "Continue" }).click();

  // The onboarding questions of a participant, four steps.
  await expect(page.getByRole("heading", { name: "What brings you here" })).toBeVisible();
  await expect(page.getByText("Step 1 of 4")).toBeVisible();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("group", { name: "What will you mostly use Studio for?" })).toHaveAccessibleDescription("Choose one.");
  await check(page, "organisation-onboarding-step");
  await page.getByRole("radio", { name: "Coaching" }).check();
  await page.getByRole("radio", { name: "I've used it a little" }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("heading", { name: "Your journal" })).toBeVisible();
  await page.getByRole("radio", { name: "Only me" }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("heading", { name: "Your coach" })).toBeVisible();
  await page.getByRole("radio", { name: "Balanced" }).check();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByRole("heading", { name: "Staying in touch" })).toBeVisible();
  await page.getByRole("checkbox", { name: "Email" }).check();
  await check(page, "organisation-onboarding-last");
  await page.getByRole("button", { name: "Finish" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Dana Invited" })).toBeVisible();
  await expect(page.getByText("Lumen Learning Collective (demo)")).toBeVisible();

  // My privacy: every purpose off; on, off, on again, each a receipt.
  await goTo(page, "Privacy");
  await expect(page.getByRole("heading", { name: "My privacy" })).toBeVisible();
  const stats = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Usage statistics" }) });
  await expect(stats.getByText("You haven't decided yet, so it is off.")).toBeVisible();
  await check(page, "privacy-consents");
  const receipts = stats.getByRole("list", { name: "Receipts for Usage statistics" }).getByRole("listitem");
  await stats.getByRole("button", { name: "Turn on: Usage statistics" }).click();
  await expect(stats.getByRole("status")).toHaveText("Usage statistics is on. A receipt was added to its history.");
  await stats.getByText("History of your decisions (1)").click();
  await expect(receipts).toHaveCount(1);
  await stats.getByRole("button", { name: "Turn off: Usage statistics" }).click();
  await expect(stats.getByRole("status")).toHaveText("Usage statistics is off. A receipt was added to its history.");
  await expect(receipts).toHaveCount(2);
  await expect(receipts.first()).toContainText("Turned off");
  await stats.getByRole("button", { name: "Turn on: Usage statistics" }).click();
  await expect(receipts).toHaveCount(3);
  await expect(receipts.first()).toContainText("Turned on");
  await stats.getByText(/Read the full text/).click();
  await expect(stats.getByText(/under a pseudonymous id/)).toBeVisible();
  await page.getByRole("button", { name: "Check my receipts" }).click();
  await expect(page.getByText("All 3 receipts are intact.")).toBeVisible();
  await check(page, "privacy-consents-decided");

  // My data: prepare the export and download it.
  await page.getByRole("link", { name: "My data" }).click();
  await page.getByRole("button", { name: "Prepare my archive" }).click();
  const download = page.getByRole("link", { name: "Download the archive (ZIP)" });
  await expect(download).toBeVisible();
  await check(page, "privacy-export");
  const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
  const path = await file.path();
  const bytes = readFileSync(path);
  expect(bytes.length).toBeGreaterThan(100);
  expect(bytes.subarray(0, 2).toString()).toBe("PK");

  // Erasure: asked, its confirmation step explained, not confirmed.
  await page.getByRole("button", { name: "Ask to erase my data" }).click();
  await expect(page.getByRole("heading", { name: "Confirm the erasure" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Erase everything now" })).toBeDisabled();
  await check(page, "privacy-erasure");
  await page.getByRole("button", { name: "Keep my account" }).click();
  await expect(page.getByRole("button", { name: "Ask to erase my data" })).toBeVisible();
  await signOut(page);

  // The admin makes the new member a facilitator and sees the open request.
  await signIn(page, ines);
  await page.goto("/organisation/members");
  const row = page.getByRole("listitem").filter({ has: page.getByText("Dana Invited") });
  await row.getByLabel("Role of Dana Invited").selectOption("facilitator");
  await expect(row.getByRole("status")).toHaveText("Dana Invited is now Facilitator.");
  await page.reload();
  await expect(page.getByLabel("Role of Dana Invited")).toHaveValue("facilitator");
  await page.getByRole("link", { name: "Privacy requests" }).click();
  const open = page.getByRole("listitem").filter({ hasText: "Dana Invited" });
  await expect(open.filter({ hasText: "Erasure" })).toBeVisible();
  await check(page, "organisation-requests");

  expect(errors).toEqual([]);
});

test("join an organisation with its code during onboarding", async ({ page }) => {
  test.setTimeout(180_000);
  // The admin makes a code.
  await signIn(page, ines);
  await page.goto("/organisation/invitations");
  const make = page.getByRole("button", { name: /Create a code|Make a new code/ });
  await make.click();
  const shown = page.getByLabel("Current organisation code");
  await expect(shown).toHaveText(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  const code = (await shown.textContent())!.trim();
  await check(page, "organisation-code");
  await signOut(page);

  // A new person signs in, onboards with a wrong code, then the right one.
  const email = `coded.${Date.now()}@studio.test`;
  await newAccount(page.request, email, "a calm new password");
  await signIn(page, { email, password: "a calm new password" });
  await expect(page.getByRole("heading", { name: "Welcome to Studio" })).toBeVisible();
  await page.getByLabel("Your name").fill("Coda Joiner");
  await page.getByRole("radio", { name: /Participant/ }).check();
  await page.getByLabel("Organisation code (optional)").fill("ZZZZZ-ZZZZZ");
  await check(page, "organisation-welcome");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "That code didn't work" })).toBeVisible();
  await expect(page.getByLabel("Organisation code")).toHaveAccessibleDescription(/We don't know this code/);
  await check(page, "organisation-welcome-code");
  await page.getByLabel("Organisation code").fill(code.toLowerCase());
  await page.getByRole("button", { name: "Join" }).click();
  await expect(page.getByText("Step 1 of 4")).toBeVisible();
  await page.getByRole("button", { name: "Skip for now" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Coda Joiner" })).toBeVisible();
  await expect(page.getByText("Lumen Learning Collective (demo)")).toBeVisible();
});

test("an address whose organisation requires SSO is told so on the sign-in screen", async ({ page }) => {
  test.setTimeout(180_000);
  // A new organisation admin, made through the API.
  const stamp = Date.now();
  const email = `sso.admin.${stamp}@studio.test`;
  const token = await newAccount(page.request, email, "a calm new password");
  await call(page.request, token, "PUT", "/accounts/v1/me/profile", { display_name: "Sol Admin", language: "en", timezone: "Europe/Madrid", role: "org_admin" });
  await call(page.request, token, "POST", "/accounts/v1/orgs", { name: `Harbour ${stamp}`, type: "corporate" });
  const domain = `harbour${stamp}.example`;

  // The admin sets up SSO on its screen: provider, domain, proof, requirement.
  await signIn(page, { email, password: "a calm new password" });
  await page.goto("/organisation/sso");
  await expect(page.getByRole("heading", { name: "Identity provider" })).toBeVisible();
  await page.getByLabel("Provider ID").fill(`oidc.harbour-${stamp}`);
  await page.getByLabel("Issuer URL").fill(`https://idp.${domain}`);
  await page.getByLabel("Client ID").fill("studio");
  await page.getByRole("button", { name: "Save provider" }).click();
  await expect(page.getByText("Provider saved.")).toBeVisible();
  await page.getByLabel("Domain to claim").fill(domain);
  await page.getByRole("button", { name: "Claim domain" }).click();
  const txt = page.getByLabel(`TXT record for ${domain}`);
  await expect(txt).toContainText("poy-site-verification=");
  // Not published yet: a human message.
  await page.getByRole("button", { name: "Check the record" }).click();
  await expect(page.getByText("We couldn't find the TXT record at this domain yet.")).toBeVisible();
  await check(page, "organisation-sso-pending");
  // Publish it in the suite's DNS, as the domain's owner would.
  const dns = process.env.STUDIO_DNS_EMULATOR_HOST;
  expect(dns, "the suite's DNS address").toBeTruthy();
  const put = await page.request.put(`http://${dns}/_admin/txt/${domain}`, { data: { values: [(await txt.textContent())!.trim()] } });
  expect(put.ok(), await put.text()).toBe(true);
  await page.getByRole("button", { name: "Check the record" }).click();
  await expect(page.getByText("Verified", { exact: true })).toBeVisible();
  const required = page.getByRole("checkbox", { name: "Require single sign-on for our verified domains" });
  await required.check();
  await expect(required).toBeChecked();
  await page.reload();
  await expect(required).toBeChecked();
  await check(page, "organisation-sso");
  await signOut(page);

  // Someone of that domain: the sign-in screen explains the redirect.
  await page.getByLabel("Email").fill(`someone@${domain}`);
  await page.getByLabel("Email").press("Tab");
  const notice = page.getByRole("status").filter({ hasText: "Your organisation signs you in" });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("You'll be redirected to your organisation's sign-in page");
  await expect(notice).toContainText("local test environment");
  await expect(page.getByLabel("Password")).toHaveCount(0);
  await check(page, "organisation-sign-in-sso");
  // Another address gets the password form back.
  await page.getByLabel("Email").fill("maya.facilitator@studio.test");
  await expect(page.getByLabel("Password")).toBeVisible();
});

test("a reset link sets a new password and signs in with it", async ({ page }) => {
  test.setTimeout(120_000);
  const email = `reset.${Date.now()}@studio.test`;
  const token = await newAccount(page.request, email, "the first password");
  await call(page.request, token, "PUT", "/accounts/v1/me/profile", { display_name: "Rae Reset", language: "en", timezone: "Europe/Madrid", role: "participant" });

  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toHaveText(/a link to reset the password is on its way/);

  // The mailed link lands on the app with its code.
  const { oobCode } = await oob(page.request, email, "PASSWORD_RESET");
  await page.goto(`/reset-password?mode=resetPassword&oobCode=${encodeURIComponent(oobCode)}&lang=en`);
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await expect(page.getByText(`For ${email}.`)).toBeVisible();
  await check(page, "organisation-reset-new");
  await page.getByLabel("New password", { exact: true }).fill("a brand new password");
  await page.getByRole("button", { name: "Save and sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Rae Reset" })).toBeVisible();

  // The new password works, the old one not; the used link is spent.
  await signOut(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("the first password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("That email and password don't match. Please try again.");
  await page.getByLabel("Password").fill("a brand new password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Welcome, Rae Reset" })).toBeVisible();
  await signOut(page);
  await page.goto(`/reset-password?mode=resetPassword&oobCode=${encodeURIComponent(oobCode)}`);
  await expect(page.getByText("This link is no longer valid")).toBeVisible();
  await check(page, "organisation-reset-invalid");
});
