// The live canvas in the browser. Two people on one canvas see each
// other's edits and cursors within 200 ms; a viewer cannot edit (the
// screen is read-only and an op forced through the socket is refused); a
// private canvas is absent for anyone else, in the list and at its
// address; an export downloads; frame times stay smooth while many remote
// changes arrive; restoring a version brings the earlier state back for
// everyone; the session's facilitator brings everyone to her view and
// leads it, and nobody else can. Every screen is checked with axe and
// screenshotted in English and Hebrew at 360 and 1280 px.
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { check, dark, demoJourney, desktop, firebaseInit, ines, maya, newPage, noa, noSeriousViolations, phone, sam, shots, signIn, type DemoUser } from "./kit";

test.use({ viewport: desktop });

// ---- Helpers: the signed-in person's token, the canvas API, the socket. ----

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

async function uidOf(page: Page): Promise<string> {
  const me = await api(page, "GET", "/accounts/v1/me");
  expect(me.status).toBe(200);
  return me.body.uid as string;
}

async function signedIn(page: Page, who: DemoUser) {
  await signIn(page, who);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

// createCanvas makes a canvas through the list's form and opens it.
async function createCanvas(page: Page, title: string, visibility: "private" | "shared") {
  await page.goto("/canvas");
  await expect(page.getByRole("heading", { name: "Canvases", level: 1 })).toBeVisible();
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Who can see it").selectOption(visibility);
  await page.getByRole("button", { name: "Create canvas" }).click();
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await live(page);
  const id = /\/canvas\/([^/?#]+)$/.exec(page.url())?.[1];
  expect(id).toBeTruthy();
  return id!;
}

async function live(page: Page) {
  await expect(page.locator(".cv-conn")).toHaveText("Live", { timeout: 15_000 });
}

const surface = (page: Page) => page.getByRole("region", { name: /^Canvas “/ });
const elementsList = (page: Page) => page.getByRole("list", { name: /^Elements on the canvas/ });

// at clicks the surface at (x, y) from its top-left corner.
async function at(page: Page, x: number, y: number) {
  const box = (await surface(page).boundingBox())!;
  await page.mouse.click(box.x + x, box.y + y);
}

// watch records, in the page, when the element list first contains text
// (Date.now(), the same clock as every page of this machine).
async function watchList(page: Page, text: string) {
  await page.evaluate((text) => {
    const w = window as unknown as { seen?: Record<string, number> };
    w.seen ??= {};
    const list = document.querySelector('ul[aria-label^="Elements on the canvas"]')!;
    const look = () => {
      if (!w.seen![text] && list.textContent?.includes(text)) w.seen![text] = Date.now();
    };
    new MutationObserver(look).observe(list, { childList: true, subtree: true, characterData: true });
    look();
  }, text);
}

async function seenAt(page: Page, key: string): Promise<number> {
  let t = 0;
  await expect(async () => {
    t = await page.evaluate((k) => (window as unknown as { seen?: Record<string, number> }).seen?.[k] ?? 0, key);
    expect(t, `seen ${key}`).toBeGreaterThan(0);
  }).toPass({ timeout: 10_000, intervals: [20, 50, 100] });
  return t;
}

// watchCursor records when someone's cursor is shown at world (x, y).
async function watchCursor(page: Page, uid: string, x: number, y: number) {
  const key = `cursor:${uid}:${x}:${y}`;
  await page.evaluate(
    ({ uid, x, y, key }) => {
      const w = window as unknown as { seen?: Record<string, number> };
      w.seen ??= {};
      const root = document.querySelector(".cv-surface")!;
      const look = () => {
        const c = root.querySelector<HTMLElement>(`.cv-cursor[data-uid="${uid}"]`);
        if (!w.seen![key] && c && Math.abs(Number(c.dataset.x) - x) < 1.5 && Math.abs(Number(c.dataset.y) - y) < 1.5) w.seen![key] = Date.now();
      };
      new MutationObserver(look).observe(root, { childList: true, subtree: true, attributes: true });
      look();
    },
    { uid, x, y, key },
  );
  return key;
}

function median(v: number[]) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// rawSocket opens the gateway's socket from the page as the signed-in
// person and runs frames through it, returning every frame received.
async function rawSocket(page: Page, frames: Record<string, unknown>[], waitMs = 1500): Promise<Record<string, unknown>[]> {
  const tk = await token(page);
  const cfg = await api(page, "GET", "/canvas/v1/config");
  expect(cfg.status).toBe(200);
  return page.evaluate(
    ({ url, tk, frames, waitMs }) =>
      new Promise<Record<string, unknown>[]>((resolve) => {
        const got: Record<string, unknown>[] = [];
        const ws = new WebSocket(url.replace(/^http/, "ws"));
        ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: tk }));
        ws.onmessage = (e) => {
          const f = JSON.parse(e.data);
          got.push(f);
          if (f.type === "ready") {
            let i = 0;
            const next = () => {
              if (i < frames.length) {
                ws.send(JSON.stringify(frames[i++]));
                setTimeout(next, 150);
              } else setTimeout(() => (ws.close(), resolve(got)), waitMs);
            };
            next();
          }
        };
        ws.onclose = () => resolve(got);
      }),
    { url: cfg.body.realtime_url as string, tk, frames, waitMs },
  );
}

