// Files from the insights and reports functions (CSV, PDF): read through
// the typed client as blobs and handed to the browser under a name that
// says what they hold.
import { ApiError } from "../api/problem";

/** blob is a file answer's body, or an ApiError with its problem. */
export async function blob(p: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<Blob> {
  const { data, error, response } = await p;
  if (error !== undefined || !response.ok) throw new ApiError(error ?? { type: "about:blank", title: response.statusText, status: response.status });
  return data as Blob;
}

/** save hands a blob to the browser as a file called name. */
export function save(file: Blob, name: string) {
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
