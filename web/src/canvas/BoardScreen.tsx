// One canvas: the toolbar, the Konva surface, other people's cursors, the
// presence list and the panels. Everything the surface shows is also
// listed for screen readers, and every action has a labelled button.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type Konva from "konva";
import { Link, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { useMe } from "../me";
import { isolate } from "../i18n";
import { ApiError } from "../api/problem";
import { useCanvas } from "./api";
import { between, newId, zOf, type Element } from "./model";
import { BoardStage, box, clampZoom, noteColors, num, str, type Tool } from "./Stage";
import { useBoard, type Person, type Viewport } from "./useBoard";
import { CardPicker, Dialog, ExportMenu, Problem, ShareDialog, TrashPanel, VersionsPanel, uploadImage } from "./panels";
import { Minimap } from "./Minimap";
import { ink } from "./ink";

const staff = new Set(["facilitator", "educator", "org_admin"]);
const toolKeys: Record<string, Tool> = { v: "select", n: "note", t: "text", p: "pen", c: "connector", s: "shape", f: "frame" };
const shapes = ["rect", "ellipse", "triangle", "star", "hexagon"] as const;

function useSize(ref: React.RefObject<HTMLElement | null>) {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => setSize({ width: Math.round(e.contentRect.width), height: Math.round(e.contentRect.height) }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

// describe is what a screen reader hears for an element.
function describe(e: Element, t: (k: string, o?: Record<string, unknown>) => string): string {
  const kind = t(`canvas.kind.${e.kind}`);
  const text = str(e.props.text) || str(e.props.title) || str(e.props.label);
  return text ? `${kind}: ${text}` : kind;
}

export function BoardScreen() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const meta = useCanvas(id);
  if (meta.isPending) return <p className="card" role="status">{t("app.loading")}</p>;
  if (meta.isError)
    return (
      <section className="card">
        <h1>{t("canvas.notFound")}</h1>
        {meta.error instanceof ApiError && (meta.error.problem as { status?: number } | undefined)?.status === 404 ? <p>{t("canvas.notFoundLead")}</p> : <Problem error={meta.error} />}
        <Link to="/canvas">{t("canvas.backToList")}</Link>
      </section>
    );
  return <Board id={id} title={meta.data.title ?? ""} canvas={meta.data} />;
}

function Board({ id, title, canvas }: { id: string; title: string; canvas: NonNullable<ReturnType<typeof useCanvas>["data"]> }) {
  const { t } = useTranslation();
  const me = useMe();
  const s = useBoard(id);
  const role = s.role || canvas.role || "";
  const editable = role === "editor" || role === "owner";
  const isOwner = role === "owner";
  // The gateway lets the session's facilitators lead the view: its
  // facilitator and co-facilitators while staff of its organisation.
  const staffMember = !!canvas.session_id && staff.has(me.data?.role ?? "");
  const session = useQuery({
    queryKey: ["canvas", "session", canvas.session_id ?? ""],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}", { params: { path: { sessionId: canvas.session_id! } } })),
    enabled: staffMember,
    retry: false,
  });
  const myUid = me.data?.uid ?? "";
  const facilitator = staffMember && !!myUid && (session.data?.facilitator === myUid || !!session.data?.co_facilitators?.includes(myUid));
  const wrap = useRef<HTMLDivElement>(null);
  const size = useSize(wrap);
  const stageRef = useRef<Konva.Stage | null>(null);
  const [viewport, setViewport] = useState<Viewport>({ x: 40, y: 40, zoom: 1 });
  const [tool, setTool] = useState<Tool>("select");
  const [shape, setShape] = useState<(typeof shapes)[number]>("rect");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [connectFrom, setConnectFrom] = useState<string | undefined>();
  const [editing, setEditing] = useState<{ id: string; field: "text" | "title" | "label"; value: string } | undefined>();
  const [spaceDown, setSpaceDown] = useState(false);
  const [panel, setPanel] = useState<"versions" | "trash" | undefined>();
  const [dialog, setDialog] = useState<"share" | "cards" | "help" | undefined>();
  const [uploading, setUploading] = useState<unknown>(undefined);
  const [following, setFollowing] = useState<"follow_me" | undefined>();
  const fileRef = useRef<HTMLInputElement>(null);

  const byId = useMemo(() => new Map(s.elements.map((e) => [e.id, e])), [s.elements]);
  // A selection keeps only what still exists.
  useEffect(() => {
    const live = [...selected].filter((x) => byId.has(x));
    if (live.length !== selected.size) setSelected(new Set(live));
  }, [byId, selected]);
  useEffect(() => {
    if (!editable) {
      setTool("select");
      setEditing(undefined);
    }
  }, [editable]);

  // Someone else's "follow me" or "bring everyone" moves the view: a
  // "bring everyone" once, "follow me" again whenever the surface resizes.
  const broughtAt = useRef(0);
  useEffect(() => {
    const f = s.follow;
    if (!f || !size.width) return;
    if (f.mode === "bring_all" && broughtAt.current === f.seq) return;
    broughtAt.current = f.seq;
    const z = clampZoom(num(f.viewport.zoom, 1));
    setViewport({ zoom: z, x: size.width / 2 - f.viewport.x * z, y: size.height / 2 - f.viewport.y * z });
  }, [s.follow, size.width, size.height]);

  // The world point at the centre of the view (what follow sends).
  const centre = useCallback(
    () => ({ x: (size.width / 2 - viewport.x) / viewport.zoom, y: (size.height / 2 - viewport.y) / viewport.zoom, zoom: viewport.zoom }),
    [size, viewport],
  );
  // While leading, the view is sent at most 5 times a second (the last
  // one always).
  const lead = useRef<{ at: number; timer?: ReturnType<typeof setTimeout> }>({ at: 0 });
  useEffect(() => {
    if (!following) return;
    const l = lead.current;
    clearTimeout(l.timer);
    const wait = 200 - (performance.now() - l.at);
    const go = () => {
      l.at = performance.now();
      s.sendFollow("follow_me", centre());
    };
    if (wait <= 0) go();
    else l.timer = setTimeout(go, wait);
  }, [following, viewport]); // eslint-disable-line react-hooks/exhaustive-deps

  const topZ = () => {
    let m = "";
    for (const e of s.elements) if (zOf(e) > m) m = zOf(e);
    try {
      return between(m, "");
    } catch {
      return between("", "");
    }
  };

  const create = (kind: string, props: Record<string, unknown>) => {
    const elementId = newId();
    s.send({ action: "create", element_id: elementId, kind, props: { z: topZ(), ...props } });
    setSelected(new Set([elementId]));
    return elementId;
  };

  const place = (tl: Tool, at: { x: number; y: number }) => {
    const x = Math.round(at.x),
      y = Math.round(at.y);
    if (tl === "note") {
      const nid = create("note", { x, y, w: 200, h: 160, color: noteColors[s.elements.length % noteColors.length], text: "" });
      setEditing({ id: nid, field: "text", value: "" });
    } else if (tl === "text") {
      const nid = create("text", { x, y, text: "", font_size: 24 });
      setEditing({ id: nid, field: "text", value: "" });
    } else if (tl === "shape") create("shape", { x, y, w: 160, h: 100, shape, fill: "#bfe3ff", stroke: "#3d5a57" });
    else if (tl === "frame") {
      const nid = create("frame", { x, y, w: 480, h: 320, title: t("canvas.newFrame") });
      setEditing({ id: nid, field: "title", value: t("canvas.newFrame") });
    }
    setTool("select");
  };

  const viewCentre = () => {
    const c = centre();
    return { x: Math.round(c.x), y: Math.round(c.y) };
  };

  const open = (eid: string) => {
    const e = byId.get(eid);
    if (!e) return;
    const field = e.kind === "frame" ? "title" : e.kind === "connector" ? "label" : e.kind === "note" || e.kind === "text" ? "text" : undefined;
    if (field) setEditing({ id: eid, field, value: str(e.props[field]) });
  };

  const commitEdit = () => {
    if (!editing) return;
    const e = byId.get(editing.id);
    if (e && str(e.props[editing.field]) !== editing.value) s.send({ action: "update", element_id: editing.id, props: { [editing.field]: editing.value } });
    setEditing(undefined);
  };

  const remove = () => {
    if (!editable) return;
    for (const eid of selected) s.send({ action: "delete", element_id: eid });
    // Connectors of removed elements go too.
    for (const e of s.elements)
      if (e.kind === "connector") {
        const f = (e.props.from as { element?: string })?.element,
          to = (e.props.to as { element?: string })?.element;
        if ((f && selected.has(f)) || (to && selected.has(to))) s.send({ action: "delete", element_id: e.id });
      }
    setSelected(new Set());
  };

  const nudge = (dx: number, dy: number) => {
    for (const eid of selected) {
      const e = byId.get(eid);
      if (e) s.send({ action: "update", element_id: eid, props: { x: num(e.props.x) + dx, y: num(e.props.y) + dy } });
    }
  };

  // reorder moves the selection one step (or to the end) in z-order.
  const reorder = (dir: "forward" | "backward" | "front" | "back") => {
    const list = s.elements;
    for (const eid of selected) {
      const i = list.findIndex((e) => e.id === eid);
      if (i < 0) continue;
      let z: string | undefined;
      try {
        if (dir === "front") z = between(zOf(list[list.length - 1]), "");
        else if (dir === "back") z = between("", zOf(list[0]));
        else if (dir === "forward" && i < list.length - 1) z = between(zOf(list[i + 1]), i + 2 < list.length ? zOf(list[i + 2]) : "");
        else if (dir === "backward" && i > 0) z = between(i >= 2 ? zOf(list[i - 2]) : "", zOf(list[i - 1]));
      } catch {
        z = dir === "front" || dir === "forward" ? topZ() : undefined;
      }
      if (z) s.send({ action: "update", element_id: eid, props: { z } });
    }
  };

  const zoomBy = (f: number) =>
    setViewport((v) => {
      const zoom = clampZoom(v.zoom * f);
      const cx = size.width / 2,
        cy = size.height / 2;
      return { zoom, x: cx - ((cx - v.x) / v.zoom) * zoom, y: cy - ((cy - v.y) / v.zoom) * zoom };
    });

  const fit = () => {
    if (!s.elements.length || !size.width) return setViewport({ x: 40, y: 40, zoom: 1 });
    let x1 = Infinity,
      y1 = Infinity,
      x2 = -Infinity,
      y2 = -Infinity;
    for (const e of s.elements) {
      const b = box(e);
      x1 = Math.min(x1, b.x);
      y1 = Math.min(y1, b.y);
      x2 = Math.max(x2, b.x + b.w);
      y2 = Math.max(y2, b.y + b.h);
    }
    const zoom = clampZoom(Math.min((size.width - 80) / (x2 - x1 || 1), (size.height - 80) / (y2 - y1 || 1), 1.5));
    setViewport({ zoom, x: size.width / 2 - ((x1 + x2) / 2) * zoom, y: size.height / 2 - ((y1 + y2) / 2) * zoom });
  };

  // Keyboard shortcuts, except while typing.
  useEffect(() => {
    const typing = (el: EventTarget | null) =>
      el instanceof HTMLElement && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || !!el.closest("dialog"));
    const down = (e: KeyboardEvent) => {
      if (typing(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      if (e.key === " ") {
        if (!spaceDown) setSpaceDown(true);
        if (e.target === document.body || (e.target as HTMLElement).closest?.(".cv-surface")) e.preventDefault();
        return;
      }
      if (mod && e.key.toLowerCase() === "z" && editable) {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
        return;
      }
      if (mod && e.key.toLowerCase() === "y" && editable) {
        e.preventDefault();
        s.redo();
        return;
      }
      if (mod) return;
      if ((e.key === "Delete" || e.key === "Backspace") && selected.size) {
        e.preventDefault();
        remove();
      } else if (e.key === "Escape") {
        setSelected(new Set());
        setConnectFrom(undefined);
        setTool("select");
      } else if (e.key.startsWith("Arrow") && selected.size && editable) {
        e.preventDefault();
        const step = e.shiftKey ? 10 : 1;
        nudge(e.key === "ArrowLeft" ? -step : e.key === "ArrowRight" ? step : 0, e.key === "ArrowUp" ? -step : e.key === "ArrowDown" ? step : 0);
      } else if (editable && toolKeys[e.key.toLowerCase()] && !e.altKey) {
        setTool(toolKeys[e.key.toLowerCase()]);
        setConnectFrom(undefined);
      } else if (e.key === "+" || e.key === "=") zoomBy(1.2);
      else if (e.key === "-") zoomBy(1 / 1.2);
    };
    const up = (e: KeyboardEvent) => e.key === " " && setSpaceDown(false);
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  });

  const connect = (eid: string) => {
    if (!connectFrom) return setConnectFrom(eid);
    if (connectFrom !== eid)
      create("connector", {
        x: 0,
        y: 0,
        from: { element: connectFrom, anchor: "center" },
        to: { element: eid, anchor: "center" },
        style: "arrow",
        width: 2,
        label: "",
      });
    setConnectFrom(undefined);
    setTool("select");
  };

  // A long stroke becomes several elements (one frame holds at most
  // 64 KiB), each piece starting where the last ended.
  const stroke = (points: number[]) => {
    if (points.length < 3) return;
    const per = 1500 * 3;
    for (let at = 0; at < points.length - 3 || at === 0; at += per - 3) {
      const part = points.slice(at, at + per);
      const x0 = part[0],
        y0 = part[1];
      const rel = part.map((v, i) => (i % 3 === 0 ? Math.round((v - x0) * 10) / 10 : i % 3 === 1 ? Math.round((v - y0) * 10) / 10 : v));
      create("stroke", { x: x0, y: y0, points: rel, color: "#1f2a29", width: 3, tool: "pen" });
      if (part.length < per) break;
    }
  };

  const editingEl = editing ? byId.get(editing.id) : undefined;
  // Someone else deleted what is being written in: the editor closes.
  const pendingRemoteEdit = editing && !editingEl && !s.board.view(editing.id);
  useEffect(() => {
    if (pendingRemoteEdit) setEditing(undefined);
  }, [pendingRemoteEdit]);

  const gridSize = 24 * viewport.zoom * (viewport.zoom < 0.4 ? 4 : 1);
  const sel = [...selected].map((x) => byId.get(x)).filter((e): e is Element => !!e);

  return (
    <section className="cv-board" aria-labelledby="cv-title">
      <div className="cv-top">
        <div className="cv-title">
          <Link to={canvas.session_id ? `/canvas?session=${encodeURIComponent(canvas.session_id)}` : "/canvas"} className="cv-back">
            {t("canvas.backToList")}
          </Link>
          <h1 id="cv-title">{title}</h1>
          <span className="badge">{t(`canvas.role.${role || "none"}`)}</span>
          <span className={`cv-conn cv-conn-${s.status}`} role="status">
            {t(`canvas.status.${s.status}`)}
          </span>
        </div>
        <Presence people={s.people} present={s.present} uid={s.uid} me={s.uid && s.loaded ? { uid: s.uid, name: me.data?.display_name ?? "", color: "#3d5a57", role } : undefined} />
        <div className="cv-actions">
          {isOwner && (
            <button type="button" className="button secondary small" onClick={() => setDialog("share")}>
              {t("canvas.share.button")}
            </button>
          )}
          <ExportMenu canvas={canvas} />
          <button type="button" className="button secondary small" aria-pressed={panel === "versions"} onClick={() => setPanel(panel === "versions" ? undefined : "versions")}>
            {t("canvas.versions.button")}
          </button>
          <button type="button" className="button secondary small" aria-pressed={panel === "trash"} onClick={() => setPanel(panel === "trash" ? undefined : "trash")}>
            {t("canvas.trash.button")}
          </button>
          {facilitator && (
            <>
              <button
                type="button"
                className="button secondary small"
                aria-pressed={!!following}
                onClick={() => {
                  if (following) {
                    setFollowing(undefined);
                    s.sendFollow("stop", centre());
                  } else setFollowing("follow_me");
                }}
              >
                {following ? t("canvas.follow.stop") : t("canvas.follow.followMe")}
              </button>
              <button type="button" className="button secondary small" onClick={() => s.sendFollow("bring_all", centre())}>
                {t("canvas.follow.bringAll")}
              </button>
            </>
          )}
        </div>
      </div>
      {s.follow?.mode === "follow_me" && (
        <p className="cv-notice" role="status">
          {t("canvas.follow.following", { name: isolate(s.people.find((p) => p.uid === s.follow?.from)?.name || t("canvas.someone")) })}{" "}
          <button type="button" className="button secondary small" onClick={s.stopFollowing}>
            {t("canvas.follow.leave")}
          </button>
        </p>
      )}
      {!editable && s.loaded && role === "viewer" && (
        <p className="cv-notice" role="status">
          {t("canvas.viewOnly")}
        </p>
      )}
      {s.notice && (
        <p className="cv-notice warn" role="alert">
          {s.notice.kind === "refused"
            ? t(`canvas.refused.${["forbidden", "locked", "rate_limited", "conflict", "too_large", "not_found", "nothing", "unavailable"].includes(s.notice.code) ? s.notice.code : "other"}`)
            : t(`canvas.notice.${s.notice.kind}`)}{" "}
          <button type="button" className="button secondary small" onClick={s.clearNotice}>
            {t("canvas.dismiss")}
          </button>
        </p>
      )}
      <div className="cv-main">
        <div className="cv-toolbar" role="toolbar" aria-label={t("canvas.tools.label")} aria-orientation="vertical">
          {(["select", "note", "text", "shape", "frame", "pen", "connector"] as const).map((tl) => (
            <button
              key={tl}
              type="button"
              className="cv-tool"
              aria-pressed={tool === tl}
              disabled={!editable && tl !== "select"}
              title={t(`canvas.tools.${tl}Key`)}
              onClick={() => {
                setTool(tl);
                setConnectFrom(undefined);
              }}
            >
              <span aria-hidden="true" className="cv-glyph">
                {glyph[tl]}
              </span>
              <span className="cv-tool-label">{t(`canvas.tools.${tl}`)}</span>
            </button>
          ))}
          {tool === "shape" && (
            <label className="cv-shape-pick">
              <span className="visually-hidden">{t("canvas.tools.shapeKind")}</span>
              <select value={shape} onChange={(e) => setShape(e.target.value as typeof shape)}>
                {shapes.map((x) => (
                  <option key={x} value={x}>
                    {t(`canvas.shape.${x}`)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" className="cv-tool" disabled={!editable} onClick={() => setDialog("cards")}>
            <span aria-hidden="true" className="cv-glyph">
              ▭
            </span>
            <span className="cv-tool-label">{t("canvas.tools.card")}</span>
          </button>
          <button type="button" className="cv-tool" disabled={!editable || uploading === true} onClick={() => fileRef.current?.click()}>
            <span aria-hidden="true" className="cv-glyph">
              ▣
            </span>
            <span className="cv-tool-label">{t("canvas.tools.image")}</span>
          </button>
          <span className="cv-sep" aria-hidden="true" />
          <button type="button" className="cv-tool" disabled={!editable} onClick={s.undo} title="Ctrl+Z">
            <span aria-hidden="true" className="cv-glyph cv-flip">
              ↶
            </span>
            <span className="cv-tool-label">{t("canvas.tools.undo")}</span>
          </button>
          <button type="button" className="cv-tool" disabled={!editable} onClick={s.redo} title="Ctrl+Shift+Z">
            <span aria-hidden="true" className="cv-glyph cv-flip">
              ↷
            </span>
            <span className="cv-tool-label">{t("canvas.tools.redo")}</span>
          </button>
        </div>
        <div className="cv-stage-wrap">
          <div
            ref={wrap}
            className={`cv-surface tool-${tool}${spaceDown ? " panning" : ""}`}
            tabIndex={0}
            role="region"
            aria-label={t("canvas.surface", { title })}
            aria-describedby="cv-help"
            style={{ backgroundSize: `${gridSize}px ${gridSize}px`, backgroundPosition: `${viewport.x}px ${viewport.y}px` }}
          >
            {size.width > 0 && (
              <BoardStage
                elements={s.elements}
                width={size.width}
                height={size.height}
                viewport={viewport}
                setViewport={setViewport}
                tool={tool}
                editable={editable}
                spaceDown={spaceDown}
                selected={selected}
                setSelected={setSelected}
                connectFrom={connectFrom}
                onPlace={place}
                onConnect={connect}
                onStroke={stroke}
                onOpen={open}
                onMove={(eid, props, done) => (done ? s.dragEnd(eid, props) : s.drag(eid, props))}
                onTransform={(eid, props) => s.send({ action: "update", element_id: eid, props })}
                onPointer={s.moveCursor}
                stageRef={stageRef}
              />
            )}
            <Cursors cursors={s.cursors} onCursors={s.onCursors} people={s.people} viewport={viewport} />
            {editing && editingEl && (
              <Editor
                el={editingEl}
                field={editing.field}
                value={editing.value}
                viewport={viewport}
                at={editingEl.kind === "connector" ? midpoint(editingEl, byId) : undefined}
                onChange={(v) => setEditing({ ...editing, value: v })}
                onDone={commitEdit}
                onCancel={() => setEditing(undefined)}
              />
            )}
            {!s.loaded && (
              <p className="cv-loading" role="status">
                {s.status === "down" ? t("canvas.status.down") : t("app.loading")}
              </p>
            )}
            {s.loaded && s.elements.length === 0 && (
              <p className="cv-empty">{editable ? t("canvas.emptyEditor") : t("canvas.emptyViewer")}</p>
            )}
          </div>
          <div className="cv-zoom" role="group" aria-label={t("canvas.zoom.label")}>
            <button type="button" className="cv-tool" onClick={() => zoomBy(1 / 1.2)} aria-label={t("canvas.zoom.out")}>
              −
            </button>
            <output className="cv-zoom-value" aria-live="off">{Math.round(viewport.zoom * 100)}%</output>
            <button type="button" className="cv-tool" onClick={() => zoomBy(1.2)} aria-label={t("canvas.zoom.in")}>
              +
            </button>
            <button type="button" className="cv-tool" onClick={fit}>
              {t("canvas.zoom.fit")}
            </button>
          </div>
          <Minimap elements={s.elements} viewport={viewport} width={size.width} height={size.height} setViewport={setViewport} label={t("canvas.minimap")} />
          {sel.length > 0 && editable && (
            <div className="cv-selection" role="group" aria-label={t("canvas.selection.label", { count: sel.length })}>
              <button type="button" className="button secondary small" onClick={() => reorder("front")}>
                {t("canvas.selection.front")}
              </button>
              <button type="button" className="button secondary small" onClick={() => reorder("forward")}>
                {t("canvas.selection.forward")}
              </button>
              <button type="button" className="button secondary small" onClick={() => reorder("backward")}>
                {t("canvas.selection.backward")}
              </button>
              <button type="button" className="button secondary small" onClick={() => reorder("back")}>
                {t("canvas.selection.back")}
              </button>
              {sel.length === 1 && ["note", "text", "frame", "connector"].includes(sel[0].kind) && (
                <button type="button" className="button secondary small" onClick={() => open(sel[0].id)}>
                  {t("canvas.selection.edit")}
                </button>
              )}
              <button type="button" className="button danger small" onClick={remove}>
                {t("canvas.selection.delete")}
              </button>
            </div>
          )}
        </div>
        {panel === "versions" && <VersionsPanel id={id} editable={editable} onClose={() => setPanel(undefined)} />}
        {panel === "trash" && <TrashPanel id={id} editable={editable} onClose={() => setPanel(undefined)} />}
      </div>
      <input
        ref={fileRef}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = "";
          if (!f) return;
          setUploading(true);
          uploadImage(f).then(
            (mediaId) => {
              setUploading(undefined);
              const c = viewCentre();
              create("image", { x: c.x - 120, y: c.y - 90, w: 240, h: 180, media_id: mediaId, alt: f.name.slice(0, 200) });
            },
            (err) => setUploading(err ?? new Error("upload")),
          );
        }}
      />
      <p id="cv-help" className="hint cv-help">
        {editable ? t("canvas.help.editor") : t("canvas.help.viewer")}
        {connectFrom && ` ${t("canvas.help.connectTo")}`}
      </p>
      {uploading !== undefined && uploading !== true && <Problem error={uploading} />}
      <ul className="visually-hidden" aria-label={t("canvas.elementsList", { count: s.elements.length })}>
        {s.elements.map((e) => (
          <li key={e.id} data-element={e.id}>
            {describe(e, t)}
            {selected.has(e.id) ? ` (${t("canvas.selected")})` : ""}
          </li>
        ))}
      </ul>
      {dialog === "share" && <ShareDialog canvas={canvas} onClose={() => setDialog(undefined)} />}
      {dialog === "cards" && (
        <CardPicker
          onClose={() => setDialog(undefined)}
          onPick={(cardId) => {
            setDialog(undefined);
            const c = viewCentre();
            create("card", { x: c.x - 90, y: c.y - 120, w: 180, h: 240, card_id: cardId });
          }}
        />
      )}
      {dialog === "help" && <Dialog title={t("canvas.help.title")} onClose={() => setDialog(undefined)}>{t("canvas.help.editor")}</Dialog>}
    </section>
  );
}

function midpoint(e: Element, byId: Map<string, Element>) {
  const c = (end: unknown) => {
    const o = end as { element?: string; x?: number; y?: number } | undefined;
    const t = o?.element ? byId.get(o.element) : undefined;
    if (t) {
      const b = box(t);
      return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
    }
    return { x: num(o?.x), y: num(o?.y) };
  };
  const a = c(e.props.from),
    b = c(e.props.to);
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

const glyph: Record<Tool, string> = { select: "➚", note: "▤", text: "T", shape: "◆", frame: "⬚", pen: "✎", connector: "↗" };

// Presence lists who is here; joins and departures are announced.
function Presence({ people: listed, present, uid, me }: { people: Person[]; present: number; uid: string; me?: Person }) {
  // The person themselves is here whatever the last list said.
  const people = me && !listed.some((p) => p.uid === me.uid) ? [me, ...listed] : listed;
  const total = Math.max(present, people.length);
  const { t } = useTranslation();
  const [said, setSaid] = useState("");
  const before = useRef<Map<string, string> | undefined>(undefined);
  useEffect(() => {
    const now = new Map(people.map((p) => [p.uid, p.name]));
    const prev = before.current;
    before.current = now;
    if (!prev) return;
    const came = [...now].filter(([u]) => !prev.has(u) && u !== uid).map(([, n]) => n);
    const went = [...prev].filter(([u]) => !now.has(u) && u !== uid).map(([, n]) => n);
    const parts = [...came.map((n) => t("canvas.presence.joined", { name: isolate(n) })), ...went.map((n) => t("canvas.presence.left", { name: isolate(n) }))];
    if (parts.length) setSaid(parts.join(" "));
  }, [people, uid, t]);
  return (
    <div className="cv-presence">
      <ul aria-label={t("canvas.presence.label", { count: total })}>
        {people.slice(0, 8).map((p) => (
          <li key={p.uid} title={p.name} className="cv-avatar" style={{ backgroundColor: p.color || "#3d5a57", color: ink(p.color || "#3d5a57") }}>
            <span aria-hidden="true">{initials(p.name)}</span>
            <span className="visually-hidden">
              {p.name}
              {p.uid === uid ? ` (${t("canvas.presence.you")})` : ""}, {t(`canvas.role.${p.role || "viewer"}`)}
            </span>
          </li>
        ))}
        {total > 8 && <li className="cv-avatar more">+{total - 8}</li>}
      </ul>
      <p className="visually-hidden" role="status" aria-live="polite">
        {said}
      </p>
    </div>
  );
}

function initials(name: string) {
  const parts = name.trim().split(/\s+/);
  return ((parts[0]?.[0] ?? "?") + (parts[1]?.[0] ?? "")).toUpperCase();
}

// Cursors are HTML over the surface, moved once per frame.
function Cursors({
  cursors,
  onCursors,
  people,
  viewport,
}: {
  cursors: Map<string, { uid: string; x: number; y: number }>;
  onCursors: (l: () => void) => () => void;
  people: Person[];
  viewport: Viewport;
}) {
  const [, setTick] = useState(0);
  useEffect(() => onCursors(() => setTick((v) => v + 1)), [onCursors]);
  const names = new Map(people.map((p) => [p.uid, p]));
  return (
    <div className="cv-cursors" aria-hidden="true">
      {[...cursors.values()].map((c) => {
        const p = names.get(c.uid);
        const color = p?.color || "#b4531f";
        return (
          <div
            key={c.uid}
            className="cv-cursor"
            data-uid={c.uid}
            data-x={c.x}
            data-y={c.y}
            style={{ transform: `translate(${c.x * viewport.zoom + viewport.x}px, ${c.y * viewport.zoom + viewport.y}px)` }}
          >
            <svg width="16" height="20" viewBox="0 0 16 20" aria-hidden="true">
              <path d="M1 1 L1 16 L5 12 L8 19 L11 18 L8 11 L14 11 Z" fill={color} stroke="#fff" strokeWidth="1.5" />
            </svg>
            <span className="cv-cursor-name" style={{ backgroundColor: color, color: ink(color) }}>
              {p?.name ?? ""}
            </span>
          </div>
        );
      })}
    </div>
  );
}

// Editor is a textarea over the element being written in.
function Editor({
  el,
  field,
  value,
  viewport,
  at,
  onChange,
  onDone,
  onCancel,
}: {
  at?: { x: number; y: number };
  el: Element;
  field: string;
  value: string;
  viewport: Viewport;
  onChange: (v: string) => void;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    // After the press that opened it has finished moving the focus.
    const f = requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.select();
    });
    return () => cancelAnimationFrame(f);
  }, []);
  const b = box(el);
  let x = b.x,
    y = b.y,
    w = b.w,
    h = b.h;
  if (el.kind === "frame") {
    y -= 30;
    h = 30;
  }
  if (el.kind === "connector" && at) {
    x = at.x - 100;
    y = at.y - 20;
    w = 200;
    h = 40;
  }
  const z = viewport.zoom;
  return (
    <textarea
      ref={ref}
      className="cv-editor"
      aria-label={t(`canvas.edit.${field}`)}
      value={value}
      maxLength={10000}
      style={{
        transform: `translate(${x * z + viewport.x}px, ${y * z + viewport.y}px)`,
        width: `${Math.max(120, w * z)}px`,
        height: `${Math.max(36, (el.kind === "text" ? Math.max(h, num(el.props.font_size, 24) * 2) : h) * z)}px`,
        fontSize: `${Math.max(12, (el.kind === "text" ? num(el.props.font_size, 24) : el.kind === "note" ? 18 : 15) * z)}px`,
      }}
      onChange={(e) => onChange(e.target.value)}
      onBlur={onDone}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onCancel();
        } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey || el.kind !== "note")) {
          e.preventDefault();
          onDone();
        }
      }}
    />
  );
}