// elementId is the id of the element whose description contains text.
async function elementId(page: Page, text: string): Promise<string> {
  const li = elementsList(page).locator("li", { hasText: text });
  await expect(li).toHaveCount(1);
  return (await li.getAttribute("data-element"))!;
}

// stored waits until the gateway has written each element document as
// given (its text, or deleted): element documents are written at most once
// a second, and versions are taken from them.
async function stored(page: Page, canvasId: string, want: Record<string, string | { deleted: true }>) {
  const host = process.env.STUDIO_FIRESTORE_EMULATOR_HOST;
  expect(host, "the suite names its Firestore emulator").toBeTruthy();
  const { projectId } = await firebaseInit(page.request);
  await expect(async () => {
    for (const [eid, w] of Object.entries(want)) {
      const res = await page.request.get(
        `http://${host}/v1/projects/${projectId}/databases/(default)/documents/orgs/org-lumen/canvases/${canvasId}/elements/${eid}`,
        { headers: { Authorization: "Bearer owner" } },
      );
      expect(res.status(), `element ${eid} stored`).toBe(200);
      const props = (await res.json()).fields?.props?.mapValue?.fields ?? {};
      if (typeof w === "string") {
        expect(props.text?.stringValue, `element ${eid}'s text`).toBe(w);
        expect(props.deleted?.booleanValue ?? false, `element ${eid} live`).toBe(false);
      } else expect(props.deleted?.booleanValue ?? false, `element ${eid} deleted`).toBe(true);
    }
  }).toPass({ timeout: 10_000 });
}

// note writes a sticky note at (x, y) of the surface.
async function note(page: Page, x: number, y: number, text: string) {
  await page.keyboard.press("n");
  await at(page, x, y);
  const editor = page.getByRole("textbox", { name: "Text" });
  await expect(editor).toBeFocused();
  await editor.fill(text);
  await editor.press("Control+Enter");
  await expect(elementsList(page)).toContainText(text);
}

// view is the world point at the centre of the surface and the zoom, as
// the surface's grid shows them (it moves and scales with the view).
async function view(page: Page) {
  return surface(page).evaluate((el: HTMLElement) => {
    const [bx, by] = el.style.backgroundPosition.split(" ").map(parseFloat);
    const zoom = parseFloat(el.style.backgroundSize) / 24;
    return { x: (el.clientWidth / 2 - bx) / zoom, y: (el.clientHeight / 2 - by) / zoom, zoom };
  });
}

async function sameView(follower: Page, leader: Page) {
  await expect(async () => {
    const [f, l] = [await view(follower), await view(leader)];
    expect(Math.abs(f.zoom - l.zoom), `zoom ${f.zoom} vs ${l.zoom}`).toBeLessThan(0.001);
    expect(Math.hypot(f.x - l.x, f.y - l.y), `centre (${f.x}, ${f.y}) vs (${l.x}, ${l.y})`).toBeLessThan(1);
  }).toPass({ timeout: 5_000 });
}

// worldAt is the world point at (x, y) of the surface.
async function worldAt(page: Page, x: number, y: number) {
  const v = await view(page);
  const box = (await surface(page).boundingBox())!;
  // The surface's border is 1 px; the view starts inside it.
  return { x: v.x + (x - 1 - (box.width - 2) / 2) / v.zoom, y: v.y + (y - 1 - (box.height - 2) / 2) / v.zoom };
}

