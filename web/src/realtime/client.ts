// The realtime socket: one per tab, shared by every screen that follows a
// channel (canvas:{id}, session:{id}). It authenticates with the Firebase
// ID token (and again whenever Firebase refreshes it), resubscribes after
// a reconnect with the largest stamp seen per channel so nothing is missed
// or applied twice, and reconnects with exponential backoff and jitter.
import { parseJSON, stringifyJSON } from "./json";

export type Frame = { type: string; channel?: string; op_id?: string; [k: string]: unknown };
export type Status = "idle" | "connecting" | "open" | "down";
export type Listener = (f: Frame) => void;

export interface Deps {
  url: () => Promise<string>;
  token: (refresh?: boolean) => Promise<string | undefined>;
  // onToken calls back with each new ID token (undefined: signed out).
  onToken?: (cb: (token: string | undefined) => void) => () => void;
  WebSocket?: typeof WebSocket;
  random?: () => number;
  now?: () => number;
}

interface Channel {
  since: bigint;
  listeners: Set<Listener>;
}

const maxDelay = 30_000;
const baseDelay = 500;
const pingEvery = 25_000;
const silentFor = 55_000;
const idleClose = 5_000;

// backoff is the wait before reconnect attempt n (0-based): exponential,
// capped, with full jitter in its upper half so a drained instance's
// clients do not all come back at once.
export function backoff(n: number, random: () => number = Math.random): number {
  const d = Math.min(maxDelay, baseDelay * 2 ** Math.min(n, 16));
  return Math.round(d / 2 + (random() * d) / 2);
}

// toSocketURL turns the gateway's address into a WebSocket one.
export function toSocketURL(u: string, base = globalThis.location?.href): string {
  const url = new URL(u, base);
  if (url.protocol === "http:") url.protocol = "ws:";
  if (url.protocol === "https:") url.protocol = "wss:";
  return url.toString();
}

export class RealtimeClient {
  status: Status = "idle";
  uid = "";
  private ws?: WebSocket;
  private channels = new Map<string, Channel>();
  // Own ops not yet acknowledged, by op_id, in the order sent: resent
  // with their op_id after a reconnect (the gateway acknowledges an op_id
  // it has seen again without applying it twice).
  private pending = new Map<string, Frame>();
  private statusListeners = new Set<(s: Status) => void>();
  private attempt = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private pinger?: ReturnType<typeof setInterval>;
  private idleTimer?: ReturnType<typeof setTimeout>;
  private lastFrame = 0;
  private stopToken?: () => void;
  private closedByUs = false;
  private refreshNext = false;

  constructor(private deps: Deps) {}

  get open() {
    return this.status === "open";
  }

  onStatus(cb: (s: Status) => void): () => void {
    this.statusListeners.add(cb);
    return () => this.statusListeners.delete(cb);
  }

  private setStatus(s: Status) {
    if (this.status === s) return;
    this.status = s;
    for (const cb of [...this.statusListeners]) cb(s);
  }

