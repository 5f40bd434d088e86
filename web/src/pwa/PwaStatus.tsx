/// <reference types="vite-plugin-pwa/react" />
// The installed app's state, shown calmly at the bottom of the screen: a new
// version waiting (Reload / Later) and being offline. Both float above the
// page so that nothing moves when they come and go.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQueryClient } from "@tanstack/react-query";
import { useRegisterSW } from "virtual:pwa-register/react";
import { watchUser } from "../auth";
import { clearApiCache } from "./cache";
import "./pwa.css";

// A long-open console still learns of a new version.
const updateCheckMs = 60 * 60 * 1000;

function useOnline(): boolean {
  const [online, setOnline] = useState(() => globalThis.navigator?.onLine ?? true);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener("online", on);
    window.addEventListener("offline", off);
    return () => {
      window.removeEventListener("online", on);
      window.removeEventListener("offline", off);
    };
  }, []);
  return online;
}

export function PwaStatus() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const online = useOnline();
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisteredSW(_url, registration) {
      if (registration) setInterval(() => void registration.update().catch(() => undefined), updateCheckMs);
    },
  });

  // Nobody signed in (signed out here or in another tab): the cached API
  // answers of the last person go.
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    watchUser((user) => {
      if (!user) void clearApiCache();
    })
      .then((s) => (cancelled ? s() : (stop = s)))
      .catch(() => undefined);
    return () => {
      cancelled = true;
      stop?.();
    };
  }, []);

  // On the very first visit the page loads before the service worker
  // exists; once it takes control, what the page shows is fetched again
  // through it, so that the same screens open offline next time.
  useEffect(() => {
    const sw = globalThis.navigator?.serviceWorker;
    if (!sw || sw.controller) return;
    const warm = () => {
      void fetch("/__/firebase/init.json").catch(() => undefined);
      void queryClient.invalidateQueries();
    };
    // Not urgent: when the page has nothing better to do.
    const taken = () =>
      "requestIdleCallback" in globalThis ? requestIdleCallback(warm, { timeout: 3000 }) : setTimeout(warm, 1000);
    sw.addEventListener("controllerchange", taken, { once: true });
    return () => sw.removeEventListener("controllerchange", taken);
  }, [queryClient]);

  if (online && !needRefresh) return null;
  return (
    <div className="pwa-status">
      {!online && (
        <p className="pwa-banner offline" role="status">
          <span className="pwa-dot" aria-hidden="true" />
          <span>
            <strong>{t("pwa.offline.title")}</strong> {t("pwa.offline.body")}
          </span>
        </p>
      )}
      {needRefresh && (
        <section className="pwa-banner update" aria-labelledby="pwa-update-title" aria-live="polite">
          <p id="pwa-update-title">{t("pwa.update.body")}</p>
          <div className="pwa-actions">
            <button type="button" className="button" onClick={() => void updateServiceWorker(true)}>
              {t("pwa.update.reload")}
            </button>
            <button type="button" className="button quiet" onClick={() => setNeedRefresh(false)}>
              {t("pwa.update.later")}
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