// drag pans the view by dragging the empty surface from (x, y).
async function drag(page: Page, x: number, y: number, dx: number, dy: number) {
  const box = (await surface(page).boundingBox())!;
  await page.mouse.move(box.x + x, box.y + y);
  await page.mouse.down();
  await page.mouse.move(box.x + x + dx, box.y + y + dy, { steps: 6 });
  await page.mouse.up();
}

// phoneAxe runs axe on the page at phone width too (tools show as icons there).
async function phoneAxe(page: Page) {
  const before = page.viewportSize();
  await page.setViewportSize(phone);
  await expect(surface(page)).toBeVisible();
  await noSeriousViolations(page);
  if (before) await page.setViewportSize(before);
}

// ---- The tests. ----

test("two people on one canvas see each other's edits and cursors within 200 ms; share, versions, export", async ({ page, browser }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signedIn(page, maya);
  await page.goto("/canvas");
  await expect(page.getByRole("heading", { name: "Canvases", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "Canvas", exact: true })).toBeVisible();
  const id = await createCanvas(page, "Tides board", "shared");
  await expect(page.getByText(/Nothing here yet/)).toBeVisible();

  // Sam, in another browser, gets edit rights and opens the canvas.
  const other = await newPage(browser, desktop);
  other.on("pageerror", (e) => errors.push(e.message));
  await signedIn(other, sam);
  const samUid = await uidOf(other);
  const mayaUid = await uidOf(page);
  expect((await api(page, "PUT", `/canvas/v1/canvases/${id}/shares/${samUid}`, { role: "editor" })).status).toBe(200);
  await other.goto(`/canvas/${id}`);
  await expect(other.getByRole("heading", { name: "Tides board", level: 1 })).toBeVisible();
  await live(other);
  await expect(other.locator(".cv-title .badge")).toHaveText("Can edit");

  // Edits: a note made and written by one shows at the other's.
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const text = `Idea number ${i + 1}`;
    await watchList(other, text);
    await page.keyboard.press("n");
    await at(page, 80 + i * 210, 120);
    const editor = page.getByRole("textbox", { name: "Text" });
    await expect(editor).toBeFocused();
    await editor.fill(text);
    const sent = await page.evaluate(() => Date.now());
    await editor.press("Control+Enter");
    delays.push((await seenAt(other, text)) - sent);
  }
  // And back: Sam's text shows at Maya's.
  for (let i = 0; i < 3; i++) {
    const text = `Reply ${i + 1}`;
    await watchList(page, text);
    await other.keyboard.press("t");
    await at(other, 120 + i * 250, 380);
    const editor = other.getByRole("textbox", { name: "Text" });
    await editor.fill(text);
    const sent = await other.evaluate(() => Date.now());
    await editor.press("Enter");
    delays.push((await seenAt(page, text)) - sent);
  }
  console.log(`canvas edit delays (ms): ${delays.join(", ")}; median ${median(delays)}`);
  expect(median(delays)).toBeLessThan(200);

  // Cursors: Maya's pointer shows at Sam's with her name.
  const cursorDelays: number[] = [];
  const box = (await surface(page).boundingBox())!;
  for (let i = 0; i < 5; i++) {
    // The view starts at (40, 40), zoom 1: a screen offset maps to a world point.
    const sx = 300 + i * 37,
      sy = 260 + i * 11;
    const key = await watchCursor(other, mayaUid, sx - 40, sy - 40);
    const sent = await page.evaluate(() => Date.now());
    await page.mouse.move(box.x + sx, box.y + sy);
    cursorDelays.push((await seenAt(other, key)) - sent);
    await page.waitForTimeout(60); // the next move is not throttled
  }
  console.log(`canvas cursor delays (ms): ${cursorDelays.join(", ")}; median ${median(cursorDelays)}`);
  expect(median(cursorDelays)).toBeLessThan(200);
  await expect(other.locator(`.cv-cursor[data-uid="${mayaUid}"] .cv-cursor-name`)).toHaveText(maya.display_name);
  // Presence lists both.
  await expect(page.getByRole("list", { name: "Here now: 2" })).toBeVisible();

  // Delete, then undo: the note goes and comes back at the other's.
  await page.keyboard.press("v");
  await at(page, 130, 170); // inside the first note
  await page.keyboard.press("Delete");
  await expect(elementsList(other)).not.toContainText("Idea number 1");
  await page.keyboard.press("Control+z");
  await expect(elementsList(other)).toContainText("Idea number 1");

  // More kinds of element: a shape, a frame, a drawing and a connector.
  await page.keyboard.press("s");
  await at(page, 500, 420);
  await page.keyboard.press("f");
  await at(page, 820, 330);
  await page.keyboard.press("Escape"); // leave the frame's title as it is
  await page.keyboard.press("p");
  await page.mouse.move(box.x + 700, box.y + 200);
  await page.mouse.down();
  for (let k = 1; k <= 12; k++) await page.mouse.move(box.x + 700 + k * 8, box.y + 200 + Math.sin(k / 2) * 25);
  await page.mouse.up();
  await page.keyboard.press("c");
  await at(page, 150, 180);
  await at(page, 360, 180);
  // A card from the library, through the picker.
  await page.getByRole("toolbar").getByRole("button", { name: "Card" }).click();
  const picker = page.getByRole("dialog", { name: "Add a card from the library" });
  await expect(picker.getByRole("list", { name: "Add a card from the library" }).getByRole("button").first()).toBeVisible();
  await noSeriousViolations(page);
  await picker.getByRole("list", { name: "Add a card from the library" }).getByRole("button").first().click();
  await expect(picker).toHaveCount(0);
  await expect(elementsList(other)).toContainText("Card");
  await expect(elementsList(other)).toContainText("Connector");
  await expect(elementsList(other)).toContainText("Drawing");
  await expect(elementsList(other)).toContainText("Shape");
  // Sam's pointer on Maya's screen for the screenshots.
  const obox = (await surface(other).boundingBox())!;
  await other.mouse.move(obox.x + 640, obox.y + 300);
  await expect(page.locator(`.cv-cursor[data-uid="${samUid}"]`)).toBeVisible();
  await check(page, "canvas-board", async () => {
    await expect(page.locator(".cv-conn")).toBeVisible();
  });
  await dark(page, "canvas-board-dark");
  await page.getByRole("button", { name: "Fit" }).click();
  await page.keyboard.press("Escape");
  const before = await elementsList(other).locator("li").count();

  // The share dialog (only the owner has it).
  await expect(other.getByRole("button", { name: "Share" })).toHaveCount(0);
  for (const lang of ["en", "he"] as const) {
    await page.locator("header select").selectOption(lang);
    await page.locator(".cv-actions button").first().click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toBeVisible();
    await noSeriousViolations(page);
    await shots(page, `canvas-share-${lang}`);
    await dialog.getByRole("button").first().click();
    await expect(dialog).toHaveCount(0);
  }
  await page.locator("header select").selectOption("en");

  // Versions: a snapshot now, listed.
  await page.getByRole("button", { name: "Versions" }).click();
  await page.getByRole("button", { name: "Save a version now" }).click();
  await expect(page.getByText("Version saved.")).toBeVisible();
  await expect(page.getByRole("list", { name: "Versions" }).locator("li")).toHaveCount(1);
  await check(page, "canvas-versions", async () => {
    await expect(page.getByRole("list").filter({ has: page.locator("time") }).first()).toBeVisible();
  });
  expect(await elementsList(other).locator("li").count()).toBe(before);

  // The trash: an element taken back is listed there and restored for everyone.
  await page.getByRole("button", { name: "Close" }).click();
  const trashButton = page.getByRole("button", { name: "Trash" });
  await page.keyboard.press("Escape");
  const count = await elementsList(other).locator("li").count();
  await page.keyboard.press("Control+z"); // takes back the last change: the card
  await expect(elementsList(other).locator("li")).toHaveCount(count - 1);
  await trashButton.click();
  const trash = page.getByRole("list", { name: "Trash" });
  await expect(trash.getByText("Card")).toBeVisible();
  await trash.getByRole("button", { name: "Restore" }).first().click();
  await expect(elementsList(other).locator("li")).toHaveCount(count);
  await page.getByRole("button", { name: "Close" }).click();

  // Export: a PNG and a JSON document download.
  for (const [label, ext, magic] of [
    ["Image (PNG)", "png", "\x89PNG"],
    ["Data (JSON)", "json", "{"],
  ] as const) {
    await page.getByRole("button", { name: "Export" }).click();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: label }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`Tides board.${ext}`);
    const bytes = readFileSync((await file.path())!);
    expect(bytes.length).toBeGreaterThan(50);
    expect(bytes.subarray(0, magic.length).toString("latin1")).toBe(magic);
    if (ext === "json") expect(bytes.toString("utf8")).toContain("Idea number 3");
  }
  expect(errors).toEqual([]);
  await other.context().close();
});

