import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoff, RealtimeClient, toSocketURL, type Frame } from "./client";
import { parseJSON, stringifyJSON } from "./json";

// FakeSocket is a WebSocket the test drives: it records what the client
// sends and delivers what the test says the server sends.
class FakeSocket {
  static all: FakeSocket[] = [];
  sent: Frame[] = [];
  onopen?: () => void;
  onmessage?: (e: { data: string }) => void;
  onclose?: () => void;
  onerror?: () => void;
  closed = false;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(s: string) {
    this.sent.push(parseJSON(s) as Frame);
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
  server(f: Frame) {
    this.onmessage?.({ data: stringifyJSON(f) });
  }
}

const tick = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function make(tokens: string[] = ["t1"]) {
  let tokenCb: ((t: string | undefined) => void) | undefined;
  const c = new RealtimeClient({
    url: async () => "https://rt.example/ws",
    token: async () => tokens[0],
    onToken: (cb) => {
      tokenCb = cb;
      return () => (tokenCb = undefined);
    },
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    random: () => 0.5,
  });
  return { c, token: (t: string | undefined) => tokenCb?.(t) };
}

async function connected(c: RealtimeClient) {
  await vi.runOnlyPendingTimersAsync();
  await tick();
  const ws = FakeSocket.all.at(-1)!;
  ws.onopen?.();
  ws.server({ type: "ready", uid: "u1", instance: "i", expires_at: "x" });
  expect(c.status).toBe("open");
  return ws;
}

describe("RealtimeClient", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("authenticates first, then subscribes", async () => {
    const { c } = make();
    const got: Frame[] = [];
    c.subscribe("canvas:a", (f) => got.push(f));
    const ws = await connected(c);
    expect(ws.url).toBe("wss://rt.example/ws");
    expect(ws.sent).toEqual([{ type: "auth", token: "t1" }, { type: "subscribe", channel: "canvas:a" }]);
    ws.server({ type: "snapshot", channel: "canvas:a", role: "editor", elements: [], cursor: 5, complete: true });
    expect(got.map((f) => f.type)).toEqual(["snapshot"]);
  });

  it("resubscribes after a reconnect from the largest stamp seen", async () => {
    const { c } = make();
    c.subscribe("canvas:a", () => {});
    c.subscribe("session:s", () => {});
    let ws = await connected(c);
    const big = (1_812_345_678_901_234n << 10n) + 3n;
    c.noteStamp("canvas:a", big);
    c.noteStamp("canvas:a", 7n);
    ws.close();
    expect(c.status).toBe("down");
    ws = await connected(c);
    expect(ws.sent.slice(1)).toEqual([
      { type: "subscribe", channel: "canvas:a", since: big },
      { type: "subscribe", channel: "session:s" },
    ]);
  });

  it("routes acks to the op's channel and resends unacknowledged ops after the resubscription", async () => {
    const { c } = make();
    const got: Frame[] = [];
    c.subscribe("canvas:a", (f) => got.push(f));
    let ws = await connected(c);
    const o2 = { type: "op", channel: "canvas:a", op_id: "o2", action: "update", element_id: "e", props: { x: 1 }, sent_at: 5 };
    const o3 = { type: "op", channel: "canvas:a", op_id: "o3", action: "update", element_id: "e", props: { x: 2 } };
    c.send({ type: "op", channel: "canvas:a", op_id: "o1", action: "update", element_id: "e" });
    c.send(o2);
    c.send(o3);
    ws.server({ type: "ack", op_id: "o1", stamp: 99 });
    expect(got.at(-1)).toMatchObject({ type: "ack", op_id: "o1", channel: "canvas:a" });
    ws.close();
    // Nothing is reported dropped: the ops go again once the socket is back.
    expect(got.filter((f) => f.type === "dropped")).toEqual([]);
    ws = await connected(c);
    expect(ws.sent).toEqual([{ type: "auth", token: "t1" }, { type: "subscribe", channel: "canvas:a", since: 99 }, o2, o3]);
    // The gateway acknowledges them (again, if it had taken them before).
    ws.server({ type: "ack", op_id: "o2", stamp: 120 });
    ws.server({ type: "error", op_id: "o3", code: "locked", detail: "x" });
    expect(got.slice(-2)).toMatchObject([
      { type: "ack", op_id: "o2", channel: "canvas:a" },
      { type: "error", op_id: "o3", channel: "canvas:a", code: "locked" },
    ]);
    // Answered ops are not sent a third time.
    ws.close();
    ws = await connected(c);
    expect(ws.sent).toEqual([{ type: "auth", token: "t1" }, { type: "subscribe", channel: "canvas:a", since: 120 }]);
  });

  it("forgets unacknowledged ops of channels no longer followed, and reports them dropped on close", async () => {
    const { c } = make();
    const got: Frame[] = [];
    c.subscribe("canvas:a", (f) => got.push(f));
    const stopB = c.subscribe("canvas:b", () => {});
    let ws = await connected(c);
    c.send({ type: "op", channel: "canvas:b", op_id: "b1", action: "update", element_id: "e" });
    stopB();
    ws.close();
    ws = await connected(c);
    expect(ws.sent.filter((f) => f.type === "op")).toEqual([]);
    c.send({ type: "op", channel: "canvas:a", op_id: "a1", action: "update", element_id: "e" });
    c.close();
    expect(got.at(-1)).toEqual({ type: "dropped", channel: "canvas:a", op_ids: ["a1"] });
  });

  it("sends a refreshed token and closes on sign-out", async () => {
    const { c, token } = make();
    c.subscribe("canvas:a", () => {});
    const ws = await connected(c);
    token("t2");
    expect(ws.sent.at(-1)).toEqual({ type: "auth", token: "t2" });
    // The gateway answers a refresh with ready; the subscriptions stay as they are.
    const n = ws.sent.length;
    ws.server({ type: "ready", uid: "u1", instance: "i", expires_at: "y" });
    expect(ws.sent.length).toBe(n);
    token(undefined);
    expect(ws.closed).toBe(true);
    expect(c.status).toBe("idle");
  });

  it("closes a while after the last channel goes", async () => {
    const { c } = make();
    const stop = c.subscribe("canvas:a", () => {});
    const ws = await connected(c);
    stop();
    expect(ws.sent.at(-1)).toEqual({ type: "unsubscribe", channel: "canvas:a" });
    await vi.advanceTimersByTimeAsync(6000);
    expect(ws.closed).toBe(true);
  });

  it("pings and gives up on a silent socket", async () => {
    const { c } = make();
    c.subscribe("canvas:a", () => {});
    const ws = await connected(c);
    await vi.advanceTimersByTimeAsync(25_000);
    expect(ws.sent.at(-1)).toEqual({ type: "ping" });
    await vi.advanceTimersByTimeAsync(50_000);
    expect(ws.closed).toBe(true);
  });
});

describe("backoff", () => {
  it("grows exponentially with jitter up to 30 s", () => {
    expect(backoff(0, () => 0)).toBe(250);
    expect(backoff(0, () => 1)).toBe(500);
    expect(backoff(3, () => 1)).toBe(4000);
    expect(backoff(20, () => 1)).toBe(30_000);
    expect(backoff(20, () => 0)).toBe(15_000);
  });
});

describe("toSocketURL", () => {
  it.each([
    ["http://127.0.0.1:5001/p/r/realtime", "ws://127.0.0.1:5001/p/r/realtime"],
    ["https://rt-abc.a.run.app", "wss://rt-abc.a.run.app/"],
    ["wss://x.example/ws", "wss://x.example/ws"],
  ])("%s", (a, b) => expect(toSocketURL(a, "http://localhost/")).toBe(b));
});
