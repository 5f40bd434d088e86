// The canvas model on the client: elements as the server keeps them, every
// property with the stamp that set it, merged per property by the larger
// stamp (as the gateway and Firestore merge), plus the person's own
// operations not yet acknowledged, shown at once on top.

export type Stamp = bigint;
export type Props = Record<string, unknown>;

export interface Element {
  id: string;
  kind: string;
  owner: string;
  props: Props;
  stamps: Record<string, Stamp>;
}

export interface Patch {
  id: string;
  kind?: string;
  owner?: string;
  props: Props;
  stamps: Record<string, Stamp>;
}

export const kinds = ["card", "shape", "text", "note", "image", "frame", "stroke", "connector"] as const;
export type Kind = (typeof kinds)[number];

export interface Op {
  op_id: string;
  action: "create" | "update" | "delete" | "restore";
  element_id: string;
  kind?: string;
  props?: Props;
  drag?: boolean;
}

export function toStamp(v: unknown): Stamp {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  return 0n;
}

// readPatch takes a patch as a frame carries it, with its stamps as
// BigInt whatever their size.
export function readPatch(raw: unknown): Patch | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const r = raw as { id?: unknown; kind?: unknown; owner?: unknown; props?: unknown; stamps?: unknown };
  if (typeof r.id !== "string" || !r.id) return undefined;
  const props = r.props && typeof r.props === "object" ? (r.props as Props) : {};
  const stamps: Record<string, Stamp> = {};
  if (r.stamps && typeof r.stamps === "object") for (const [k, s] of Object.entries(r.stamps)) stamps[k] = toStamp(s);
  return {
    id: r.id,
    ...(typeof r.kind === "string" && r.kind ? { kind: r.kind } : {}),
    ...(typeof r.owner === "string" && r.owner ? { owner: r.owner } : {}),
    props,
    stamps,
  };
}

/**
 * merge applies p to e property by property: a value replaces e's when its
 * stamp is larger (an equal stamp is the same write). It returns the part
 * of p that changed e (no props when nothing did: an echo or a stale
 * write). Kind and owner are taken from p when e has none yet.
 */
export function merge(e: Element, p: Patch): Patch {
  if (!e.id) e.id = p.id;
  const out: Patch = { id: e.id, props: {}, stamps: {} };
  if (!e.kind && p.kind) e.kind = out.kind = p.kind;
  if (!e.owner && p.owner) e.owner = out.owner = p.owner;
  let changed = false;
  for (const [k, v] of Object.entries(p.props)) {
    const s = p.stamps[k] ?? 0n;
    const old = e.stamps[k];
    if (old !== undefined && old >= s) continue;
    e.stamps[k] = s;
    e.props[k] = v;
    out.props[k] = v;
    out.stamps[k] = s;
    changed = true;
  }
  if (changed && !out.kind) out.kind = e.kind;
  return out;
}

export function emptyPatch(p: Patch): boolean {
  return Object.keys(p.props).length === 0 && !p.kind;
}

export function maxStamp(p: { stamps: Record<string, Stamp> }): Stamp {
  let m = 0n;
  for (const s of Object.values(p.stamps)) if (s > m) m = s;
  return m;
}

// opPatch is the patch an accepted op applies, every property stamped s.
export function opPatch(op: Op, owner: string, s: Stamp): Patch {
  const p: Patch = { id: op.element_id, props: {}, stamps: {} };
  if (op.action === "create") {
    p.kind = op.kind;
    p.owner = owner;
  }
  for (const [k, v] of Object.entries(op.props ?? {})) {
    p.props[k] = v;
    p.stamps[k] = s;
  }
  if (op.action === "delete") {
    p.props.deleted = true;
    p.stamps.deleted = s;
  } else if (op.action === "create" || op.action === "restore") {
    p.props.deleted = false;
    p.stamps.deleted = s;
  }
  return p;
}

// ---- Fractional z-order indexes (shared/canvas Between, ported). ----
//
// An index is an integer part — a head letter giving its length (a…z: 2…27
// characters, positive; A…Z: 2…27, negative) followed by base-62 digits —
// and an optional fraction of base-62 digits not ending in "0". Indexes
// compare as plain strings (0-9 < A-Z < a-z), as Firestore orders them.

const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const smallestInteger = "A" + "0".repeat(26);

