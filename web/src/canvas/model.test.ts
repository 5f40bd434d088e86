import { describe, expect, it } from "vitest";
import { Board, between, byZ, merge, opPatch, readPatch, validIndex, type Element, type Patch } from "./model";

const el = (): Element => ({ id: "", kind: "", owner: "", props: {}, stamps: {} });
const p = (props: Record<string, unknown>, s: bigint, extra: Partial<Patch> = {}): Patch => ({
  id: "e1",
  props,
  stamps: Object.fromEntries(Object.keys(props).map((k) => [k, s])),
  ...extra,
});

// A small deterministic generator, so a failure repeats.
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe("merge", () => {
  it.each([
    { name: "newer wins", a: [{ x: 1 }, 5n], b: [{ x: 2 }, 6n], want: { x: 2 }, changed: { x: 2 } },
    { name: "older loses", a: [{ x: 1 }, 6n], b: [{ x: 2 }, 5n], want: { x: 1 }, changed: {} },
    { name: "equal stamp is an echo", a: [{ x: 1 }, 5n], b: [{ x: 1 }, 5n], want: { x: 1 }, changed: {} },
    { name: "per property", a: [{ x: 1, y: 1 }, 5n], b: [{ y: 2 }, 6n], want: { x: 1, y: 2 }, changed: { y: 2 } },
    { name: "null removes and keeps its stamp", a: [{ text: "a" }, 5n], b: [{ text: null }, 6n], want: { text: null }, changed: { text: null } },
  ] as const)("$name", ({ a, b, want, changed }) => {
    const e = el();
    merge(e, p(a[0], a[1], { kind: "note", owner: "u1" }));
    const out = merge(e, p(b[0], b[1]));
    expect(e.props).toEqual(want);
    expect(out.props).toEqual(changed);
    expect(e.kind).toBe("note");
  });

  it("keeps stamps beyond 2^53 apart", () => {
    const base = 1_812_345_678_901_234n << 10n;
    const e = el();
    merge(e, p({ x: 1 }, base + 2n));
    expect(merge(e, p({ x: 2 }, base + 1n)).props).toEqual({});
    expect(merge(e, p({ x: 3 }, base + 3n)).props).toEqual({ x: 3 });
  });

  it("converges whatever the order, duplicates included", () => {
    const r = rng(42);
    const patches: Patch[] = [];
    for (let i = 0; i < 200; i++) {
      const key = ["x", "y", "text", "deleted"][Math.floor(r() * 4)];
      patches.push(p({ [key]: Math.floor(r() * 100) }, BigInt(Math.floor(r() * 50)) * 1024n + BigInt(Math.floor(r() * 3))));
    }
    const ref = el();
    for (const q of patches) merge(ref, q);
    for (let round = 0; round < 20; round++) {
      const order = [...patches, ...patches.slice(0, 30)].sort(() => r() - 0.5);
      const e = el();
      for (const q of order) merge(e, q);
      // Equal stamps only come from one write, so values must match when stamps do.
      expect(e.stamps).toEqual(ref.stamps);
    }
  });
});

describe("opPatch", () => {
  it("creates with kind, owner and deleted false", () => {
    const q = opPatch({ op_id: "o", action: "create", element_id: "e", kind: "note", props: { x: 1, y: 2 } }, "u", 9n);
    expect(q).toEqual({ id: "e", kind: "note", owner: "u", props: { x: 1, y: 2, deleted: false }, stamps: { x: 9n, y: 9n, deleted: 9n } });
  });
  it("deletes with deleted true", () => {
    expect(opPatch({ op_id: "o", action: "delete", element_id: "e" }, "u", 9n).props).toEqual({ deleted: true });
  });
});

describe("readPatch", () => {
  it("reads stamps of any size as BigInt and refuses a patch without id", () => {
    expect(readPatch({ id: "a", props: { x: 1 }, stamps: { x: 5 } })?.stamps.x).toBe(5n);
    expect(readPatch({ props: {} })).toBeUndefined();
    expect(readPatch(null)).toBeUndefined();
  });
});

