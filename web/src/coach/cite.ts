// Citation markers in the coach's answers: the model cites each source it
// used as [source: ID] inside the text, and the app shows the source's
// title there, linked to the library.

export type Part = string | { cite: string };

const marker = /\[source:\s*([A-Za-z0-9][A-Za-z0-9_-]{0,79})\s*\]/g;
// An unfinished marker at the end of a text still being written.
const partial = /\[(s(o(u(r(c(e(:[^\]]*)?)?)?)?)?)?)?$/;

/**
 * citeParts splits text into plain runs and citations of the given
 * sources; a marker naming no listed source is dropped (it would lead
 * nowhere). With writing set, an unfinished marker at the end is held
 * back until the rest of it arrives.
 */
export function citeParts(text: string, known: ReadonlySet<string>, writing = false): Part[] {
  const out: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(marker)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (known.has(m[1])) out.push({ cite: m[1] });
    last = m.index + m[0].length;
  }
  let rest = text.slice(last);
  if (writing) rest = rest.replace(partial, "");
  if (rest) out.push(rest);
  // Dropped markers leave no doubled spaces behind.
  return out.map((p, i) => (typeof p === "string" && i > 0 && typeof out[i - 1] === "string" ? p.replace(/^ +/, "") : p)).filter((p) => p !== "");
}

/** citeText is the text with each citation as its source's title, for reading aloud. */
export function citeText(text: string, titles: ReadonlyMap<string, string>): string {
  return citeParts(text, new Set(titles.keys()))
    .map((p) => (typeof p === "string" ? p : (titles.get(p.cite) ?? "")))
    .join("");
}
