import { describe, expect, it } from "vitest";
import { parseJSON, stringifyJSON } from "./json";

describe("stamps in JSON", () => {
  it("keeps integers beyond 2^53 exactly", () => {
    const stamp = 1_812_345_678_901_234n * 1024n + 7n;
    const text = `{"type":"ack","op_id":"a","stamp":${stamp}}`;
    const v = parseJSON(text) as { stamp: bigint };
    expect(v.stamp).toBe(stamp);
    expect(stringifyJSON(v)).toBe(text);
  });
  it("leaves small numbers, floats and strings alone", () => {
    const text = `{"x":1.5,"y":-3,"p":[1e3,0.25],"t":"a: 12345678901234567890, \\"q\\" 99999999999999999999","z":-99999999999999999999}`;
    const v = parseJSON(text) as { x: number; y: number; p: number[]; t: string; z: bigint };
    expect(v.x).toBe(1.5);
    expect(v.y).toBe(-3);
    expect(v.p).toEqual([1000, 0.25]);
    expect(v.t).toBe('a: 12345678901234567890, "q" 99999999999999999999');
    expect(v.z).toBe(-99999999999999999999n);
  });
  it("writes plain values as JSON.stringify does", () => {
    expect(stringifyJSON({ a: [1, "b"], c: null })).toBe('{"a":[1,"b"],"c":null}');
  });
});