  /** subscribe follows channel; the returned function stops. */
  subscribe(channel: string, listener: Listener): () => void {
    let ch = this.channels.get(channel);
    const first = !ch;
    if (!ch) {
      ch = { since: 0n, listeners: new Set() };
      this.channels.set(channel, ch);
    }
    ch.listeners.add(listener);
    clearTimeout(this.idleTimer);
    if (first && this.open) this.sendSubscribe(channel, ch);
    this.ensure();
    return () => {
      const c = this.channels.get(channel);
      if (!c) return;
      c.listeners.delete(listener);
      if (c.listeners.size > 0) return;
      this.channels.delete(channel);
      if (this.open) this.raw({ type: "unsubscribe", channel });
      if (this.channels.size === 0) {
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.channels.size === 0 && this.close(), idleClose);
      }
    };
  }

  /** noteStamp records the largest stamp seen on channel (resume point). */
  noteStamp(channel: string, stamp: bigint) {
    const ch = this.channels.get(channel);
    if (ch && stamp > ch.since) ch.since = stamp;
  }

  /** forget drops the resume point (the channel's state was dropped). */
  forget(channel: string) {
    const ch = this.channels.get(channel);
    if (ch) ch.since = 0n;
  }

  /** send sends a frame now; false when the socket is not open. */
  send(frame: Frame): boolean {
    if (!this.open) return false;
    if (frame.type === "op" && frame.op_id && frame.channel) this.pending.set(frame.op_id, frame);
    return this.raw(frame);
  }

  private raw(frame: Frame): boolean {
    try {
      this.ws?.send(stringifyJSON(frame));
      return true;
    } catch {
      return false;
    }
  }

  private sendSubscribe(channel: string, ch: Channel) {
    this.raw({ type: "subscribe", channel, ...(ch.since > 0n ? { since: ch.since } : {}) });
  }

  private resubscribeLater(channel: string) {
    setTimeout(() => {
      const ch = this.channels.get(channel);
      if (ch && this.open) this.sendSubscribe(channel, ch);
    }, backoff(2, this.deps.random));
  }

  private ensure() {
    if (this.status === "idle") void this.connect();
  }

  private async connect() {
    clearTimeout(this.timer);
    if (this.channels.size === 0) {
      this.setStatus("idle");
      return;
    }
    this.setStatus("connecting");
    this.closedByUs = false;
    let url: string;
    let token: string | undefined;
    try {
      url = toSocketURL(await this.deps.url());
      token = await this.deps.token(this.refreshNext);
      this.refreshNext = false;
    } catch {
      this.retry();
      return;
    }
    if (!token) {
      this.retry();
      return;
    }
    const WS = this.deps.WebSocket ?? WebSocket;
    let ws: WebSocket;
    try {
      ws = new WS(url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.lastFrame = this.now();
      ws.send(stringifyJSON({ type: "auth", token }));
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws || typeof ev.data !== "string") return;
      this.lastFrame = this.now();
      let f: Frame;
      try {
        f = parseJSON(ev.data) as Frame;
      } catch {
        return;
      }
      if (f && typeof f.type === "string") this.dispatch(f);
    };
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.ws = undefined;
      clearInterval(this.pinger);
      if (this.closedByUs || this.channels.size === 0) this.setStatus("idle");
      else this.retry();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private now() {
    return (this.deps.now ?? Date.now)();
  }

  private retry() {
    this.setStatus("down");
    clearTimeout(this.timer);
    const wait = backoff(this.attempt++, this.deps.random);
    this.timer = setTimeout(() => void this.connect(), wait);
  }

  // lost tells each channel that its unacknowledged ops are gone (the
  // socket was closed on purpose: nothing will resend them); the screen
  // reverts them and says so.
  private lost() {
    if (this.pending.size === 0) return;
    const byChannel = new Map<string, string[]>();
    for (const [op, f] of this.pending) byChannel.set(f.channel!, [...(byChannel.get(f.channel!) ?? []), op]);
    this.pending.clear();
    for (const [channel, ids] of byChannel) this.deliver({ type: "dropped", channel, op_ids: ids });
  }

  // resend sends the unacknowledged ops again, after their channels'
  // subscriptions, so each lands on the resumed state; those of channels
  // no longer followed are forgotten.
  private resend() {
    for (const [op, f] of this.pending) {
      if (this.channels.has(f.channel!)) this.raw(f);
      else this.pending.delete(op);
    }
  }

  private dispatch(f: Frame) {
    switch (f.type) {
      case "ready":
        this.uid = typeof f.uid === "string" ? f.uid : "";
        // A refreshed token is answered with ready too: nothing to redo.
        if (this.status === "open") return;
        this.attempt = 0;
        this.setStatus("open");
        for (const [channel, ch] of this.channels) this.sendSubscribe(channel, ch);
        this.resend();
        clearInterval(this.pinger);
        this.pinger = setInterval(() => {
          if (this.now() - this.lastFrame > silentFor) this.ws?.close();
          else this.raw({ type: "ping" });
        }, pingEvery);
        this.startTokens();
        return;
      case "pong":
        return;
      case "bye":
        if (f.reason === "auth") this.refreshNext = true;
        if (f.reason === "drain") this.attempt = 0;
        return;
      case "ack":
      case "error": {
        const ch = f.op_id ? this.pending.get(f.op_id)?.channel : undefined;
        if (f.op_id) this.pending.delete(f.op_id);
        if (f.type === "ack" && ch) {
          const s = f.stamp;
          if (typeof s === "bigint" || typeof s === "number") this.noteStamp(ch, BigInt(s));
        }
        if (f.type === "error" && f.code === "unauthenticated") this.refreshNext = true;
        // A subscription the gateway could not load in time is asked again.
        if (f.type === "error" && !f.op_id && f.code === "unavailable" && f.channel) this.resubscribeLater(f.channel);
        this.deliver(ch && !f.channel ? { ...f, channel: ch } : f);
        return;
      }
      case "revoked":
        if (f.channel) this.forget(f.channel);
        this.deliver(f);
        return;
      default:
        this.deliver(f);
    }
  }

  private deliver(f: Frame) {
    if (f.channel) {
      const ch = this.channels.get(f.channel);
      if (ch) for (const l of [...ch.listeners]) l(f);
      return;
    }
    for (const ch of this.channels.values()) for (const l of [...ch.listeners]) l(f);
  }

  private startTokens() {
    if (this.stopToken || !this.deps.onToken) return;
    this.stopToken = this.deps.onToken((token) => {
      if (!token) {
        this.close();
        return;
      }
      if (this.open) this.raw({ type: "auth", token });
    });
  }

  /** close ends the socket; a later subscribe opens a new one. */
  close() {
    this.closedByUs = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.stopToken?.();
    this.stopToken = undefined;
    const ws = this.ws;
    this.ws = undefined;
    this.lost();
    ws?.close(1000);
    this.setStatus("idle");
  }
}
