// The insights API (/api/insights/v1, functions/insights): what the
// facilitator's panel and the retrospective read, through the typed client
// (infra/openapi.yaml). Every figure comes from the canvas op log of
// participants who turned canvas activity insights on.
import { api, data } from "../api/client";
import type { components } from "../api/schema";
import { languages, type Language } from "../i18n";
import { fileName, saveFile } from "../api/files";

type S = components["schemas"];
export type Live = S["InsightsLive"];
export type Metrics = S["InsightsMetrics"];
export type Participant = Live["participants"][number];
export type Flag = NonNullable<Participant["flags"]>[number];
export type Recommendation = Live["recommendations"][number];
export type RecStatus = Recommendation["status"];
export type ThemeCount = S["InsightsThemeCount"];
export type Retrospective = S["InsightsRetrospective"];

export const metricKeys = ["ops_per_min", "active_pct", "cards_placed", "connections", "interactions", "idle_periods"] as const;
export type MetricKey = (typeof metricKeys)[number];

/** apiLang is the shown language as the API names it (English for anything else). */
export function apiLang(lang: string): Language {
  return (languages as readonly string[]).includes(lang) ? (lang as Language) : "en";
}

/** getLive answers at once without after; with it, once the version passes it (or when the server's wait ends). */
export const getLive = (sessionId: string, lang: string, after: number | undefined, signal?: AbortSignal) =>
  data(
    api.GET("/insights/v1/sessions/{sessionId}/live", {
      params: { path: { sessionId }, query: { lang: apiLang(lang), ...(after === undefined ? {} : { after }) } },
      signal,
    }),
  );

export const decide = (sessionId: string, recId: string, status: "accepted" | "dismissed") =>
  data(api.POST("/insights/v1/sessions/{sessionId}/recommendations/{recId}", { params: { path: { sessionId, recId } }, body: { status } }));

export const getRetrospective = (sessionId: string, lang: string) =>
  data(api.GET("/insights/v1/sessions/{sessionId}/retrospective", { params: { path: { sessionId }, query: { lang: apiLang(lang) } } }));

/** downloadRetrospective saves the PDF as "<title>-retrospective.pdf". */
export async function downloadRetrospective(sessionId: string, lang: string, title: string): Promise<void> {
  const file = await data<Blob>(api.GET("/insights/v1/sessions/{sessionId}/retrospective.pdf", { params: { path: { sessionId }, query: { lang: apiLang(lang) } }, parseAs: "blob" }));
  saveFile(file, fileName([title, "retrospective"], "pdf"));
}
