// What the browser tests share: the demo people, the two widths every
// screen is looked at, the accessibility check, the screenshots, signing
// in, the Auth emulator's mailed codes and the mail in the outbox, and the
// scheduling steps more than one scenario takes. One version of each, so a
// change to the app is followed in one place.
import { expect, type APIRequestContext, type Browser, type Page, type ViewportSize } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

// ---- The demo data the suite starts with (testdata/demo). ----

export interface DemoUser {
  email: string;
  password: string;
  display_name: string;
  role: string;
  tier: string;
  language: string;
}

const users: DemoUser[] = JSON.parse(
  readFileSync(resolve(import.meta.dirname, "..", "..", "testdata", "demo", "users.json"), "utf8"),
).users;

function demoUser(email: string): DemoUser {
  const u = users.find((x) => x.email === email);
  if (!u) throw new Error(`${email} is not in testdata/demo/users.json`);
  return u;
}

/** The facilitator (English, professional). */
export const maya = demoUser("maya.facilitator@studio.test");
/** A participant: Hebrew, free tier. */
export const noa = demoUser("noa.participant@studio.test");
/** A participant: German, professional tier. */
export const sam = demoUser("sam.participant@studio.test");
/** The admin of org-lumen. */
export const ines = demoUser("ines.admin@studio.test");
/** The journey of testdata/demo/journey.json, published. */
export const demoJourney = "demo-tides-of-change";

// ---- Looking at a page: widths, axe, screenshots. ----

export const phone: ViewportSize = { width: 360, height: 740 };
export const desktop: ViewportSize = { width: 1280, height: 800 };

/** axe finds nothing serious or critical; the failure lists what and where. */
export async function noSeriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

/**
 * shots writes test-results/<name>-360.png and <name>-1280.png (the whole
 * page) for a person to look at, then puts the page back at the width it
 * had, so a test goes on as it was.
 */
