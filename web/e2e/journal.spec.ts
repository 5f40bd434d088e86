// The journal in the browser: kept on the device first, synced when the
// network allows. An entry written with the network cut survives a reload
// offline and, once back online, reaches another browser of the same
// person. The same entry edited in two browsers at once, one of them
// offline, meets again as two versions that the person compares and
// combines (and edits of different paragraphs merge by themselves). In a
// live session a participant writes a compact note, private unless they
// share it. Every screen is checked with axe and screenshotted in English
// and Hebrew at 360 and 1280 px, and in the dark (test-results/journal-*.png).
import { expect, test, type Page } from "@playwright/test";
import { check, dark, demoJourney, desktop, goTo, maya, newPage, phone, sam, sessionInvitation, signIn, type DemoUser } from "./kit";

test.use({ viewport: phone });

async function token(page: Page): Promise<string> {
  return page.evaluate(() => {
    for (const k of Object.keys(localStorage))
      if (k.startsWith("firebase:authUser:")) return JSON.parse(localStorage.getItem(k)!).stsTokenManager.accessToken as string;
    return "";
  });
}

async function api(page: Page, method: string, path: string, body?: unknown) {
  const res = await page.request.fetch(`/api${path}`, {
    method,
    headers: { Authorization: `Bearer ${await token(page)}`, "Content-Type": "application/json" },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status(), body: text ? JSON.parse(text) : undefined };
}

/** serverEntries pulls the person's entries as a fresh client would. */
async function serverEntries(page: Page) {
  const r = await api(page, "POST", "/journal/v1/pull", { client_id: crypto.randomUUID(), cookie: 0 });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.entries as { id: string; title: string; body: string; visibility: string; mode: string; session_id: string; deleted: boolean }[];
}

/** serverHas waits until the server's copy of the entry titled title holds text. */
async function serverHas(page: Page, title: string, text: string) {
  await expect.poll(async () => (await serverEntries(page)).find((e) => e.title === title)?.body ?? "", { timeout: 20_000 }).toContain(text);
}

async function openJournal(page: Page, who: DemoUser) {
  await signIn(page, who);
  await goTo(page, "Journal");
  await expect(page.getByRole("heading", { name: "My journal" })).toBeVisible();
}

const synced = (page: Page) => expect(page.getByRole("status").filter({ hasText: /Last synced/ })).toBeVisible({ timeout: 20_000 });

async function newEntry(page: Page, title: string, body: string) {
  await page.getByRole("button", { name: "New entry" }).click();
  await expect(page.getByLabel("Title", { exact: true })).toBeVisible();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Your entry").fill(body);
  await page.getByLabel("Title", { exact: true }).focus(); // blur saves at once
  await expect(page.getByText("Saved on this device")).toBeVisible();
}

test("an entry written offline is still there after an offline reload and reaches another browser", async ({ page, context, browser }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await openJournal(page, sam);
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller);
  await synced(page);
  await check(page, "journal-list");
  await dark(page, "journal-list-dark");

  // The network goes; the journal still writes.
  await context.setOffline(true);
  await expect(page.getByRole("status").filter({ hasText: "Offline." }).first()).toBeVisible();
  const title = `Low tide ${Date.now()}`;
  const body = "Written on the train with no signal.\n\nThe **anchor** card asked what holds me.";
  await newEntry(page, title, body);
  await expect(page.getByText("Waiting to sync").first()).toBeVisible();
  await shots2(page, "journal-editor-offline");

  // A reload with no network: the entry is on the device.
  await page.reload();
  await expect(page.getByLabel("Your entry")).toHaveValue(body);
  await page.getByRole("link", { name: "All entries" }).click();
  const row = page.getByRole("list", { name: "Entries" }).getByRole("listitem").filter({ hasText: title });
  await expect(row.getByText("Waiting to sync")).toBeVisible();
  // Offline search finds words on the device.
  await page.getByLabel("Search my journal").fill("signal anchor");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Entries found: 1" })).toBeVisible();
  await shots2(page, "journal-list-offline");
  await page.getByLabel("Search my journal").fill("");

  // Back online: it syncs by itself.
  await context.setOffline(false);
  await expect(row.getByText("Synced")).toBeVisible({ timeout: 20_000 });
  expect((await serverEntries(page)).find((e) => e.title === title)?.body).toBe(body);

  // Another browser of the same person finds it.
  const other = await newPage(browser, desktop);
  await openJournal(other, sam);
  await expect(other.getByRole("link", { name: new RegExp(title) })).toBeVisible({ timeout: 20_000 });
  await other.getByRole("link", { name: new RegExp(title) }).click();
  await expect(other.getByLabel("Your entry")).toHaveValue(body);
  await other.getByRole("button", { name: "Preview" }).click();
  await expect(other.locator(".journal-markdown strong")).toHaveText("anchor");
  await check(other, "journal-editor-preview");
  await other.getByRole("button", { name: "Write" }).click();
  await check(other, "journal-editor");
  await dark(other, "journal-editor-dark");

  // Delete, then undo.
  await other.getByRole("button", { name: "Delete entry" }).click();
  await expect(other.getByText(`“${title}” was deleted.`)).toBeVisible();
  await shots2(other, "journal-undo");
  await other.getByRole("button", { name: "Undo" }).click();
  await expect(other.getByLabel("Your entry")).toHaveValue(body);
  await other.context().close();

  // Another person on this browser sees none of it; signing out hides it
  // and the owner finds it again, from the device, when back.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await signIn(page, maya);
  await page.goto("/journal");
  await expect(page.getByRole("heading", { name: "My journal" })).toBeVisible();
  await expect(page.getByText("No entries yet.")).toBeVisible();
  await expect(page.getByText(title)).toHaveCount(0);
  await page.getByRole("button", { name: "Sign out" }).click();
  await context.setOffline(true);
  await signInOffline(page);
  await context.setOffline(false);
  expect(errors).toEqual([]);
});

