import { describe, expect, it } from "vitest";
import { backoff, debounceMs, intervalMs, maxBackoffMs, Scheduler, type Clock } from "./schedule";

function fakeClock(random = 0.5) {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let id = 0;
  const clock: Clock = {
    setTimeout: (fn, ms) => (timers.set(++id, { fn, ms }), id),
    clearTimeout: (t) => timers.delete(t as number),
    random: () => random,
  };
  return { clock, timers };
}

describe("backoff", () => {
  it.each([
    [0, 0, 500],
    [0, 1, 1000],
    [1, 0.5, 1500],
    [3, 0, 4000],
    [5, 1, maxBackoffMs],
    [40, 1, maxBackoffMs],
    [40, 0, maxBackoffMs / 2],
  ])("attempt %i with random %f waits %i ms", (attempt, random, want) => {
    expect(backoff(attempt, () => random)).toBe(want);
  });
});

describe("Scheduler", () => {
  it("waits the interval after a success and backs off after failures", async () => {
    const { clock, timers } = fakeClock(1);
    let fail = 3;
    const s = new Scheduler(async () => {
      if (fail-- > 0) throw new TypeError("offline");
    }, clock);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      await s.now();
      waits.push([...timers.values()].at(-1)!.ms);
    }
    expect(waits).toEqual([1000, 2000, 4000, intervalMs]);
    expect(timers.size).toBe(1);
    s.stop();
  });

  it("debounces local changes into one sync", () => {
    const { clock, timers } = fakeClock();
    const s = new Scheduler(async () => undefined, clock);
    s.kick();
    s.kick();
    s.kick();
    expect([...timers.values()].map((t) => t.ms)).toEqual([debounceMs]);
    s.stop();
  });
});