test("a viewer sees the canvas read-only and the gateway refuses a forced op", async ({ page, browser }) => {
  await signedIn(page, maya);
  const id = await createCanvas(page, "Look, don't touch", "shared");
  await page.keyboard.press("n");
  await at(page, 100, 100);
  await page.getByRole("textbox", { name: "Text" }).fill("Only Maya writes here");
  await page.getByRole("textbox", { name: "Text" }).press("Control+Enter");

  const viewer = await newPage(browser, desktop);
  await signedIn(viewer, noa);
  const noaUid = await uidOf(viewer);
  expect((await api(page, "PUT", `/canvas/v1/canvases/${id}/shares/${noaUid}`, { role: "viewer" })).status).toBe(200);
  await viewer.goto(`/canvas/${id}`);
  await live(viewer);
  await expect(elementsList(viewer)).toContainText("Only Maya writes here");
  await expect(viewer.getByText("You can view this canvas. Only its editors can change it.")).toBeVisible();
  for (const tool of ["Note", "Text", "Shape", "Frame", "Pen", "Connect", "Card", "Image", "Undo", "Redo"])
    await expect(viewer.getByRole("toolbar").getByRole("button", { name: tool })).toBeDisabled();
  // Keys do nothing either.
  await viewer.keyboard.press("n");
  await at(viewer, 400, 300);
  await expect(elementsList(viewer).locator("li")).toHaveCount(1);
  await check(viewer, "canvas-viewer", async () => {
    await expect(viewer.locator(".cv-notice")).toBeVisible();
  });

  // An op forced through the socket is refused, and nothing changes.
  const frames = await rawSocket(viewer, [
    { type: "subscribe", channel: `canvas:${id}` },
    { type: "op", channel: `canvas:${id}`, op_id: "forced-1", action: "create", element_id: "forcedNote1", kind: "note", props: { x: 0, y: 0, text: "sneaky" } },
  ]);
  expect(frames.find((f) => f.type === "snapshot")?.role).toBe("viewer");
  const refused = frames.find((f) => f.type === "error" && f.op_id === "forced-1");
  expect(refused?.code).toBe("forbidden");
  expect(frames.find((f) => f.type === "ack")).toBeUndefined();
  await page.waitForTimeout(500);
  await expect(elementsList(page).locator("li")).toHaveCount(1);
  await viewer.context().close();
});

