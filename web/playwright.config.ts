import { defineConfig } from "@playwright/test";

// Debian's chromium, never a downloaded browser. The flags keep it from
// reaching Google's services (the CI machines have no way out) and let it run
// as root in CI.
export default defineConfig({
  testDir: "e2e",
  outputDir: process.env.STUDIO_PW_OUT || "test-results/playwright",
  globalSetup: "./e2e/suite.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  forbidOnly: !!process.env.CI,
  use: {
    baseURL: process.env.STUDIO_WEB_URL,
    locale: "en-GB",
    timezoneId: "Europe/Madrid",
    serviceWorkers: "allow",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
