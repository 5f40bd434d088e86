// Lighthouse (mobile profile) on the built app served by the local suite, signed in as the demo
// facilitator: the home page, the library and the journey builder, plus the gzip size of the
// JavaScript the shell loads before anything else. Exits 1 when a budget is missed, 2 when a page
// cannot be measured. Run through `make bench-web` (scripts/bench-web.sh builds what it needs).
//
// Environment: CHROME_PATH (Debian's chromium), STUDIO_BIN (emulators and functions binaries, default
// bin), STUDIO_WEB_ROOT (the build to serve, default web/dist), BENCH_RUNS (runs per page; the median
// counts, default 1), BENCH_OUT (where the JSON reports go, default web/test-results/lighthouse),
// BENCH_ONLY (a comma-separated subset of home,library,builder while working on one page; the
// budgets are met only by a run of all three).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startSuite } from "./suite.mjs";
import { gzipSync } from "node:zlib";
import { loadavg } from "node:os";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const root = resolve(import.meta.dirname, "..", "..");
const budgets = { performance: 90, accessibility: 95, "best-practices": 95 };
const jsBudgetKB = 200;
const runs = Math.max(1, Number(process.env.BENCH_RUNS || 1));
const chromePath = process.env.CHROME_PATH || "/usr/bin/chromium";
const bin = resolve(root, process.env.STUDIO_BIN || "bin");
const webRoot = process.env.STUDIO_WEB_ROOT || "web/dist";
const outDir = resolve(root, process.env.BENCH_OUT || "web/test-results/lighthouse");
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",").map((s) => s.trim())) : null;

const users = JSON.parse(readFileSync(join(root, "testdata/demo/users.json"), "utf8")).users;
const facilitator = users.find((u) => u.role === "facilitator");

class Unmeasurable extends Error {}

function fail(msg) {
  throw new Unmeasurable(msg);
}

// initialJS: the entry script of index.html and every chunk it preloads, i.e. what the browser
// fetches before the app can draw anything, gzipped as Hosting serves it.
function initialJS() {
  const dir = resolve(root, webRoot);
  const html = readFileSync(join(dir, "index.html"), "utf8");
  const srcs = new Set();
  for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) srcs.add(m[1]);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) srcs.add(m[1]);
  if (srcs.size === 0) fail(`${webRoot}/index.html loads no module script`);
  let raw = 0;
  let gz = 0;
  const files = [];
  for (const src of srcs) {
    const body = readFileSync(join(dir, src));
    const g = gzipSync(body, { level: 9 }).length;
    raw += body.length;
    gz += g;
    files.push(`${src} ${(g / 1024).toFixed(1)} kB`);
  }
  return { raw, gz, files };
}

// startSuite: the suite as the browser tests run it; a failure to start means nothing can be measured.
async function startBenchSuite() {
  try {
    return await startSuite({ bin, webRoot, missing: "run make bench-web" });
  } catch (err) {
    throw new Unmeasurable(err.message);
  }
}

async function signIn(page, base) {
  await page.goto(`${base}/sign-in`, { waitUntil: "networkidle0" });
  await page.waitForSelector("input[type=email]", { timeout: 30_000 });
  await page.type("input[type=email]", facilitator.email);
  await page.type("input[type=password]", facilitator.password);
  await Promise.all([page.waitForFunction(() => location.pathname === "/", { timeout: 30_000 }), page.click("form button[type=submit]")]);
  await page.waitForFunction((name) => document.querySelector("main h1")?.textContent?.includes(name), { timeout: 30_000 }, facilitator.display_name);
}

// checkPage opens url and fails clearly unless it shows a page of its own (a main heading, not the
// "Page not found" screen, not the sign-in page; loading states have no heading).
async function checkPage(page, url, what) {
  await page.goto(url, { waitUntil: "networkidle0" });
  const ok = await page
    .waitForFunction(
      () => document.querySelector("main h1")?.textContent || false,
      { timeout: 20_000 },
    )
    .then((h) => h.jsonValue())
    .catch(() => null);
  const path = new URL(page.url()).pathname;
  if (!ok) fail(`${what}: ${url} shows no page heading (still loading, or the screen is missing)`);
  if (ok === "Page not found") fail(`${what}: ${url} answers "Page not found": the screen does not exist yet`);
  if (path === "/sign-in") fail(`${what}: ${url} sent the signed-in facilitator to the sign-in page`);
}

// builderURL takes a journey's edit page from the journeys list.
async function builderURL(page, base) {
  await page.goto(`${base}/journeys`, { waitUntil: "networkidle0" });
  const href = await page
    .waitForFunction(
      () => {
        const links = [...document.querySelectorAll("main a[href^='/journeys/']")]
          .map((a) => a.getAttribute("href"))
          .filter((h) => !/^\/journeys\/(new|templates|import)(\/|$)/.test(h));
        return links.find((h) => /\/edit$/.test(h)) ?? links[0] ?? false;
      },
      { timeout: 20_000 },
    )
    .then((h) => h.jsonValue())
    .catch(() => null);
  if (!href) fail(`journey builder: the journeys list (${base}/journeys) shows no link to a journey's page`);
  return base + href;
}

