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

// ---- Calling the API as the signed-in person (for setting up a scene). ----

/** idTokenOf is the ID token Firebase keeps for the person signed in on page. */
export async function idTokenOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    for (const k of Object.keys(localStorage))
      if (k.startsWith("firebase:authUser:")) return JSON.parse(localStorage.getItem(k)!).stsTokenManager.accessToken as string;
    return "";
  });
}

/** callApi calls /api{path} as the person signed in on page; the body is parsed when it is JSON. */
export async function callApi(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await page.request.fetch(`/api${path}`, {
    method,
    headers: { Authorization: `Bearer ${await idTokenOf(page)}`, "Content-Type": "application/json" },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the text as it is
  }
  return { status: res.status(), body: parsed };
}

/** consent grants or withdraws a purpose for the person signed in on page, as the privacy page does. */
export async function consent(page: Page, purpose: string, decision: "grant" | "withdraw") {
  const r = await callApi(page, "PUT", `/consent/v1/me/consent/${purpose}`, { decision, mechanism: "settings", locale: "en" });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/**
 * joinSession opens the invitation to session id mailed to who in a browser
 * of their own, signs in and accepts; it returns that page on the session's
 * live view.
 */
export async function joinSession(browser: Browser, facilitator: Page, who: DemoUser, id: string, viewport: ViewportSize = phone): Promise<Page> {
  const p = await newPage(browser, viewport);
  await p.goto((await sessionInvitation(facilitator, who.email, id)).href);
  await signIn(p, who, { here: true });
  await p.getByRole("button", { name: "Accept and join" }).click();
  await expect(p).toHaveURL(new RegExp(`/sessions/${id}/live$`));
  return p;
}

// ---- The canvas, as a person draws on it. ----

/** canvasSurface is the drawing surface of the open canvas. */
export const canvasSurface = (page: Page) => page.getByRole("region", { name: /^Canvas “/ });

/** canvasLive waits until the open canvas is connected. */
export async function canvasLive(page: Page) {
  await expect(page.locator(".cv-conn")).toHaveText("Live", { timeout: 15_000 });
}

/** canvasAt clicks the surface at (x, y) from its top-left corner. */
export async function canvasAt(page: Page, x: number, y: number) {
  const box = (await canvasSurface(page).boundingBox())!;
  await page.mouse.click(box.x + x, box.y + y);
}

/** canvasNote writes a sticky note at (x, y) of the surface and waits for it in the elements list. */
export async function canvasNote(page: Page, x: number, y: number, text: string) {
  await page.keyboard.press("n");
  await canvasAt(page, x, y);
  const editor = page.getByRole("textbox", { name: "Text" });
  await expect(editor).toBeFocused();
  await editor.fill(text);
  await editor.press("Control+Enter");
  await expect(page.getByRole("list", { name: /^Elements on the canvas/ })).toContainText(text);
}

/** canvasConnect draws a connector from the element at (x1, y1) to the one at (x2, y2). */
export async function canvasConnect(page: Page, x1: number, y1: number, x2: number, y2: number) {
  await page.keyboard.press("c");
  await canvasAt(page, x1, y1);
  await canvasAt(page, x2, y2);
  await expect(page.getByRole("list", { name: /^Elements on the canvas/ })).toContainText("Connector");
  await page.keyboard.press("v");
}

// ---- New people, for scenarios that change a person's plan. ----

/** newAddress is an address nobody has signed up with yet. */
export const newAddress = (who: string) => `${who}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@studio.test`;

/**
 * signUp signs email up through the forms (verified with the Auth
 * emulator's mailed link, onboarding skipped) as a facilitator named name.
 * Without an organisation, onboarding leads to creating one: it ends there.
 */
export async function signUp(page: Page, email: string, name: string) {
  await page.goto("/sign-up");
  await page.locator("header select").selectOption("en");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a calm new password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/verify-email$/);
  await verifyEmail(page.request, email);
  await page.getByRole("button", { name: "I've verified my email" }).click();
  await expect(page).toHaveURL(/\/welcome$/);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("radio", { name: /Facilitator/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Skip for now" }).click();
  await expect(page).toHaveURL(/\/organisation$/);
}

/**
 * freeFacilitator gives page a new facilitator on the free plan, in a new
 * organisation on the free plan (the library is an organisation's; its
 * creator is its admin, so another person creates it and invites them).
 * It returns their address; page ends on the organisation's home.
 */
export async function freeFacilitator(browser: Browser, page: Page, name: string, org: string): Promise<string> {
  const admin = await newPage(browser);
  await signUp(admin, newAddress("admin"), "Ada Admin");
  await admin.getByLabel("Organisation name").fill(org);
  await admin.getByLabel("Kind of organisation").selectOption("nonprofit");
  await admin.getByRole("button", { name: "Create organisation" }).click();
  await expect(admin.getByRole("heading", { name: org })).toBeVisible();
  const email = newAddress("facilitator");
  await admin.getByLabel("Email of the person to invite").fill(email);
  await admin.getByLabel("Their role").selectOption("facilitator");
  await admin.getByRole("button", { name: "Send invitation" }).click();
  await expect(admin.getByRole("status").filter({ hasText: `Invitation sent to ${email}.` })).toBeVisible();
  await admin.context().close();

  await signUp(page, email, name);
  await page.goto((await mailedLink(page.request, email, "/organisation/invitations/accept")).href);
  await page.getByRole("button", { name: "Accept the invitation" }).click();
  await expect(page.getByText("You've joined the organisation as Facilitator.")).toBeVisible();
  return email;
}