function digitOf(c: string): number {
  return c.length === 1 ? digits.indexOf(c) : -1;
}

function integerLength(head: string): number {
  if (head >= "a" && head <= "z") return head.charCodeAt(0) - 97 + 2;
  if (head >= "A" && head <= "Z") return 90 - head.charCodeAt(0) + 2;
  return 0;
}

function integerPart(key: string): string {
  if (!key) return "";
  const n = integerLength(key[0]);
  return n === 0 || n > key.length ? "" : key.slice(0, n);
}

export function validIndex(s: string): boolean {
  if (!s || s === smallestInteger || s.length > 4096) return false;
  for (const c of s) if (digitOf(c) < 0) return false;
  const i = integerPart(s);
  if (!i) return false;
  return !s.slice(i.length).endsWith("0");
}

function midpoint(a: string, b: string): string {
  if (b) {
    let n = 0;
    while (n < b.length && (a[n] ?? "0") === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const da = a ? digitOf(a[0]) : 0;
  const db = b ? digitOf(b[0]) : digits.length;
  if (db - da > 1) return digits[Math.floor((da + db + 1) / 2)];
  if (b.length > 1) return b.slice(0, 1);
  return digits[da] + midpoint(a.slice(1), "");
}

function incrementInteger(x: string): string | undefined {
  const head = x[0];
  const ds = x.slice(1).split("");
  let carry = true;
  for (let i = ds.length - 1; carry && i >= 0; i--) {
    const d = digitOf(ds[i]) + 1;
    if (d === digits.length) ds[i] = "0";
    else {
      ds[i] = digits[d];
      carry = false;
    }
  }
  if (!carry) return head + ds.join("");
  if (head === "Z") return "a0";
  if (head === "z") return undefined;
  const h = String.fromCharCode(head.charCodeAt(0) + 1);
  if (h > "a") ds.push("0");
  else ds.pop();
  return h + ds.join("");
}

function decrementInteger(x: string): string | undefined {
  const head = x[0];
  const ds = x.slice(1).split("");
  let borrow = true;
  for (let i = ds.length - 1; borrow && i >= 0; i--) {
    const d = digitOf(ds[i]) - 1;
    if (d === -1) ds[i] = digits[digits.length - 1];
    else {
      ds[i] = digits[d];
      borrow = false;
    }
  }
  if (!borrow) return head + ds.join("");
  if (head === "a") return "Z" + digits[digits.length - 1];
  if (head === "A") return undefined;
  const h = String.fromCharCode(head.charCodeAt(0) - 1);
  if (h < "Z") ds.push(digits[digits.length - 1]);
  else ds.pop();
  return h + ds.join("");
}

/**
 * between is an index that sorts after a and before b; "" for a means the
 * start, "" for b the end. It throws when a ≥ b or either is not an index.
 */
export function between(a: string, b: string): string {
  if (a && !validIndex(a)) throw new Error(`canvas: ${a} is not a fractional index`);
  if (b && !validIndex(b)) throw new Error(`canvas: ${b} is not a fractional index`);
  if (a && b && a >= b) throw new Error(`canvas: index ${a} is not before ${b}`);
  const end = () => new Error("canvas: no index beyond the end of the order");
  if (!a && !b) return "a0";
  if (!a) {
    const ib = integerPart(b);
    const fb = b.slice(ib.length);
    if (ib === smallestInteger) return ib + midpoint("", fb);
    if (ib < b) return ib;
    const r = decrementInteger(ib);
    if (r === undefined) throw end();
    return r;
  }
  if (!b) {
    const ia = integerPart(a);
    const fa = a.slice(ia.length);
    const i = incrementInteger(ia);
    return i === undefined ? ia + midpoint(fa, "") : i;
  }
  const ia = integerPart(a),
    ib = integerPart(b);
  const fa = a.slice(ia.length),
    fb = b.slice(ib.length);
  if (ia === ib) return ia + midpoint(fa, fb);
  const i = incrementInteger(ia);
  if (i === undefined) throw end();
  return i < b ? i : ia + midpoint(fa, "");
}

// byZ orders elements back to front: by index, then id (two people may
// pick the same index at once).
export function byZ(a: Element, b: Element): number {
  const za = typeof a.props.z === "string" ? a.props.z : "";
  const zb = typeof b.props.z === "string" ? b.props.z : "";
  if (za !== zb) return za < zb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function zOf(e: Element): string {
  return typeof e.props.z === "string" ? e.props.z : "";
}

// ---- The document a board shows. ----

interface Pending {
  op: Op;
  at: number;
}

/**
 * Board holds a canvas's confirmed elements and the person's pending ops.
 * view(id) is the confirmed element with pending props on top; a changed
 * element is a new object, so a renderer can skip what did not change.
 */
export class Board {
  private confirmed = new Map<string, Element>();
  private pending = new Map<string, Pending>();
  private views = new Map<string, Element>();
  private dirty = new Set<string>();
  cursor: Stamp = 0n;
  version = 0;

  get size() {
    return this.confirmed.size;
  }

  // apply merges a patch from the server; it returns what changed.
  apply(p: Patch): Patch {
    let e = this.confirmed.get(p.id);
    if (!e) {
      e = { id: p.id, kind: "", owner: "", props: {}, stamps: {} };
      this.confirmed.set(p.id, e);
    }
    const out = merge(e, p);
    const m = maxStamp(p);
    if (m > this.cursor) this.cursor = m;
    if (!emptyPatch(out)) this.touch(p.id);
    return out;
  }

  // reset drops everything confirmed (a complete snapshot follows).
  reset() {
    for (const id of this.confirmed.keys()) this.dirty.add(id);
    this.confirmed.clear();
    this.views.clear();
    this.version++;
  }

  // local shows an own op at once, until ack or error.
  local(op: Op) {
    this.pending.set(op.op_id, { op, at: Date.now() });
    this.touch(op.element_id);
  }

  // ack confirms an own op with the stamp the server gave it.
  ack(opId: string, stamp: Stamp, owner: string) {
    const p = this.pending.get(opId);
    if (!p) return;
    this.pending.delete(opId);
    this.apply(opPatch(p.op, owner, stamp));
    this.touch(p.op.element_id);
  }

  // reject drops an own op the server refused.
  reject(opId: string): Op | undefined {
    const p = this.pending.get(opId);
    if (!p) return undefined;
    this.pending.delete(opId);
    this.touch(p.op.element_id);
    return p.op;
  }

  pendingOps(): Op[] {
    return [...this.pending.values()].map((p) => p.op);
  }

  clearPending() {
    for (const p of this.pending.values()) this.touch(p.op.element_id);
    this.pending.clear();
  }

  private touch(id: string) {
    this.views.delete(id);
    this.dirty.add(id);
    this.version++;
  }

  confirmedElement(id: string): Element | undefined {
    return this.confirmed.get(id);
  }

  // view is the element as the person sees it (undefined: none or deleted).
  view(id: string, withDeleted = false): Element | undefined {
    let v = this.views.get(id);
    if (!v) {
      const c = this.confirmed.get(id);
      let props: Props | undefined = c ? { ...c.props } : undefined;
      let kind = c?.kind ?? "";
      for (const { op } of this.pending.values()) {
        if (op.element_id !== id) continue;
        if (op.action === "create") {
          props = { ...(props ?? {}), ...op.props, deleted: false };
          kind ||= op.kind ?? "";
        } else if (props) {
          Object.assign(props, op.props ?? {});
          if (op.action === "delete") props.deleted = true;
          if (op.action === "restore") props.deleted = false;
        }
      }
      if (!props) return undefined;
      v = { id, kind, owner: c?.owner ?? "", props, stamps: c?.stamps ?? {} };
      this.views.set(id, v);
    }
    if (!withDeleted && v.props.deleted === true) return undefined;
    return v;
  }

  ids(): string[] {
    const s = new Set(this.confirmed.keys());
    for (const { op } of this.pending.values()) s.add(op.element_id);
    return [...s];
  }

  // elements are the visible ones, back to front.
  elements(): Element[] {
    const out: Element[] = [];
    for (const id of this.ids()) {
      const v = this.view(id);
      if (v && v.kind) out.push(v);
    }
    return out.sort(byZ);
  }

  // takeDirty lists what changed since the last call.
  takeDirty(): string[] {
    const d = [...this.dirty];
    this.dirty.clear();
    return d;
  }
}

// newId is a Firestore-style id for an element or op.
export function newId(): string {
  const a = new Uint8Array(20);
  crypto.getRandomValues(a);
  let s = "";
  for (const b of a) s += digits[b % 62];
  return s;
}
