// Files the app saves for the person (exports, calendars, reports): handed
// to the browser through a temporary object URL under a name that says
// what they hold.

/** saveFile hands a blob to the browser as a file called name. */
export function saveFile(file: Blob, name: string) {
  const href = URL.createObjectURL(file);
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** fileName makes a download's name from its parts: lower case, letters and digits joined by "-". */
export function fileName(parts: (string | undefined)[], ext: string): string {
  const base = parts
    .filter(Boolean)
    .join("-")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
  return `${base || "studio"}.${ext}`;
}
