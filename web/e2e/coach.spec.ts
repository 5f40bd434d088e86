// The coach in the browser. A participant at the professional plan asks in
// Spanish about a card's theme and watches the answer stream in, in
// Spanish, with its source and the source's attribution; rates it and
// deletes the conversation. Someone whose month's answers are used up
// gets the 402 as a clear message with the date they come back, and the
// composer closes. A facilitator running a live session asks the copilot,
// accepts a card into the next draw's tray and dismisses a question; a
// second request within 30 s shows the countdown. A participant's crisis
// message in that session is answered with resources (no stars to rate)
// and the facilitator sees an alert with the name, never the text. Every
// screen is checked with axe and screenshotted in English and Hebrew at
// 360 and 1280 px (test-results/coach-<screen>-<lang>-<width>.png).
import { expect, test, type Page } from "@playwright/test";
import { check, dark, demoJourney, desktop, goTo, maya, newPage, noa, phone, sam, sessionInvitation, signIn, type DemoUser } from "./kit";

test.use({ viewport: desktop });

// ---- Helpers: the signed-in person's token and the API. ----

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

async function signedIn(page: Page, who: DemoUser) {
  await signIn(page, who);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

// useCredits asks the coach n questions through the API, one after
// another, using n of the month's answers. (The Firestore emulator's REST
// side only reads, so credits are used up the way a person would.)
async function useCredits(page: Page, conversationId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const r = await api(page, "POST", `/coach/v1/conversations/${conversationId}/ask`, { text: `What does the anchor card ask of me today? (${i + 1})`, lang: "en" });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}

// events parses a server-sent events body into its events.
function events(body: string): { event: string; data: Record<string, unknown> }[] {
  return body
    .split(/\r?\n\r?\n/)
    .filter((b) => b.trim())
    .map((b) => {
      const lines = b.split(/\r?\n/);
      const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim() ?? "message";
      const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n");
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

// recordStreams keeps, in the page, a copy of every piece of a coach-stream
// answer's body as the app's reader receives it.
async function recordStreams(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { ssePieces: string[] };
    w.ssePieces = [];
    const original = window.fetch.bind(window);
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await original(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (!/\/coach-stream\//.test(url) || !res.body) return res;
      const [app, copy] = res.body.tee();
      void (async () => {
        const reader = copy.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          w.ssePieces.push(decoder.decode(value, { stream: true }));
        }
      })();
      return new Response(app, { status: res.status, statusText: res.statusText, headers: res.headers });
    };
  });
}

// watchStream records, in the page, each text the answer being written
// shows, and how many tokens it had then.
async function watchStream(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { streamed: { tokens: number; text: string }[] };
    w.streamed = [];
    const look = () => {
      const b = document.querySelector<HTMLElement>(".coach-bubble.streaming");
      const text = b?.textContent ?? "";
      if (b && text && w.streamed.at(-1)?.text !== text) w.streamed.push({ tokens: Number(b.dataset.tokens ?? 0), text });
    };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

async function streamed(page: Page): Promise<{ tokens: number; text: string }[]> {
  return page.evaluate(() => (window as unknown as { streamed: { tokens: number; text: string }[] }).streamed);
}

const composer = (page: Page) => page.locator("#coach-question");

// ---- A participant asks in Spanish. ----

test("a participant asks in Spanish: the answer streams in with its attributed source; a rating; the conversation deleted", async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await recordStreams(page);
  await signedIn(page, sam); // professional: attributed items are open to him
  await goTo(page, "Coach");
  await expect(page).toHaveURL(/\/coach$/);
  await expect(page.getByRole("heading", { name: "New conversation", level: 1 })).toBeVisible();
  // What the coach sees is said before the first question.
  const notice = page.locator("details.coach-notice");
  await expect(notice).toHaveAttribute("open", "");
  await expect(notice.getByText("It never sees email addresses, phone numbers")).toBeVisible();
  await expect(page.getByRole("switch", { name: "Remember my earlier conversations" })).toHaveAttribute("aria-checked", "false");
  // The memory switch is the coach_memory consent: turned on here, with a
  // receipt as on the privacy page, and off again as easily.
  const memory = page.getByRole("switch", { name: "Remember my earlier conversations" });
  await memory.click();
  await expect(memory).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("status").filter({ hasText: "Coach memory is on. A receipt was added to its history." })).toBeVisible();
  await expect(notice.getByText("it also sees your earlier conversations")).toBeVisible();
  const receipts = await api(page, "GET", "/consent/v1/me/receipts");
  expect((receipts.body.receipts as { purpose: string; decision: string }[]).filter((r) => r.purpose === "coach_memory").map((r) => r.decision)).toEqual(["grant"]);
  await memory.click();
  await expect(memory).toHaveAttribute("aria-checked", "false");
  await expect(page.getByRole("status").filter({ hasText: "Coach memory is off." })).toBeVisible();
  await expect(notice.getByText("It does not see your earlier conversations")).toBeVisible();
  await expect(page.getByText(/of 500 used/)).toBeVisible();
  await check(page, "coach-new", async () => {
    await expect(page.getByRole("switch")).toBeVisible();
  });
  await dark(page, "coach-new-dark");

  // Spanish, then a question about a card's theme.
  await page.locator("header select").selectOption("es");
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(page.getByRole("heading", { name: "Nueva conversación", level: 1 })).toBeVisible();
  await watchStream(page);
  // The browser asks the coach-stream service itself, not through Hosting.
  const stream = page.waitForResponse((r) => /\/coach-stream\/v1\/conversations\/[^/]+\/ask$/.test(r.url()) && r.request().method() === "POST");
  const question = "¿Qué me enseña un faro en la niebla sobre la esperanza cuando no veo el camino?";
  await composer(page).fill(question);
  // Shift+Enter is a new line, not a send.
  await composer(page).press("Shift+Enter");
  await expect(composer(page)).toHaveValue(question + "\n");
  await expect(page.locator("#coach-question-count")).toHaveText(new RegExp(`^${question.length + 1} / 2[.,\\s\u202f]?000$`));
  await composer(page).press("Enter");
  await expect(page).toHaveURL(/\/coach\/[\w-]+$/, { timeout: 15_000 });
  const answer = page.locator(".coach-msg.from-coach").last();
  await expect(answer.locator(".coach-bubble:not(.streaming)")).toBeVisible({ timeout: 30_000 });

  // The answer came token by token: start, separate token events that add
  // up to the stored answer, done. (Locally the model answers at once, so
  // the page may show the tokens together; it shows each piece it got.)
  const res = await stream;
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toMatch(/^text\/event-stream/);
  let body = "";
  await expect(async () => {
    body = (await page.evaluate(() => (window as unknown as { ssePieces: string[] }).ssePieces)).join("");
    expect(body).toContain("event: done");
  }).toPass({ timeout: 5_000 });
  const got = events(body);
  expect(got.map((e) => e.event)).toEqual(["start", ...got.slice(1, -1).map(() => "token"), "done"]);
  const tokens = got.filter((e) => e.event === "token").map((e) => String(e.data.text));
  expect(tokens.length, "token events").toBeGreaterThanOrEqual(2);
  const stored = got.at(-1)!.data.answer as { id: string; text: string; sources?: { item_id: string; title: string }[] };
  expect(tokens.join("")).toBe(stored.text);
  const seen = await streamed(page);
  expect(seen.length, "the page showed the answer being written").toBeGreaterThanOrEqual(1);
  // The answer as stored, each [source: ID] shown as its source's title, linked.
  const titles = new Map((stored.sources ?? []).map((x) => [x.item_id, x.title]));
  const cited = [...stored.text.matchAll(/\[source:\s*([\w-]+)\s*\]/g)].map((m) => m[1]).filter((x) => titles.has(x));
  const shown = stored.text.replace(/\[source:\s*([\w-]+)\s*\]/g, (_, x: string) => titles.get(x) ?? "");
  const finalText = (await answer.locator(".coach-bubble > p").allTextContents()).join("\n\n");
  const squash = (v: string) => v.replace(/\s+/g, " ").trim();
  expect(squash(finalText)).toBe(squash(shown));
  for (const x of cited) await expect(answer.locator(`.coach-cite[href="/library/${x}"]`).first()).toHaveText(titles.get(x)!);
  // In Spanish, with the card it drew on and that card's attribution as given.
  expect(finalText).toMatch(/[¿¡]|\b(que|la|el|de|en|tu|una)\b/);
  await expect(answer.getByText("Inspirado en")).toBeVisible();
  await expect(answer.getByRole("link", { name: "Faro en la niebla" }).first()).toHaveAttribute("href", "/library/tw-photo-24");
  const conversationId = page.url().split("/").pop()!;
  const thread = await api(page, "GET", `/coach/v1/conversations/${conversationId}`);
  const sources = (thread.body.messages as { id: string; sources?: { item_id: string; attribution: string }[] }[]).find((m) => m.id === stored.id)!.sources!;
  const attribution = sources.find((x) => x.item_id === "tw-photo-24")?.attribution ?? "";
  expect(attribution, "the professional card names its source").not.toBe("");
  await expect(answer.locator(".coach-sources .coach-attribution").getByText(attribution, { exact: true })).toBeVisible();
  // Screen readers hear the finished answer once, whole.
  await expect(page.locator("[aria-live=polite]").filter({ hasText: "El coach respondió:" })).toHaveCount(1);
  // The month's count went up.
  await expect(page.getByText(/de 500 usadas/)).toBeVisible();
  await page.locator("details.coach-notice > summary").click();
  await check(page, "coach-answer", async () => {
    await expect(answer.locator(".coach-sources a").first()).toBeVisible();
  });
  await dark(page, "coach-answer-dark");

  // Four stars and a reason; shown as given once sent.
  await answer.getByRole("radio", { name: "4 of 5" }).check();
  await answer.getByLabel("What made it so? (optional)").fill("La imagen del faro me ayudó");
  await answer.getByRole("button", { name: "Send rating" }).click();
  await expect(answer.getByText("You rated this answer 4 of 5.")).toBeAttached();
  await expect(answer.getByText("La imagen del faro me ayudó")).toBeVisible();
  await expect(answer.getByRole("button", { name: "Change my rating" })).toBeVisible();
  // Stored: a reload shows it too.
  await page.reload();
  await expect(page.locator(".coach-msg.from-coach").last().getByText("You rated this answer 4 of 5.")).toBeAttached();
  await check(page, "coach-rated");

  // Deleted, after a confirmation: gone from the list and its address.
  const list = page.getByRole("navigation", { name: "My conversations" });
  const title = question.slice(0, 40);
  await expect(list.getByRole("listitem").filter({ hasText: title })).toHaveCount(1);
  const head = page.locator(".coach-chat-head");
  await head.getByRole("button", { name: /^Delete the conversation “¿Qué me enseña/ }).click();
  await expect(head.getByText("Delete this conversation and all its messages?")).toBeVisible();
  await check(page, "coach-delete", async () => {
    await expect(page.locator(".coach-chat-head .coach-confirm")).toBeVisible();
  });
  await head.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page).toHaveURL(/\/coach$/);
  await expect(page.getByRole("heading", { name: "New conversation", level: 1 })).toBeVisible();
  await expect(list.getByRole("listitem").filter({ hasText: title })).toHaveCount(0);
  const gone = await api(page, "GET", `/coach/v1/conversations/${conversationId}`);
  expect(gone.status).toBe(404);
  expect(errors).toEqual([]);
});

