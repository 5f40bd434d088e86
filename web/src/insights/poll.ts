// The long poll behind the facilitator's panel, apart from React so its
// rules are tested alone: ask without a version first, then with the last
// version seen (the server answers once something newer is stored, or with
// the same document when its wait ends); hand each newer document on; after
// a failure wait longer each time, up to a cap; stop at once when aborted,
// and for good on an answer that retrying cannot change (no access).
import { ApiError } from "../api/problem";

export interface Versioned {
  version: number;
}

export interface PollOptions<T extends Versioned> {
  /** fetch asks for the document newer than after (undefined: the current one at once). */
  fetch: (after: number | undefined, signal: AbortSignal) => Promise<T>;
  onData: (doc: T) => void;
  /** onError hears each failure and how many came in a row; fatal ones end the loop. */
  onError?: (err: unknown, failures: number, fatal: boolean) => void;
  signal: AbortSignal;
  /** sleep waits ms or until aborted (tests pass a fake). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** now is the clock (tests pass a fake). */
  now?: () => number;
  /** minSpacingMs: an unchanged answer sooner than this waits the rest, so a server that does not hold the request is not asked in a tight loop. */
  minSpacingMs?: number;
}

/** backoff is the wait after the n-th failure in a row: 1 s, 2 s, 4 s … up to 30 s. */
export function backoff(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
}

/** fatal says whether retrying cannot help: not signed in, no access, no such session, a bad request. */
export function fatal(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  const status = (err.problem as { status?: number } | undefined)?.status ?? 0;
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** poll runs until the signal aborts or a fatal failure; it never rejects. */
export async function poll<T extends Versioned>(o: PollOptions<T>): Promise<void> {
  const wait = o.sleep ?? sleep;
  const now = o.now ?? Date.now;
  const spacing = o.minSpacingMs ?? 1000;
  let after: number | undefined;
  let failures = 0;
  while (!o.signal.aborted) {
    const asked = now();
    try {
      const doc = await o.fetch(after, o.signal);
      if (o.signal.aborted) return;
      failures = 0;
      const fresh = after === undefined || doc.version !== after;
      if (fresh) o.onData(doc);
      after = doc.version;
      if (!fresh) {
        const rest = spacing - (now() - asked);
        if (rest > 0) await wait(rest, o.signal);
      }
    } catch (err) {
      if (o.signal.aborted) return;
      failures++;
      const end = fatal(err);
      o.onError?.(err, failures, end);
      if (end) return;
      await wait(backoff(failures), o.signal);
    }
  }
}