describe("between", () => {
  it("orders new indexes between any two", () => {
    const r = rng(7);
    let list = [between("", "")];
    for (let i = 0; i < 500; i++) {
      const at = Math.floor(r() * (list.length + 1));
      const a = at > 0 ? list[at - 1] : "";
      const b = at < list.length ? list[at] : "";
      const m = between(a, b);
      expect(validIndex(m), m).toBe(true);
      if (a) expect(m > a, `${m} > ${a}`).toBe(true);
      if (b) expect(m < b, `${m} < ${b}`).toBe(true);
      list = [...list.slice(0, at), m, ...list.slice(at)];
    }
    // Appending at the end keeps indexes short.
    let last = "";
    for (let i = 0; i < 100; i++) last = between(last, "");
    expect(last.length).toBeLessThan(5);
  });
  // The same examples as shared/canvas index_test.go: both sides agree.
  it.each([
    ["", "", "a0"],
    ["", "a0", "Zz"],
    ["", "Zz", "Zy"],
    ["a0", "", "a1"],
    ["a1", "", "a2"],
    ["a0", "a1", "a0V"],
    ["a1", "a2", "a1V"],
    ["a0V", "a1", "a0l"],
    ["Zz", "a0", "ZzV"],
    ["Zz", "a1", "a0"],
    ["", "Y00", "Xzzz"],
    ["bzz", "", "c000"],
    ["a0", "a0V", "a0G"],
    ["a0", "a0G", "a08"],
    ["b125", "b129", "b127"],
    ["a0", "a1V", "a1"],
    ["Zz", "a01", "a0"],
    ["", "a0V", "a0"],
    ["", "b999", "b99"],
    ["zzzzzzzzzzzzzzzzzzzzzzzzzzy", "", "zzzzzzzzzzzzzzzzzzzzzzzzzzz"],
    ["zzzzzzzzzzzzzzzzzzzzzzzzzzz", "", "zzzzzzzzzzzzzzzzzzzzzzzzzzzV"],
  ])("between(%j, %j) = %j", (a, b, want) => expect(between(a, b)).toBe(want));
  it("refuses bad input", () => {
    for (const [a, b] of [["a1", "a0"], ["a0", "a0"], ["x", ""], ["", "a"], ["A00000000000000000000000000", ""], ["a0!", ""], ["a00", ""]])
      expect(() => between(a, b), `${a} ${b}`).toThrow();
  });
  it.each([
    ["a0", true], ["a0V", true], ["Zz", true], ["b12", true], ["zzzzzzzzzzzzzzzzzzzzzzzzzzz", true],
    ["", false], ["a", false], ["a00", false], ["b1", false], ["a0 ", false], ["A00000000000000000000000000", false], ["é0", false],
  ] as const)("validIndex(%j) = %j", (s, want) => expect(validIndex(s)).toBe(want));
});

describe("Board", () => {
  it("shows own ops at once and confirms them with the acked stamp", () => {
    const b = new Board();
    b.apply({ id: "e", kind: "note", owner: "u2", props: { x: 1, y: 1, deleted: false }, stamps: { x: 10n, y: 10n, deleted: 10n } });
    b.local({ op_id: "o1", action: "update", element_id: "e", props: { x: 5 } });
    expect(b.view("e")?.props.x).toBe(5);
    // A remote change of another property shows under the pending one.
    b.apply({ id: "e", props: { y: 7 }, stamps: { y: 11n } });
    expect(b.view("e")?.props).toMatchObject({ x: 5, y: 7 });
    b.ack("o1", 12n, "u1");
    expect(b.view("e")?.props.x).toBe(5);
    expect(b.confirmedElement("e")?.stamps.x).toBe(12n);
    expect(b.pendingOps()).toEqual([]);
  });
  it("reverts a refused op and hides deleted elements", () => {
    const b = new Board();
    b.local({ op_id: "o1", action: "create", element_id: "n", kind: "note", props: { x: 0, y: 0 } });
    expect(b.elements().map((e) => e.id)).toEqual(["n"]);
    b.reject("o1");
    expect(b.elements()).toEqual([]);
    b.apply({ id: "d", kind: "note", owner: "u", props: { x: 0, y: 0, deleted: true }, stamps: { x: 1n, y: 1n, deleted: 1n } });
    expect(b.view("d")).toBeUndefined();
    expect(b.view("d", true)).toBeDefined();
  });
  it("sorts back to front by z then id, and tracks the cursor", () => {
    const b = new Board();
    b.apply({ id: "b", kind: "shape", owner: "u", props: { z: "a1" }, stamps: { z: 3n } });
    b.apply({ id: "a", kind: "shape", owner: "u", props: { z: "a1" }, stamps: { z: 4n } });
    b.apply({ id: "c", kind: "shape", owner: "u", props: { z: "Zz" }, stamps: { z: 2n } });
    expect(b.elements().map((e) => e.id)).toEqual(["c", "a", "b"]);
    expect(b.cursor).toBe(4n);
    expect([...b.elements()].sort(byZ).map((e) => e.id)).toEqual(["c", "a", "b"]);
  });
});

describe("ink", () => {
  it.each([
    ["#42d4f4", "#1f2a29"],
    ["#3cb44b", "#1f2a29"],
    ["#800000", "#ffffff"],
    ["#4363d8", "#ffffff"],
    ["nonsense", "#ffffff"],
  ])("on %s writes %s", async (bg, want) => {
    const { ink } = await import("./ink");
    expect(ink(bg)).toBe(want);
  });
});