test("a private canvas is absent for anyone else: list, address and socket", async ({ page, browser }) => {
  await signedIn(page, noa);
  await page.goto("/canvas");
  const id = await createCanvas(page, "Noa's private thoughts", "private");
  await page.keyboard.press("n");
  await at(page, 100, 100);
  await page.getByRole("textbox", { name: "Text" }).fill("Just for me");
  await page.getByRole("textbox", { name: "Text" }).press("Control+Enter");
  await page.goto("/canvas");
  await expect(page.getByRole("link", { name: "Noa's private thoughts" })).toBeVisible();
  await check(page, "canvas-list", async () => {
    await expect(page.locator(".cv-grid").first()).toBeVisible();
  });

  const other = await newPage(browser, desktop);
  await signedIn(other, sam);
  await other.goto("/canvas");
  await expect(other.getByRole("heading", { name: "Shared with me" })).toBeVisible();
  await expect(other.getByText("Noa's private thoughts")).toHaveCount(0);
  await other.goto(`/canvas/${id}`);
  await expect(other.getByRole("heading", { name: "Canvas not found" })).toBeVisible();
  await expect(other.getByText("Just for me")).toHaveCount(0);
  await check(other, "canvas-notfound");
  expect((await api(other, "GET", `/canvas/v1/canvases/${id}`)).status).toBe(404);
  const frames = await rawSocket(other, [{ type: "subscribe", channel: `canvas:${id}` }]);
  expect(frames.filter((f) => f.type === "snapshot" || f.type === "op")).toEqual([]);
  expect(JSON.stringify(frames)).not.toContain("Just for me");
  expect(frames.find((f) => f.type === "error")?.code).toMatch(/forbidden|not_found/);
  await other.context().close();
});

