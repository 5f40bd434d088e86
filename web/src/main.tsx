import { startTransition, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ready } from "./i18n";
import "./styles.css";
import { App, preloadArea } from "./App";
import { PwaStatus } from "./pwa/PwaStatus";

const queryClient = new QueryClient({
  // offlineFirst: a query still asks when the browser says it is offline,
  // and the service worker answers with the last response it kept.
  defaultOptions: { queries: { retry: 1, staleTime: 30_000, networkMode: "offlineFirst" } },
});

// After the person's language is there (at once for English). A transition:
// the first render yields to the browser in slices instead of holding the
// main thread while a phone is still busy loading.
preloadArea(location.pathname);

const root = createRoot(document.getElementById("root")!);
void ready.then(() =>
  startTransition(() =>
    root.render(
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <App />
            <PwaStatus />
          </BrowserRouter>
        </QueryClientProvider>
      </StrictMode>,
    ),
  ),
);
