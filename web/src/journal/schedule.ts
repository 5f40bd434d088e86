// When the journal syncs: at start, when the browser comes online or the
// page shows again, every 30 s, a second after a local change, and on the
// service worker's Background Sync (the page holds the ID token, so the
// worker only asks the open pages to sync). A failure retries with
// exponential backoff (×2 from 1 s, capped at 30 s) and jitter.
export const intervalMs = 30_000;
export const debounceMs = 1_000;
export const maxBackoffMs = 30_000;
export const syncTag = "journal-sync";

/** backoff is the wait before retry number attempt (0-based): half fixed, half random. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(maxBackoffMs, 1000 * 2 ** Math.min(attempt, 10));
  return cap / 2 + (random() * cap) / 2;
}

export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  random(): number;
}

const realClock: Clock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as number),
  random: Math.random,
};

/**
 * Scheduler runs sync at the moments above, one at a time. kick asks for a
 * sync soon (after a local change), now asks at once.
 */
export class Scheduler {
  private timer: unknown;
  private attempt = 0;
  private stopped = false;
  private cleanups: (() => void)[] = [];

  constructor(
    private readonly run: () => Promise<void>,
    private readonly clock: Clock = realClock,
  ) {}

  private at(ms: number) {
    if (this.stopped) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.now();
    }, ms);
  }

  /** now syncs at once; what follows is the next interval or a backoff. */
  async now(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.run();
      this.attempt = 0;
      this.at(intervalMs);
    } catch {
      this.at(backoff(this.attempt++, this.clock.random));
      registerBackgroundSync();
    }
  }

  /** kick syncs a moment after the last local change. */
  kick() {
    this.at(debounceMs);
  }

  /** start listens to the browser and syncs at once. */
  start() {
    const online = () => {
      this.attempt = 0;
      void this.now();
    };
    const visible = () => document.visibilityState === "visible" && void this.now();
    const message = (e: MessageEvent) => (e.data as { type?: string } | null)?.type === syncTag && void this.now();
    globalThis.addEventListener?.("online", online);
    globalThis.document?.addEventListener("visibilitychange", visible);
    globalThis.navigator?.serviceWorker?.addEventListener("message", message);
    this.cleanups.push(
      () => globalThis.removeEventListener?.("online", online),
      () => globalThis.document?.removeEventListener("visibilitychange", visible),
      () => globalThis.navigator?.serviceWorker?.removeEventListener("message", message),
    );
    void this.now();
  }

  stop() {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    for (const c of this.cleanups) c();
  }
}

interface SyncManager {
  register(tag: string): Promise<void>;
}

/** registerBackgroundSync asks the browser (where it can) to wake the worker once the network is back. */
export function registerBackgroundSync() {
  const sw = globalThis.navigator?.serviceWorker;
  if (!sw) return;
  void sw.ready
    .then((r) => (r as ServiceWorkerRegistration & { sync?: SyncManager }).sync?.register(syncTag))
    .catch(() => undefined);
}