test("frame times stay smooth while three people drive many remote changes", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signedIn(page, maya);
  const id = await createCanvas(page, "Busy board", "shared");
  const drivers: Page[] = [];
  for (const who of [sam, noa, ines]) {
    const p = await newPage(browser, desktop);
    await signedIn(p, who);
    expect((await api(page, "PUT", `/canvas/v1/canvases/${id}/shares/${await uidOf(p)}`, { role: "editor" })).status).toBe(200);
    drivers.push(p);
  }
  const cfg = await api(page, "GET", "/canvas/v1/config");
  // Each driver makes 17 notes, then moves each at 3 moves a second with
  // its cursor at 20 a second: 51 elements in motion, ~150 ops/s in all.
  const seconds = 8;
  const runs = drivers.map(async (p, d) => {
    const tk = await token(p);
    return p.evaluate(
      ({ url, tk, id, d, seconds }) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(url.replace(/^http/, "ws"));
          const channel = `canvas:${id}`;
          let sent = 0;
          ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: tk }));
          ws.onmessage = (e) => {
            const f = JSON.parse(e.data);
            if (f.type === "ready") ws.send(JSON.stringify({ type: "subscribe", channel }));
            if (f.type !== "snapshot") return;
            const ids = Array.from({ length: 17 }, (_, i) => `perf${d}x${i}${Math.random().toString(36).slice(2, 8)}`);
            ids.forEach((eid, i) =>
              ws.send(JSON.stringify({ type: "op", channel, op_id: `${eid}c`, action: "create", element_id: eid, kind: "note", props: { x: i * 60, y: d * 250, w: 120, h: 90, text: `n${i}`, color: "#ffe08a" } })),
            );
            const start = performance.now();
            let tick = 0;
            const timer = setInterval(() => {
              tick++;
              const t = (performance.now() - start) / 1000;
              ws.send(JSON.stringify({ type: "cursor", channel, x: 300 + Math.cos(t) * 200, y: 200 + d * 100 + Math.sin(t) * 100 }));
              sent++;
              if (tick % 7 === 0)
                ids.forEach((eid, i) => {
                  ws.send(JSON.stringify({ type: "op", channel, op_id: `${eid}m${tick}`, action: "update", element_id: eid, drag: true, props: { x: i * 60 + Math.sin(t + i) * 40, y: d * 250 + Math.cos(t + i) * 40 } }));
                  sent++;
                });
              if (t > seconds) {
                clearInterval(timer);
                ws.close();
                resolve(sent);
              }
            }, 50);
          };
        }),
      { url: cfg.body.realtime_url as string, tk, id, d, seconds },
    );
  });
  // Meanwhile, the page's frame times.
  await page.waitForTimeout(1500);
  const frames = await frameTimes(page, 5000);
  const sent = await Promise.all(runs);
  // The same page at rest, for comparison on this machine.
  const idle = await frameTimes(page, 3000);
  const q = (v: number[], x: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(x * v.length))];
  const count = await elementsList(page).locator("li").count();
  console.log(
    `canvas frames under remote load: ${frames.length} frames in 5 s, p50 ${q(frames, 0.5).toFixed(1)} ms, p95 ${q(frames, 0.95).toFixed(1)} ms, p99 ${q(frames, 0.99).toFixed(1)} ms; ` +
      `at rest: p50 ${q(idle, 0.5).toFixed(1)} ms, p95 ${q(idle, 0.95).toFixed(1)} ms; frames sent by drivers ${sent.join("+")}; elements shown ${count}`,
  );
  expect(count).toBe(51);
  // Grossly off only: a headless browser without GPU on a shared machine.
  expect(q(frames, 0.95)).toBeLessThan(100);
  for (const d of drivers) await d.context().close();
});

async function frameTimes(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(
    (ms) =>
      new Promise<number[]>((resolve) => {
        const d: number[] = [];
        let last = performance.now();
        const end = last + ms;
        const step = (now: number) => {
          d.push(now - last);
          last = now;
          if (now < end) requestAnimationFrame(step);
          else resolve(d);
        };
        requestAnimationFrame(step);
      }),
    ms,
  );
}

