/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";
import { readFileSync } from "node:fs";
import { apiCacheName } from "./src/pwa/cache";

// The journal's Background Sync handler, added to the generated worker.
const journalSync = "journal-sync.sw.js";

// The build lands in web/dist, which Hosting deploys (infra/firebase.json)
// and `make dev` serves through the Hosting emulator. Files copied as they
// are live in web/static.
export default defineConfig({
  publicDir: "static",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // Every browser the app supports has module preloading: no polyfill in the shell.
    modulePreload: { polyfill: false },
    // The shell's budget (200 kB gzip) is checked by `make bench-web`.
    chunkSizeWarningLimit: 800,
  },
  plugins: [
    react(),
    {
      name: "journal-sync-worker",
      generateBundle() {
        this.emitFile({ type: "asset", fileName: journalSync, source: readFileSync(new URL("./src/pwa/" + journalSync, import.meta.url), "utf8") });
      },
    },
    VitePWA({
      // src/pwa registers the worker from the bundle (the Content-Security-
      // Policy allows no inline script) and asks before a new version takes
      // over: a reload in the middle of a live session would lose its place.
      injectRegister: false,
      registerType: "prompt",
      manifest: {
        name: "Points of You AI Studio",
        short_name: "Studio",
        description: "Journeys, live sessions, cards and a reflective journal.",
        start_url: "/",
        display: "standalone",
        background_color: "#f6f3ee",
        theme_color: "#3d5a57",
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,png,svg,webmanifest}"],
        importScripts: ["/" + journalSync],
        // The first install takes the open page, so what it shows is
        // cached for offline at once; later versions wait for "Reload".
        clientsClaim: true,
        cleanupOutdatedCaches: true,
        navigateFallback: "/index.html",
        // API calls and Hosting's reserved URLs are never answered by the shell.
        navigateFallbackDenylist: [/^\/api\//, /^\/__\//],
        runtimeCaching: [
          {
            // Hosting's Firebase configuration: the app signs in (from its
            // persisted session) offline too.
            urlPattern: ({ url }) => url.pathname === "/__/firebase/init.json",
            handler: "NetworkFirst",
            options: { cacheName: "firebase-config", networkTimeoutSeconds: 5, cacheableResponse: { statuses: [200] } },
          },
          {
            // Fresh data when online; the last answer seen when the network is
            // gone. Per person: src/pwa empties it when nobody is signed in.
            // Not the insights long poll (an answer per version, and a cached
            // copy after 5 s would end every wait) nor report downloads.
            urlPattern: ({ url, request }) =>
              url.pathname.startsWith("/api/") &&
              request.method === "GET" &&
              !url.pathname.startsWith("/api/insights/") &&
              !/^(csv|pdf)$/.test(url.searchParams.get("format") ?? "") &&
              !url.pathname.endsWith(".pdf"),
            handler: "NetworkFirst",
            options: {
              cacheName: apiCacheName,
              networkTimeoutSeconds: 5,
              cacheableResponse: { statuses: [200] },
              expiration: { maxEntries: 100, maxAgeSeconds: 7 * 24 * 3600 },
            },
          },
        ],
      },
    }),
  ],
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
