// Journey requests that need more than data(): ETag revisions and downloads.
import { api } from "../api/client";
import { ApiError } from "../api/problem";
import { saveFile } from "../api/files";

export function ifMatch(revision: number) {
  return { "If-Match": `"${revision}"` };
}

// status of a failed request, from its ApiError problem.
export function status(err: unknown): number | undefined {
  const p = err instanceof ApiError ? (err.problem as { status?: number } | undefined) : undefined;
  return p?.status;
}

// download fetches an export with the person's token and hands it to the
// browser as a file (a plain link would carry no Authorization header).
export async function download(journeyId: string, format: "json" | "pdf", version?: number) {
  const { data, error, response } = await api.GET("/journeys/v1/journeys/{journeyId}/export", {
    params: { path: { journeyId }, query: { format, ...(version ? { version } : {}) } },
    parseAs: "blob",
  });
  if (error !== undefined || !response.ok || !(data instanceof Blob)) {
    throw new ApiError(error ?? { type: "about:blank", title: response.statusText, status: response.status });
  }
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `journey-${journeyId}.${format}`;
  saveFile(data, name);
}
