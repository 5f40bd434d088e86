// The installed app: after one visit the service worker has the shell and
// the last answers of the API, so with the network gone the home page still
// opens with the person's profile and says calmly that it is offline; a new
// version waits for the person's "Reload"; signing out forgets the cached
// answers, so the next person on a shared device sees nothing of them.
import { expect, test, type Page } from "@playwright/test";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { dark, maya as facilitator, noSeriousViolations, phone, shots, signIn } from "./kit";

// Phone first: every test starts at 360 px.
test.use({ viewport: phone });

// cachedMe: the service worker's API cache holds the person's profile.
function cachedMe(page: Page) {
  return page.evaluate(async () => {
    if (!(await caches.has("api"))) return false;
    const keys = await (await caches.open("api")).keys();
    return keys.some((r) => new URL(r.url).pathname === "/api/accounts/v1/me");
  });
}

test("offline after the first visit: the shell and the last-seen profile, an offline notice; sign-out forgets them", async ({
  page,
  context,
}) => {
  const errors: string[] = [];
  // Offline, Chromium logs each request that neither the network nor the
  // service worker can answer (another origin's, one never made online).
  let offline = false;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (offline && /Failed to load resource|ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(m.text())) return;
    errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));

  await signIn(page, facilitator);
  const welcome = page.getByRole("heading", { name: `Welcome, ${facilitator.display_name}` });
  await expect(welcome).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Journeys" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Home" })).toHaveAttribute("aria-current", "page");

  // The first visit installs the worker, which takes the page and keeps
  // what it fetches from then on.
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller);
  await expect.poll(() => cachedMe(page)).toBe(true);
  await noSeriousViolations(page);
  await shots(page, "pwa-home-en");
  await dark(page, "pwa-home-dark-en");
  await expect(page.getByText("You're offline.")).toHaveCount(0);

  // The network goes; a reload still opens the app with the profile.
  offline = true;
  await context.setOffline(true);
  await page.reload();
  await expect(welcome).toBeVisible();
  await expect(page.getByText("Facilitator", { exact: true })).toBeVisible();
  await expect(page.getByText("Lumen Learning Collective (demo)")).toBeVisible();
  const notice = page.getByRole("status").filter({ hasText: "You're offline." });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("other changes need a connection.");
  await noSeriousViolations(page);
  await shots(page, "pwa-offline-en");
  await dark(page, "pwa-offline-dark-en");

  // Hebrew, offline too: everything is in the shell.
  await page.getByLabel("Language").selectOption("he");
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  await expect(page.getByRole("heading", { name: `ברוכים הבאים, ${facilitator.display_name}` })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "אין חיבור לרשת." })).toBeVisible();
  await noSeriousViolations(page);
  await shots(page, "pwa-offline-he");

  // Back online, the notice goes by itself.
  await context.setOffline(false);
  offline = false;
  await expect(page.getByRole("status").filter({ hasText: "אין חיבור לרשת." })).toHaveCount(0);
  await shots(page, "pwa-home-he");
  await page.getByLabel("שפה").selectOption("en");
  await expect(page.locator("html")).toHaveAttribute("dir", "ltr");

  // Signing out empties the API cache; offline, the next person finds the
  // sign-in page and nothing of the last one.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect.poll(() => page.evaluate(() => caches.has("api"))).toBe(false);
  offline = true;
  await context.setOffline(true);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByText(facilitator.display_name)).toHaveCount(0);
  await context.setOffline(false);
  offline = false;
  expect(errors).toEqual([]);
});

test("a new version waits for Reload or Later", async ({ page }) => {
  await page.goto("/sign-in");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller);

  // The next deploy: the same worker, a few bytes different, served from
  // the build the suite serves (put back as it was afterwards). The browser
  // fetches a worker's script itself, out of reach of request routing.
  const sw = resolve(import.meta.dirname, "..", "..", process.env.STUDIO_WEB_ROOT || "web/dist", "sw.js");
  const original = readFileSync(sw, "utf8");
  writeFileSync(sw, original + "\n// next version\n");
  try {
    await nextVersion(page);
  } finally {
    writeFileSync(sw, original);
  }
});

async function nextVersion(page: Page) {
  const checkForUpdate = () =>
    page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      await r?.update();
    });
  await checkForUpdate();
  const banner = page.getByRole("region", { name: "A new version of Studio is ready." });
  await expect(banner).toBeVisible();
  await noSeriousViolations(page);
  await shots(page, "pwa-update-en");
  await banner.getByRole("button", { name: "Later" }).click();
  await expect(banner).toHaveCount(0);

  await page.reload();
  await expect(banner).toBeVisible();
  await page.getByLabel("Language").selectOption("he");
  const bannerHe = page.getByRole("region", { name: "גרסה חדשה של Studio מוכנה." });
  await expect(bannerHe).toBeVisible();
  await shots(page, "pwa-update-he");
  await page.getByLabel("שפה").selectOption("en");

  // Reload: the waiting worker takes over and the page reloads once.
  const before = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
  expect(before).toBeTruthy();
  await Promise.all([page.waitForEvent("load"), banner.getByRole("button", { name: "Reload" }).click()]);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(banner).toHaveCount(0);
  await expect
    .poll(() => page.evaluate(async () => !(await navigator.serviceWorker.getRegistration())?.waiting))
    .toBe(true);
}