test("restoring a version brings the earlier state back for everyone; what it removes waits in the trash", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signedIn(page, maya);
  const id = await createCanvas(page, "Then and now", "shared");
  await note(page, 100, 100, "First thought");
  const first = await elementId(page, "First thought");

  const other = await newPage(browser, desktop);
  other.on("pageerror", (e) => errors.push(e.message));
  await signedIn(other, sam);
  expect((await api(page, "PUT", `/canvas/v1/canvases/${id}/shares/${await uidOf(other)}`, { role: "editor" })).status).toBe(200);
  await other.goto(`/canvas/${id}`);
  await live(other);
  await expect(elementsList(other)).toContainText("First thought");

  // A version of the canvas as it is now.
  await stored(page, id, { [first]: "First thought" });
  await page.getByRole("button", { name: "Versions" }).click();
  const versions = page.getByRole("list", { name: "Versions" });
  await page.getByRole("button", { name: "Save a version now" }).click();
  await expect(page.getByText("Version saved.")).toBeVisible();
  await expect(versions.locator("li")).toHaveCount(1);
  await expect(versions.locator("li")).toContainText("Saved by hand · Elements: 1");

  // Then Maya rewrites her note and Sam adds one.
  await at(page, 150, 150);
  await page.getByRole("button", { name: "Edit text" }).click();
  const editor = page.getByRole("textbox", { name: "Text" });
  await expect(editor).toBeFocused();
  await editor.fill("Second thought");
  await editor.press("Control+Enter");
  await note(other, 500, 300, "Sam's addition");
  const added = await elementId(other, "Sam's addition");
  for (const p of [page, other]) {
    await expect(elementsList(p)).toContainText("Second thought");
    await expect(elementsList(p)).toContainText("Sam's addition");
    await expect(elementsList(p)).not.toContainText("First thought");
  }
  await stored(page, id, { [first]: "Second thought", [added]: "Sam's addition" });

  // Maya restores the version: both see the earlier state at once.
  await versions.locator("li", { hasText: "Saved by hand" }).getByRole("button", { name: "Restore" }).click();
  await expect(page.getByText("Version restored.")).toBeVisible();
  for (const p of [page, other]) {
    await expect(elementsList(p)).toContainText("First thought");
    await expect(elementsList(p)).not.toContainText("Second thought");
    await expect(elementsList(p)).not.toContainText("Sam's addition");
    await expect(elementsList(p).locator("li")).toHaveCount(1);
  }
  // The state before the restore is kept as a version of its own.
  await expect(versions.locator("li")).toHaveCount(2);
  await expect(versions.locator("li").first()).toContainText("Before a restore · Elements: 2");
  await check(page, "canvas-restore", async () => {
    await expect(page.locator(".cv-panel .cv-list li")).toHaveCount(2);
  });
  await phoneAxe(page);

  // Sam's note went to the trash, where he finds it.
  await other.getByRole("button", { name: "Trash" }).click();
  const trash = other.getByRole("list", { name: "Trash" });
  await expect(trash.locator("li")).toHaveCount(1);
  await expect(trash).toContainText("Sticky note: Sam's addition");
  await check(other, "canvas-trash", async () => {
    await expect(other.locator(".cv-panel .cv-list li")).toHaveCount(1);
  });
  await phoneAxe(other);
  expect(errors).toEqual([]);
  await other.context().close();
});