// signInOffline: Firebase needs the network to sign in, so the owner signs
// in online and the journal is then opened with the network cut: what it
// lists comes from the device.
async function signInOffline(page: Page) {
  await page.context().setOffline(false);
  await signIn(page, sam);
  await page.context().setOffline(true);
  await page.goto("/journal");
  await expect(page.getByRole("heading", { name: "My journal" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Entries" }).getByRole("listitem")).not.toHaveCount(0);
}

async function shots2(page: Page, name: string) {
  for (const viewport of [phone, desktop]) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: `test-results/${name}-en-${viewport.width}.png`, fullPage: true });
  }
  await page.setViewportSize(phone);
}

test("the same entry edited in two browsers, one offline: a clean merge, then a conflict combined by hand", async ({ page, context, browser }) => {
  test.setTimeout(150_000);
  await openJournal(page, sam);
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller);
  const title = `Two rooms ${Date.now()}`;
  const first = "The morning was quiet and the sea was calm.";
  const second = "In the evening I walked to the harbour.";
  await newEntry(page, title, `${first}\n\n${second}`);
  await synced(page);
  const other = await newPage(browser, desktop);
  await openJournal(other, sam);
  await other.getByRole("link", { name: new RegExp(title) }).click();
  await expect(other.getByLabel("Your entry")).toHaveValue(`${first}\n\n${second}`);

  // Different paragraphs: both edits stay.
  await context.setOffline(true);
  await page.getByLabel("Your entry").fill(`${first} Gulls overhead.\n\n${second}`);
  await page.getByLabel("Title", { exact: true }).focus();
  await expect(page.getByText("Saved on this device")).toBeVisible();
  await other.getByLabel("Your entry").fill(`${first}\n\n${second} The boats were in.`);
  await other.getByLabel("Title", { exact: true }).focus();
  await serverHas(other, title, "The boats were in.");
  await context.setOffline(false);
  const merged = `${first} Gulls overhead.\n\n${second} The boats were in.`;
  await expect(page.getByLabel("Your entry")).toHaveValue(merged, { timeout: 20_000 });
  await expect(page.locator(".journal-editor-head").getByText("Synced")).toBeVisible();

  // The same sentence changed on both: two versions.
  await other.getByRole("button", { name: "Sync now" }).click();
  await expect(other.getByLabel("Your entry")).toHaveValue(merged, { timeout: 20_000 });
  await context.setOffline(true);
  await page.getByLabel("Your entry").fill(merged.replace("the sea was calm", "the sea was wild and loud"));
  await page.getByLabel("Title", { exact: true }).focus();
  await expect(page.getByText("Saved on this device")).toBeVisible();
  await other.getByLabel("Your entry").fill(merged.replace("the sea was calm", "the sea was grey and still"));
  await other.getByLabel("Title", { exact: true }).focus();
  await serverHas(other, title, "grey and still");
  await context.setOffline(false);
  await expect(page.locator(".journal-editor-head").getByText("Two versions")).toBeVisible({ timeout: 20_000 });
  await page.getByRole("link", { name: "Compare the two versions" }).click();
  await expect(page.getByRole("heading", { name: `Two versions of “${title}”` })).toBeVisible();
  await expect(page.locator("mark.only-this").filter({ hasText: "grey" })).toBeVisible();
  await expect(page.locator("mark.only-that").filter({ hasText: "wild" })).toBeVisible();
  await check(page, "journal-conflict");
  await dark(page, "journal-conflict-dark");
  await page.getByRole("button", { name: "Combine them" }).click();
  const combined = merged.replace("the sea was calm", "the sea was grey, then wild and loud");
  await page.getByLabel("The combined text (edit as you like)").fill(combined);
  await shots2(page, "journal-combine");
  await page.getByRole("button", { name: "Save the combined text" }).click();
  await expect(page.getByLabel("Your entry")).toHaveValue(combined);
  await expect(page.locator(".journal-editor-head").getByText("Synced")).toBeVisible({ timeout: 20_000 });
  await other.getByRole("button", { name: "Sync now" }).click();
  await expect(other.getByLabel("Your entry")).toHaveValue(combined, { timeout: 20_000 });
  const server = (await serverEntries(page)).find((e) => e.title === title);
  expect(server?.body).toBe(combined);
  await other.context().close();
});