// ---- Credits used up. ----

test("with the month's answers used up, the 402 says when they come back and the composer closes", async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.setViewportSize(phone);
  await signedIn(page, noa); // free: 50 answers a month
  await page.locator("header select").selectOption("en");
  const conv = await api(page, "POST", "/coach/v1/conversations", { lang: "en" });
  expect(conv.status, JSON.stringify(conv.body)).toBe(201);
  await useCredits(page, conv.body.id, 40);
  await page.goto("/coach");
  // 40 of 50: the meter warns.
  await expect(page.getByText("40 of 50 used")).toBeVisible();
  await expect(page.locator(".coach-credits.warning")).toBeVisible();
  await expect(page.getByText(/You have used most of this month's answers/)).toBeVisible();
  await check(page, "coach-credits-warning");

  // Used up while the page is open: the next question gets the 402.
  await useCredits(page, conv.body.id, 10);
  await composer(page).fill("What does the anchor card ask of me?");
  await composer(page).press("Enter");
  const out = page.getByRole("alert").filter({ hasText: "You have used all 50 coach answers for this month." });
  await expect(out).toBeVisible({ timeout: 15_000 });
  const now = new Date();
  const resets = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 12));
  await expect(out).toContainText(new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "Europe/Madrid" }).format(resets));
  await expect(composer(page)).toBeDisabled();
  await expect(composer(page)).toHaveValue("What does the anchor card ask of me?");
  await check(page, "coach-credits-out", async (lang) => {
    await expect(composer(page)).toBeDisabled();
    if (lang === "he") await expect(page.locator(".coach-credits-out")).toContainText("ניצלת");
  });
  // Nothing was stored or charged.
  const config = await api(page, "GET", "/coach/v1/config");
  expect(config.body.credits).toMatchObject({ used: 50, remaining: 0 });
  expect(errors).toEqual([]);
});