test("the session's facilitator brings everyone to her view and leads it; nobody else can", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signedIn(page, maya);
  // A session Maya facilitates, and a canvas of it.
  const session = await api(page, "POST", "/sessions/v1/sessions", {
    journey_id: demoJourney,
    title: `Canvas circle ${Date.now()}`,
    start_at: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
    time_zone: "Europe/Madrid",
  });
  expect(session.status, JSON.stringify(session.body)).toBe(201);
  const sessionId = session.body.id as string;
  await page.goto(`/canvas?session=${sessionId}`);
  await expect(page.getByRole("heading", { name: "The session's canvases", level: 1 })).toBeVisible();
  await page.getByLabel("Title").fill("Harbour map");
  await expect(page.getByLabel("Who can see it")).toHaveValue("shared");
  await page.getByRole("button", { name: "Create canvas" }).click();
  await expect(page.getByRole("heading", { name: "Harbour map", level: 1 })).toBeVisible();
  await live(page);
  const id = /\/canvas\/([^/?#]+)$/.exec(page.url())![1];
  await note(page, 700, 300, "Look over here");
  await note(page, 120, 120, "Start");
  await expect(page.getByRole("button", { name: "Bring everyone here" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Follow me" })).toBeVisible();

  // Sam, with a share; Inès, the organisation's admin but not the session's facilitator.
  const other = await newPage(browser, desktop);
  other.on("pageerror", (e) => errors.push(e.message));
  await signedIn(other, sam);
  const admin = await newPage(browser, desktop);
  admin.on("pageerror", (e) => errors.push(e.message));
  await signedIn(admin, ines);
  expect((await api(page, "PUT", `/canvas/v1/canvases/${id}/shares/${await uidOf(other)}`, { role: "editor" })).status).toBe(200);
  expect((await api(page, "PUT", `/canvas/v1/canvases/${id}/shares/${await uidOf(admin)}`, { role: "viewer" })).status).toBe(200);
  for (const p of [other, admin]) {
    await p.goto(`/canvas/${id}`);
    await live(p);
    await expect(elementsList(p)).toContainText("Look over here");
    await expect(p.getByRole("button", { name: "Bring everyone here" })).toHaveCount(0);
    await expect(p.getByRole("button", { name: "Follow me" })).toHaveCount(0);
  }
  // Neither can lead the view through the socket either.
  for (const p of [other, admin]) {
    const frames = await rawSocket(p, [
      { type: "subscribe", channel: `canvas:${id}` },
      { type: "follow", channel: `canvas:${id}`, mode: "bring_all", viewport: { x: 0, y: 0, zoom: 1 } },
    ]);
    expect(frames.find((f) => f.type === "error")?.code).toBe("forbidden");
  }
  await admin.context().close();

  // Maya moves her view away and zooms in, then brings everyone there.
  const start = await view(other);
  await drag(page, 500, 500, -360, -180);
  await page.getByRole("button", { name: "Zoom in" }).click();
  await page.getByRole("button", { name: "Zoom in" }).click();
  await expect(page.locator(".cv-zoom-value")).toHaveText("144%");
  expect((await view(other)).zoom).toBe(start.zoom);
  await page.getByRole("button", { name: "Bring everyone here" }).click();
  await expect(other.locator(".cv-zoom-value")).toHaveText("144%");
  await sameView(other, page);
  // Once: Sam looks around on his own afterwards.
  await other.getByRole("button", { name: "Zoom out" }).click();
  await expect(other.locator(".cv-zoom-value")).toHaveText("120%");

  // Follow me: Sam's view goes wherever Maya's goes, until she stops.
  await page.getByRole("button", { name: "Follow me" }).click();
  await expect(page.getByRole("button", { name: "Stop leading" })).toHaveAttribute("aria-pressed", "true");
  await expect(other.getByText(`You are following ${maya.display_name}.`)).toBeVisible();
  await sameView(other, page);
  await page.locator(".cv-minimap").click({ position: { x: 12, y: 12 } });
  await sameView(other, page);
  await page.getByRole("button", { name: "Zoom out" }).click();
  await expect(page.locator(".cv-zoom-value")).toHaveText("120%");
  await sameView(other, page);
  await check(other, "canvas-follow", async () => {
    await expect(other.locator(".cv-notice")).toBeVisible();
  });
  await check(page, "canvas-facilitator", async () => {
    await expect(page.locator(".cv-actions button[aria-pressed='true']")).toBeVisible();
  });
  await phoneAxe(page);
  await phoneAxe(other);
  await sameView(other, page);

  // Maya stops leading: the notice goes and her view moves alone. Her
  // pointer's move, sent after the pan, shows at Sam's after anything the
  // pan could have sent.
  await page.getByRole("button", { name: "Stop leading" }).click();
  await expect(other.getByText(`You are following ${maya.display_name}.`)).toHaveCount(0);
  const before = await view(other);
  await page.locator(".cv-minimap").click({ position: { x: 150, y: 95 } });
  expect(Math.abs((await view(page)).x - before.x)).toBeGreaterThan(50);
  const box = (await surface(page).boundingBox())!;
  await page.mouse.move(box.x + 400, box.y + 200);
  const w = await worldAt(page, 400, 200);
  await seenAt(other, await watchCursor(other, await uidOf(page), w.x, w.y));
  const after = await view(other);
  expect(Math.hypot(after.x - before.x, after.y - before.y)).toBeLessThan(0.5);

  // And Sam can leave a lead himself.
  await page.getByRole("button", { name: "Follow me" }).click();
  await expect(other.getByText(`You are following ${maya.display_name}.`)).toBeVisible();
  await other.getByRole("button", { name: "Stop following" }).click();
  await expect(other.getByText(`You are following ${maya.display_name}.`)).toHaveCount(0);
  expect(errors).toEqual([]);
  await other.context().close();
});
