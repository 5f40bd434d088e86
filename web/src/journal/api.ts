// The journal API (/api/journal/v1, functions/journal) through the typed
// client: the sync transport and the online extras (search by meaning,
// usage, prompts, export). A failed answer becomes an HttpProblem, so the
// sync engine can tell a gap or a limit from anything else; a network
// failure stays the TypeError fetch throws.
import { api } from "../api/client";
import type { Language } from "../i18n";
import { HttpProblem, type Transport } from "./journal";
import type { Entry, Phase, Prompt, PullAnswer, PushAnswer, SearchResult, Usage } from "./types";
import { saveFile } from "../api/files";

async function body<T>(p: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (error !== undefined || !response.ok) {
    const problem = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : { type: "about:blank", status: response.status };
    throw new HttpProblem(response.status, problem);
  }
  return data as T;
}

export const transport: Transport = {
  // The schema leaves a mutation's args open; the engine builds them.
  push: (b) => body<PushAnswer>(api.POST("/journal/v1/push", { body: b as never })),
  pull: (b) => body<PullAnswer>(api.POST("/journal/v1/pull", { body: b })),
};

export const getUsage = () => body<Usage>(api.GET("/journal/v1/usage"));

export const getEntry = (entryId: string) => body<Entry>(api.GET("/journal/v1/entries/{entryId}", { params: { path: { entryId } } }));

export const search = (q: string, mode: "words" | "meaning" | "both" = "both") =>
  body<{ results: SearchResult[] }>(api.GET("/journal/v1/search", { params: { query: { q, mode, limit: 20 } } }));

export const getPrompts = (q: { phase?: Phase; card?: string; lang: Language }) =>
  body<{ prompts: Prompt[] }>(api.GET("/journal/v1/prompts", { params: { query: q } }));

export const suggestPrompts = (b: { entry_id?: string; phase?: Phase; lang: Language }) =>
  body<{ prompts: Prompt[] }>(api.POST("/journal/v1/prompts/suggest", { body: b }));

/** exportFile downloads the person's journal as a ZIP of Markdown files or a PDF. */
export async function exportFile(format: "zip" | "pdf"): Promise<void> {
  const { response } = await api.GET("/journal/v1/export", { params: { query: { format } }, parseAs: "stream" });
  if (!response.ok) throw new HttpProblem(response.status, await response.json().catch(() => ({ status: response.status })));
  const name = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? `journal.${format}`;
  saveFile(await response.blob(), name);
}