// ---- The facilitator's copilot and support alerts. ----

test("a facilitator asks the copilot in a live session: a card into the tray, a question dismissed, the countdown; a participant's crisis raises an alert", async ({ page, browser }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signedIn(page, maya);
  const title = `Copilot circle ${Date.now()}`;
  const session = await api(page, "POST", "/sessions/v1/sessions", {
    journey_id: demoJourney,
    title,
    start_at: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
    time_zone: "Europe/Madrid",
  });
  expect(session.status, JSON.stringify(session.body)).toBe(201);
  const id = session.body.id as string;
  expect((await api(page, "POST", `/sessions/v1/sessions/${id}/invitations`, { emails: [sam.email] })).status).toBe(200);

  // Sam joins from his invitation.
  const samPage = await newPage(browser, phone);
  samPage.on("pageerror", (e) => errors.push(`sam: ${e.message}`));
  await samPage.goto((await sessionInvitation(page, sam.email, id)).href);
  await signIn(samPage, sam, { here: true });
  await samPage.getByRole("button", { name: "Accept and join" }).click();
  await expect(samPage).toHaveURL(new RegExp(`/sessions/${id}/live$`));

  // Live: the copilot is in the control view.
  expect((await api(page, "POST", `/sessions/v1/sessions/${id}/start`, {})).status).toBe(200);
  await page.goto(`/sessions/${id}/control`);
  const copilot = page.getByRole("region", { name: "Copilot" });
  await expect(copilot.getByText("never what participants write")).toBeVisible();
  await copilot.getByRole("button", { name: "Suggest" }).click();
  await expect(copilot.getByRole("heading", { name: "Why these" })).toBeVisible({ timeout: 30_000 });
  const cards = copilot.locator(".copilot-cards > li");
  await expect(cards).toHaveCount(3);
  await expect(copilot.locator(".copilot-questions > li")).toHaveCount(2);
  // Until a fresh suggestion may be asked, the button waits and says how long.
  await expect(copilot.getByRole("button", { name: "Suggest" })).toBeDisabled();
  await expect(copilot.getByText(/Next suggestion in 0:[0-3]\d/)).toBeVisible();

  // The first card accepted: it waits in the tray.
  const first = (await cards.first().locator(".coach-card-title").textContent())!;
  await cards.first().getByRole("button", { name: `Accept ${first}` }).click();
  await expect(cards.first().getByText("Accepted")).toBeVisible();
  const tray = copilot.getByRole("region", { name: "Next draw" });
  await expect(tray.getByText(first)).toBeVisible();
  await expect(tray.getByRole("button", { name: "Open a draw with these" })).toBeVisible();
  // The second question dismissed.
  const q = copilot.locator(".copilot-questions > li").nth(1);
  await q.getByRole("button", { name: "Dismiss" }).click();
  await expect(q.getByText("Dismissed")).toBeVisible();
  await check(page, "coach-copilot", async () => {
    await expect(page.locator(".copilot-cards > li")).toHaveCount(3);
  });
  await dark(page, "coach-copilot-dark");

  // Asked again within 30 s (after a reload): the same suggestion, and the countdown.
  const shown = await copilot.locator(".copilot-cards .coach-card-title").allTextContents();
  await page.reload();
  await copilot.getByRole("button", { name: "Suggest" }).click();
  await expect(copilot.getByText(/Next suggestion in 0:[0-2]\d/)).toBeVisible();
  expect(await copilot.locator(".copilot-cards .coach-card-title").allTextContents()).toEqual(shown);
  // The tray kept its card over the reload.
  await expect(copilot.getByRole("region", { name: "Next draw" }).getByText(first)).toBeVisible();

  // One card is not enough for a draw: the draw form takes it, and says so.
  await copilot.getByRole("button", { name: "Open a draw with these" }).click();
  const chosen = page.getByRole("group", { name: "Cards from the copilot" });
  await expect(chosen.getByText(first)).toBeVisible();
  await expect(chosen.getByText("A draw needs at least 2 cards.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Start the draw" })).toBeDisabled();
  await chosen.getByRole("button", { name: "Use a deck instead" }).click();
  await expect(page.getByLabel("Deck")).toBeVisible();

  // Sam, in the session, writes something that sounds like a crisis.
  const alerts = page.getByRole("region", { name: "Support alerts" });
  await expect(alerts.getByText("No alerts.")).toBeVisible();
  await samPage.getByRole("link", { name: "Talk with the coach" }).click();
  await expect(samPage).toHaveURL(new RegExp(`/coach\\?session=${id}$`));
  await expect(samPage.getByText("In a live session")).toBeVisible();
  await samPage.locator("#coach-question").fill("I want to end my life, I can't go on");
  await samPage.locator("#coach-question").press("Enter");
  const escalation = samPage.locator(".coach-escalation");
  await expect(escalation).toBeVisible({ timeout: 30_000 });
  await expect(escalation.getByText("You deserve support from a person right now")).toBeVisible();
  await expect(escalation.locator("a[href^='tel:'], a[href^='sms:'], a[href^='https:']").first()).toBeVisible();
  // No stars to rate an escalation.
  await expect(samPage.locator(".coach-msg.from-coach").last().locator(".coach-stars")).toHaveCount(0);
  await check(samPage, "coach-escalation", async () => {
    await expect(samPage.locator(".coach-escalation")).toBeVisible();
  });

  // The facilitator sees who, never what, within the 15 s poll.
  const alert = alerts.getByRole("listitem").filter({ hasText: `A participant may need support: ${sam.display_name}` });
  await expect(alert).toBeVisible({ timeout: 25_000 });
  await expect(alerts).not.toContainText("end my life");
  await check(page, "coach-alerts", async () => {
    await expect(page.locator(".support-alert")).toHaveCount(1);
  });
  await alert.getByRole("button", { name: `Acknowledge the alert for ${sam.display_name}` }).click();
  await expect(alert.getByText("Acknowledged")).toBeVisible();
  await samPage.context().close();
  expect(errors).toEqual([]);
});
