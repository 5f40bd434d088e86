/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";

// The build lands in web/dist, which `make dev` serves through the Hosting
// emulator. web/public is Hosting's placeholder site, so static assets of
// the app live in web/static instead.
export default defineConfig({
  publicDir: "static",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  plugins: [
    react(),
    VitePWA({
      // A separate registerSW.js: the Content-Security-Policy allows no inline script.
      injectRegister: "script",
      registerType: "autoUpdate",
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
        navigateFallback: "/index.html",
        // API calls and Hosting's reserved URLs are never answered by the shell.
        navigateFallbackDenylist: [/^\/api\//, /^\/__\//],
        runtimeCaching: [
          {
            // Fresh data when online; the last answer seen when the network is gone.
            urlPattern: ({ url, request }) => url.pathname.startsWith("/api/") && request.method === "GET",
            handler: "NetworkFirst",
            options: {
              cacheName: "api",
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