test("in a live session a participant writes a compact note, private by default", async ({ page, browser }) => {
  test.setTimeout(180_000);
  await page.setViewportSize(desktop);
  await signIn(page, maya);
  const session = await api(page, "POST", "/sessions/v1/sessions", {
    journey_id: demoJourney,
    title: `Journal circle ${Date.now()}`,
    start_at: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
    time_zone: "Europe/Madrid",
  });
  expect(session.status, JSON.stringify(session.body)).toBe(201);
  const id = session.body.id as string;
  expect((await api(page, "POST", `/sessions/v1/sessions/${id}/invitations`, { emails: [sam.email] })).status).toBe(200);
  const samPage = await newPage(browser, phone);
  await samPage.goto((await sessionInvitation(page, sam.email, id)).href);
  await signIn(samPage, sam, { here: true });
  await samPage.getByRole("button", { name: "Accept and join" }).click();
  await expect(samPage).toHaveURL(new RegExp(`/sessions/${id}/live$`));
  expect((await api(page, "POST", `/sessions/v1/sessions/${id}/start`, {})).status).toBe(200);

  const panel = samPage.getByRole("region", { name: "My journal" });
  await expect(panel).toBeVisible({ timeout: 30_000 });
  await panel.getByRole("button", { name: "Write a note" }).click();
  const note = "The card showed an open door. I want to walk through it.";
  await panel.getByLabel("Your note").fill(note);
  await expect(panel.getByRole("checkbox", { name: "Share with the facilitator of this session" })).not.toBeChecked();
  await expect(panel.getByText("Private: only you can read this entry.")).toBeVisible();
  await panel.getByRole("checkbox", { name: "Share with the facilitator of this session" }).focus();
  await expect(panel.getByText("Synced")).toBeVisible({ timeout: 20_000 });
  await check(samPage, "journal-compact", async () => {
    await expect(panel.or(samPage.getByRole("region", { name: "היומן שלי" })).first()).toBeVisible();
  });
  await dark(samPage, "journal-compact-dark");

  const mine = (await serverEntries(samPage)).find((e) => e.session_id === id);
  expect(mine).toMatchObject({ body: note, mode: "in_session", visibility: "private" });
  // The facilitator sees no private note.
  const shared = await api(page, "GET", `/journal/v1/sessions/${id}/entries`);
  expect(shared.status, JSON.stringify(shared.body)).toBe(200);
  expect(shared.body.entries ?? []).toEqual([]);
  await samPage.context().close();
});
