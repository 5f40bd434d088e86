// Frames carry stamps: int64 microseconds shifted left by 10 bits, beyond
// the 2^53 a JavaScript number holds exactly. Integers outside the safe
// range are read as BigInt and written back as bare digits, so a stamp
// survives a round trip bit for bit.

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const nativeSource = (() => {
  try {
    let seen = false;
    JSON.parse("1", ((_k: string, v: unknown, ctx?: { source?: string }) => {
      seen = ctx?.source === "1";
      return v;
    }) as Reviver as never);
    return seen;
  } catch {
    return false;
  }
})();

const unsafe = (n: number) => Number.isInteger(n) && !Number.isSafeInteger(n);
const marker = "\u0000n:";

// quoteBigInts wraps every integer literal longer than 15 digits outside
// strings in a marked string, so JSON.parse keeps its digits.
function quoteBigInts(text: string): string {
  let out = "";
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++;
        else break;
      }
      const lit = text.slice(start, i);
      if (/^-?\d{16,}$/.test(lit) && !Number.isSafeInteger(Number(lit))) {
        out += text.slice(last, start) + `"\\u0000n:${lit}"`;
        last = i;
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

export function parseJSON(text: string): unknown {
  if (nativeSource) {
    return JSON.parse(text, ((_k: string, v: unknown, ctx?: { source?: string }) =>
      typeof v === "number" && unsafe(v) && ctx?.source && /^-?\d+$/.test(ctx.source) ? BigInt(ctx.source) : v) as Reviver as never);
  }
  const q = quoteBigInts(text);
  if (q === text) return JSON.parse(text);
  return JSON.parse(q, (_k, v) => (typeof v === "string" && v.startsWith(marker) ? BigInt(v.slice(marker.length)) : v));
}

// stringifyJSON writes BigInts as JSON integers.
export function stringifyJSON(value: unknown): string {
  let big = false;
  const s = JSON.stringify(value, (_k, v) => {
    if (typeof v === "bigint") {
      big = true;
      return `${marker}${v.toString()}`;
    }
    return v;
  });
  if (!big) return s;
  return s.replace(/"\\u0000n:(-?\d+)"/g, "$1");
}
