// The canvas API (/api/canvas/v1) through the typed client: canvases,
// shares, versions, the trash and exports. Edits themselves travel over
// the realtime socket.
import { useQuery } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { ApiError, problemMessageKey } from "../api/problem";
import type { components, operations } from "../api/schema";

type S = components["schemas"];

// The API always names what it returns; the schema leaves id optional.
type Named<T> = T & { id: string };

export type Canvas = Named<S["Canvas"]>;
export type Role = NonNullable<S["Canvas"]["role"]>;
export type Visibility = S["CanvasPatch"]["visibility"];
export type SessionRole = S["CanvasPatch"]["session_role"];
/** A share as the owner sets it. */
export type Share = S["CanvasShare"];
/** A share as the canvas lists it (the owner's view). */
export type ShareEntry = NonNullable<S["Canvas"]["shares"]>[string];
export type Version = Named<S["CanvasVersion"]>;
type TrashEntry = NonNullable<operations["listCanvasTrash"]["responses"][200]["content"]["application/json"]["elements"]>[number];
// An element's props are whatever its kind holds.
export type TrashItem = Named<Omit<TrashEntry, "props">> & { props?: Record<string, unknown> };
export type ExportFormat = S["CanvasExportRequest"]["format"];
export type Export = operations["exportCanvas"]["responses"][200]["content"]["application/json"];

export function problemKey(err: unknown) {
  return problemMessageKey(err instanceof ApiError ? err.problem : err);
}

const canvasPath = (canvasId: string) => ({ params: { path: { canvasId } } });

export function useCanvases(sessionId?: string) {
  return useQuery({
    queryKey: ["canvas", "list", sessionId ?? ""],
    queryFn: async () => {
      const r = await data(api.GET("/canvas/v1/canvases", { params: { query: sessionId ? { session_id: sessionId } : {} } }));
      return (r.canvases ?? []).filter((c): c is Canvas => !!c.id);
    },
  });
}

export function useCanvas(id: string) {
  return useQuery({
    queryKey: ["canvas", "one", id],
    queryFn: async (): Promise<Canvas> => ({ ...(await data(api.GET("/canvas/v1/canvases/{canvasId}", canvasPath(id)))), id }),
    retry: false,
  });
}

export async function createCanvas(body: S["CanvasCreate"]): Promise<Canvas> {
  const c = await data(api.POST("/canvas/v1/canvases", { body }));
  if (!c.id) throw new ApiError(undefined);
  return c as Canvas;
}

export function patchCanvas(id: string, body: S["CanvasPatch"]) {
  return data(api.PATCH("/canvas/v1/canvases/{canvasId}", { ...canvasPath(id), body }));
}

/** setShare gives uid a role on the canvas, or (share undefined) takes it away. */
export function setShare(id: string, uid: string, share: Share | undefined) {
  const params = { path: { canvasId: id, uid } };
  return share
    ? data(api.PUT("/canvas/v1/canvases/{canvasId}/shares/{uid}", { params, body: share }))
    : data(api.DELETE("/canvas/v1/canvases/{canvasId}/shares/{uid}", { params }));
}

export async function listVersions(id: string): Promise<Version[]> {
  const r = await data(api.GET("/canvas/v1/canvases/{canvasId}/versions", canvasPath(id)));
  return (r.versions ?? []).filter((v): v is Version => !!v.id);
}

export function snapshot(id: string) {
  return data(api.POST("/canvas/v1/canvases/{canvasId}/versions", { ...canvasPath(id), body: {} }));
}

export function restoreVersion(id: string, versionId: string) {
  return data(api.POST("/canvas/v1/canvases/{canvasId}/versions/{versionId}/restore", { params: { path: { canvasId: id, versionId } }, body: {} }));
}

export async function listTrash(id: string): Promise<TrashItem[]> {
  const r = await data(api.GET("/canvas/v1/canvases/{canvasId}/trash", canvasPath(id)));
  return (r.elements ?? []).filter((e) => !!e.id) as TrashItem[];
}

export function restoreElement(id: string, elementId: string) {
  return data(api.POST("/canvas/v1/canvases/{canvasId}/trash/{elementId}/restore", { params: { path: { canvasId: id, elementId } }, body: {} }));
}

/** exportCanvas renders the canvas on the server: a signed download. */
export async function exportCanvas(id: string, format: ExportFormat): Promise<Export & { url: string }> {
  // dpi has a default in the schema, so the generated type requires it,
  // but the server takes it for a PNG only.
  const body = (format === "png" ? { format, dpi: 144 } : { format }) as S["CanvasExportRequest"];
  const r = await data(api.POST("/canvas/v1/canvases/{canvasId}/exports", { ...canvasPath(id), body }));
  if (!r.url) throw new ApiError(undefined);
  return { ...r, url: r.url };
}
