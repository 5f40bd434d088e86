// Background Sync for the journal, imported by the generated service
// worker. The worker holds no sign-in, so it only asks the open pages to
// sync (they hold the ID token); where no page is open, the pages sync when
// next opened.
self.addEventListener("sync", (event) => {
  if (event.tag !== "journal-sync") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
      for (const client of clients) client.postMessage({ type: "journal-sync" });
    }),
  );
});
