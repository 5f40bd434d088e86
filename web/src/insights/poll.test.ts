import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { backoff, fatal, poll } from "./poll";

interface Doc {
  version: number;
  n?: number;
}

// script runs poll against answers given in order (a Doc, or an error to
// throw), recording every ask, what reached onData and the waits; it aborts
// when asked once more after the answers ran out.
async function script(answers: (Doc | Error)[], opts: { clock?: number[] } = {}) {
  const abort = new AbortController();
  const asks: (number | undefined)[] = [];
  const data: Doc[] = [];
  const errors: [number, boolean][] = [];
  const waits: number[] = [];
  let i = 0;
  let tick = 0;
  await poll<Doc>({
    signal: abort.signal,
    fetch: async (after) => {
      if (i >= answers.length) {
        abort.abort();
        throw new Error("no more answers");
      }
      asks.push(after);
      const a = answers[i++];
      if (a instanceof Error) throw a;
      return a;
    },
    onData: (d) => data.push(d),
    onError: (_e, n, end) => errors.push([n, end]),
    sleep: async (ms) => {
      waits.push(ms);
    },
    now: () => opts.clock?.[tick++] ?? 0,
  });
  return { asks, data, errors, waits };
}

const problem = (status: number) => new ApiError({ type: "about:blank", title: "", status });

describe("poll", () => {
  it("asks without a version first, then with the last version seen, and hands on only newer documents", async () => {
    // A wait that ended with nothing new answers the same version again.
    const clock = [0, 100, 200, 25_200, 25_300, 25_400, 25_500, 25_600];
    const r = await script([{ version: 0 }, { version: 3 }, { version: 3 }, { version: 4 }, { version: 4 }], { clock });
    expect(r.asks).toEqual([undefined, 0, 3, 3, 4]);
    expect(r.data.map((d) => d.version)).toEqual([0, 3, 4]);
    expect(r.errors).toEqual([]);
  });

  it("spaces unchanged answers that come back at once, so a server that does not wait is not hammered", async () => {
    // Each answer takes 200 ms: the loop waits the rest of a second.
    const r = await script([{ version: 2 }, { version: 2 }, { version: 2 }], { clock: [0, 1000, 1200, 2000, 2200, 3000] });
    expect(r.waits).toEqual([800, 800]);
  });

  it("backs off after failures and starts counting again after a success", async () => {
    const boom = new TypeError("network");
    const r = await script([boom, boom, problem(503), { version: 1 }, boom, { version: 2 }]);
    expect(r.errors).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [1, false],
    ]);
    expect(r.waits).toEqual([1000, 2000, 4000, 1000]);
    expect(r.data.map((d) => d.version)).toEqual([1, 2]);
    // After a failure it asks again for what it last saw.
    expect(r.asks).toEqual([undefined, undefined, undefined, undefined, 1, 1]);
  });

  it("stops for good on an answer retrying cannot change", async () => {
    const r = await script([{ version: 1 }, problem(404), { version: 9 }]);
    expect(r.errors).toEqual([[1, true]]);
    expect(r.asks).toEqual([undefined, 1]);
    expect(r.data.map((d) => d.version)).toEqual([1]);
  });

  it("ends at once when aborted, without hearing the answer in flight", async () => {
    const abort = new AbortController();
    const seen: Doc[] = [];
    const done = poll<Doc>({
      signal: abort.signal,
      fetch: (_after, signal) =>
        new Promise((resolve, reject) => {
          signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
          setTimeout(() => resolve({ version: 1 }), 50);
        }),
      onData: (d) => seen.push(d),
      onError: () => seen.push({ version: -1 }),
    });
    abort.abort();
    await done;
    expect(seen).toEqual([]);
  });
});

describe("backoff and fatal", () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16_000],
    [6, 30_000],
    [20, 30_000],
  ])("failure %i waits %i ms", (n, ms) => {
    expect(backoff(n)).toBe(ms);
  });

  it.each([
    [problem(401), true],
    [problem(403), true],
    [problem(404), true],
    [problem(400), true],
    [problem(408), false],
    [problem(429), false],
    [problem(500), false],
    [problem(503), false],
    [new TypeError("Failed to fetch"), false],
  ])("%o fatal: %s", (err, want) => {
    expect(fatal(err)).toBe(want);
  });
});