// fresh: a first visit of someone already signed in: no service worker, no cached files, but the
// persisted Firebase session (IndexedDB) kept.
async function fresh(page, base) {
  const cdp = await page.createCDPSession();
  await cdp.send("Storage.clearDataForOrigin", { origin: base, storageTypes: "service_workers,cache_storage" });
  await cdp.send("Network.clearBrowserCache");
  await cdp.detach();
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const js = initialJS();
  const suite = await startBenchSuite();
  const browser = await puppeteer.launch({
    executablePath: chromePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const results = [];
  try {
    const page = await browser.newPage();
    const base = suite.url;
    await signIn(page, base);
    const pages = [];
    if (!only || only.has("home")) pages.push(["home", `${base}/`]);
    if (!only || only.has("library")) pages.push(["library", `${base}/library`]);
    if (!only || only.has("builder")) pages.push(["journey builder", await builderURL(page, base)]);
    if (pages.length === 0) fail(`BENCH_ONLY=${process.env.BENCH_ONLY} names none of home, library, builder`);
    for (const [what, url] of pages) await checkPage(page, url, what);

    for (const [what, url] of pages) {
      const scores = { performance: [], accessibility: [], "best-practices": [] };
      const metrics = { lcp: [], tbt: [], cls: [] };
      const perRun = [];
      for (let i = 0; i < runs; i++) {
        // A trace Chromium failed to record (NO_NAVSTART, …) is measured again, twice at most.
        let r;
        for (let attempt = 1; ; attempt++) {
          await page.goto("about:blank");
          await fresh(page, base);
          r = await lighthouse(
            url,
            { output: "json", logLevel: "error", disableStorageReset: true, onlyCategories: Object.keys(budgets) },
            undefined,
            page,
          );
          if (!r?.lhr) fail(`${what}: Lighthouse returned no report`);
          if (!r.lhr.runtimeError) break;
          if (attempt === 3) fail(`${what}: ${r.lhr.runtimeError.code} ${r.lhr.runtimeError.message}`);
          console.log(`  ${what} run ${i + 1}: ${r.lhr.runtimeError.code}, measuring again`);
        }
        const lhr = r.lhr;
        if (new URL(lhr.finalDisplayedUrl).pathname === "/sign-in") fail(`${what}: Lighthouse saw the sign-in page, not ${url}`);
        writeFileSync(join(outDir, `${what.replace(/\W+/g, "-")}-${i + 1}.json`), r.report);
        for (const k of Object.keys(scores)) scores[k].push(Math.round((lhr.categories[k]?.score ?? 0) * 100));
        perRun.push(`${scores.performance.at(-1)} (benchmark index ${Math.round(lhr.environment.benchmarkIndex)})`);
        metrics.lcp.push(lhr.audits["largest-contentful-paint"]?.numericValue ?? NaN);
        metrics.tbt.push(lhr.audits["total-blocking-time"]?.numericValue ?? NaN);
        metrics.cls.push(lhr.audits["cumulative-layout-shift"]?.numericValue ?? NaN);
        const failing = Object.values(lhr.audits)
          .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "manual")
          .map((a) => a.id);
        if (failing.length) console.log(`  ${what} run ${i + 1}: audits below 0.9: ${failing.join(", ")}`);
      }
      console.log(`  ${what}: performance per run ${perRun.join(", ")}`);
      results.push({
        what,
        url,
        scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, median(v)])),
        lcp: median(metrics.lcp),
        tbt: median(metrics.tbt),
        cls: median(metrics.cls),
      });
    }
  } finally {
    await browser.close().catch(() => undefined);
    await suite.stop();
  }

  let ok = true;
  const mark = (good) => (good ? "" : " ✗");
  console.log(`\nLighthouse 12.2.3, mobile profile, ${runs} run(s) per page (median); reports in ${outDir}`);
  console.log(`machine load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}: a busy machine lowers performance (CPU-bound TBT)`);
  console.log("page             performance  accessibility  best-practices   LCP ms   TBT ms    CLS");
  for (const r of results) {
    const cells = Object.entries(budgets).map(([k, min]) => {
      const good = r.scores[k] >= min;
      ok &&= good;
      return `${r.scores[k]}${mark(good)}`;
    });
    console.log(
      `${r.what.padEnd(17)}${cells[0].padStart(11)}${cells[1].padStart(15)}${cells[2].padStart(16)}` +
        `${Math.round(r.lcp).toString().padStart(9)}${Math.round(r.tbt).toString().padStart(9)}${r.cls.toFixed(3).padStart(7)}`,
    );
  }
  const jsOK = js.gz <= jsBudgetKB * 1024;
  ok &&= jsOK;
  if (only) {
    console.log(`\nBENCH_ONLY: ${[...only].join(",")} measured; the budgets need all three pages`);
    ok = false;
  }
  console.log(`\nshell's initial JavaScript: ${(js.gz / 1024).toFixed(1)} kB gzip (${(js.raw / 1024).toFixed(1)} kB raw)${mark(jsOK)}`);
  for (const f of js.files) console.log(`  ${f}`);
  console.log(
    `budgets: performance ≥ ${budgets.performance}, accessibility ≥ ${budgets.accessibility}, best practices ≥ ${budgets["best-practices"]}, initial JS ≤ ${jsBudgetKB} kB gzip: ${ok ? "met" : "MISSED"}`,
  );
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench-web: ${err instanceof Unmeasurable ? err.message : err?.stack || err}`);
    process.exit(2);
  },
);