export async function shots(page: Page, name: string) {
  const before = page.viewportSize();
  for (const viewport of [phone, desktop]) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: `test-results/${name}-${viewport.width}.png`, fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/**
 * check runs axe and takes the screenshots <name>-en-… in English, then
 * <name>-he-… in Hebrew (axe again: the mirrored page is another page), and
 * returns to English. ready waits for what a language switch reloads.
 */
export async function check(page: Page, name: string, ready?: (lang: "en" | "he") => Promise<void>) {
  const language = page.locator("header select");
  for (const lang of ["en", "he"] as const) {
    await language.selectOption(lang);
    await expect(page.locator("html")).toHaveAttribute("lang", lang);
    await ready?.(lang);
    await noSeriousViolations(page);
    await shots(page, `${name}-${lang}`);
  }
  await language.selectOption("en");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
}

/** dark checks the page in the dark colour scheme too: axe and the screenshots <name>-…. */
export async function dark(page: Page, name: string) {
  // Without motion, colours switch at once: axe never samples a button
  // halfway through its colour transition.
  await page.emulateMedia({ colorScheme: "dark", reducedMotion: "reduce" });
  await noSeriousViolations(page);
  await shots(page, name);
  await page.emulateMedia({ colorScheme: "light", reducedMotion: null });
}

/** goTo follows a place of the main navigation: on a phone the places beyond the tab bar are under "More". */
export async function goTo(page: Page, name: string) {
  const main = page.getByRole("navigation", { name: "Main" });
  const link = main.getByRole("link", { name, exact: true });
  const more = main.getByRole("button", { name: "More", exact: true });
  // The navigation appears once the profile is read: wait for it first.
  await expect(link.or(more).first()).toBeVisible();
  if (!(await link.isVisible())) await more.click();
  await link.click();
}

// ---- Signing in. ----

/**
 * signIn signs in through the sign-in form, in English. By default it
 * opens /sign-in; with here, the page already shows the form (the app sent
 * the person there and brings them back where they were going).
 */
export async function signIn(page: Page, who: { email: string; password: string }, opts: { here?: boolean } = {}) {
  if (!opts.here) await page.goto("/sign-in");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.locator("header select").selectOption("en");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
}

/** newPage opens a page in a context of its own: another person, another browser. */
export async function newPage(browser: Browser, viewport: ViewportSize = phone): Promise<Page> {
  const context = await browser.newContext({ viewport });
  return context.newPage();
}

// ---- The Auth emulator: what it would have mailed. ----

interface Init { apiKey: string; projectId: string; emulators: { auth: string } }

/** The Firebase configuration Hosting serves the app, emulator addresses included. */
export async function firebaseInit(request: APIRequestContext): Promise<Init> {
  return (await request.get("/__/firebase/init.json")).json();
}

/** oob is the newest out-of-band code the Auth emulator issued for email. */
export async function oob(request: APIRequestContext, email: string, type: "VERIFY_EMAIL" | "PASSWORD_RESET") {
  const i = await firebaseInit(request);
  const codes = await (await request.get(`${i.emulators.auth}/emulator/v1/projects/${i.projectId}/oobCodes`)).json();
  const c = (codes.oobCodes as { email: string; requestType: string; oobCode: string; oobLink: string }[])
    .filter((x) => x.email === email.toLowerCase() && x.requestType === type)
    .at(-1);
  expect(c, `a ${type} code for ${email}`).toBeDefined();
  return c!;
}

/** verifyEmail opens the verification link mailed to email, as its owner would. */
export async function verifyEmail(request: APIRequestContext, email: string) {
  expect((await request.get((await oob(request, email, "VERIFY_EMAIL")).oobLink)).status()).toBe(200);
}

// ---- Mail the functions sent: locally, the Firestore outbox is the mailbox. ----

// An outbox document in the Firestore REST shape: the Trigger Email
// extension's layout, the recipient at the top and the body under message.
interface OutboxDoc {
  createTime: string;
  fields?: {
    to?: { stringValue?: string };
    message?: { mapValue?: { fields?: { text?: { stringValue?: string } } } };
  };
}

async function outbox(request: APIRequestContext): Promise<OutboxDoc[]> {
  const host = process.env.STUDIO_FIRESTORE_EMULATOR_HOST;
  expect(host, "the suite names its Firestore emulator").toBeTruthy();
  const { projectId } = await firebaseInit(request);
  const docs: OutboxDoc[] = [];
  let token = "";
  do {
    const res = await request.get(
      `http://${host}/v1/projects/${projectId}/databases/(default)/documents/outbox?pageSize=300${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`,
      { headers: { Authorization: "Bearer owner" } },
    );
    expect(res.ok(), `the outbox: ${res.status()}`).toBe(true);
    const page = await res.json();
    docs.push(...(page.documents ?? []));
    token = page.nextPageToken ?? "";
  } while (token);
  return docs;
}

/**
 * mailedLink is the link with a token in the newest mail to `to` whose
 * path is `pathname`, waiting a little for the mail. The link must name the
 * app's own address (Hosting's, which the suite knows before any function
 * writes mail, even on random ports): it is returned as mailed, to be
 * opened as is.
 */
export async function mailedLink(request: APIRequestContext, to: string, pathname: string): Promise<URL> {
  let link: URL | undefined;
  await expect(async () => {
    const texts = (await outbox(request))
      .filter((d) => d.fields?.to?.stringValue?.toLowerCase() === to.toLowerCase())
      .sort((a, b) => a.createTime.localeCompare(b.createTime))
      .map((d) => d.fields?.message?.mapValue?.fields?.text?.stringValue ?? "");
    const links = texts.flatMap((t) => [...t.matchAll(/https?:\/\/[^\s"<>]+/g)].map((m) => new URL(m[0])));
    link = links.filter((u) => u.pathname === pathname && u.searchParams.has("token")).at(-1);
    expect(link, `a mail to ${to} linking to ${pathname}?token=…`).toBeDefined();
  }).toPass({ timeout: 10_000 });
  const app = process.env.STUDIO_WEB_URL;
  expect(app, "the suite's web address").toBeTruthy();
  expect(link!.origin, "the mailed link opens this app").toBe(new URL(app!).origin);
  expect(link!.searchParams.get("token"), "the link carries its token").toMatch(/^[\w.-]{20,}$/);
  return link!;
}

// ---- Sessions: scheduling and inviting, as a facilitator does. ----

/**
 * scheduleNextWeek fills the schedule form the page shows (for the journey
 * it was opened with): one week from today at 18:30 in Europe/Madrid, and
 * sees the session's page say so. It returns the new session's id.
 */
export async function scheduleNextWeek(page: Page, journey: string, title: string): Promise<string> {
  await expect(page.getByRole("heading", { name: "Schedule a session" })).toBeVisible();
  await expect(page.getByLabel("Journey")).toHaveValue(journey);
  const next = new Date(Date.now() + 7 * 24 * 3600_000);
  const day = `${next.getFullYear()}-${String(next.getMonth() + 1).padStart(2, "0")}-${String(next.getDate()).padStart(2, "0")}`;
  await page.getByLabel("Title (optional)").fill(title);
  await page.getByLabel("Date and time").fill(`${day}T18:30`);
  await page.getByLabel("Time zone").selectOption("Europe/Madrid");
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
  await expect(page.getByText("The session is scheduled.")).toBeVisible();
  // 18:30 in Madrid, shown with its zone.
  await expect(page.getByText("Europe/Madrid")).toBeVisible();
  await expect(page.locator("dd time").first()).toHaveText(/18:30/);
  const id = /\/sessions\/([^/?#]+)$/.exec(page.url())?.[1];
  expect(id, "the session's page").toBeTruthy();
  return id!;
}

/** invite invites people by email from the session's page. */
export async function invite(page: Page, emails: string[]) {
  await page.getByLabel("Email addresses").fill(emails.join("\n"));
  await page.getByRole("button", { name: "Send invitations" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Invitations sent: ${emails.length}.` })).toBeVisible();
  for (const e of emails) await expect(page.getByRole("list", { name: "Invitations" }).getByText(e)).toBeVisible();
}

/** The invitation to session id mailed to `to`: the join page with its token. */
export function sessionInvitation(page: Page, to: string, id: string): Promise<URL> {
  return mailedLink(page.request, to, `/join/${id}`);
}
