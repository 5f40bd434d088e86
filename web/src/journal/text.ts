// Text helpers of the journal: a local word search for when the network is
// gone, and a word diff for the conflict view.
import type { Entry } from "./types";

/** fold lowers case and drops diacritics (Hebrew points included), so "Café" finds "cafe". */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f\u0591-\u05c7]/g, "").toLocaleLowerCase();
}

function words(s: string): string[] {
  return fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** matches is true when every word of q starts a word of the entry (title, body, tags). */
export function matches(e: Pick<Entry, "title" | "body" | "tags">, q: string): boolean {
  const want = words(q);
  if (want.length === 0) return true;
  const have = words([e.title, e.body, ...e.tags].join(" "));
  return want.every((w) => have.some((h) => h.startsWith(w)));
}

export interface Part {
  text: string;
  kind: "same" | "added" | "removed";
}

function tokens(s: string): string[] {
  return s.match(/\s+|[^\s]+/g) ?? [];
}

/**
 * diff compares two texts word by word (a longest common subsequence;
 * entries are short enough, and above a size it falls back to "all
 * changed" rather than hold the page).
 */
export function diff(a: string, b: string): Part[] {
  const x = tokens(a);
  const y = tokens(b);
  if (x.length * y.length > 4_000_000) return [{ text: a, kind: "removed" }, { text: b, kind: "added" }];
  const n = x.length;
  const m = y.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: Part[] = [];
  const push = (text: string, kind: Part["kind"]) => {
    const last = out.at(-1);
    if (last?.kind === kind) last.text += text;
    else out.push({ text, kind });
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      push(x[i], "same");
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) push(x[i++], "removed");
    else push(y[j++], "added");
  }
  while (i < n) push(x[i++], "removed");
  while (j < m) push(y[j++], "added");
  return out;
}
