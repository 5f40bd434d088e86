// The drawing surface: Konva draws the elements; pan, zoom, select,
// marquee, drag, transform, pen strokes and connectors are handled here.
import { memo, useCallback, useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type Konva from "konva";
import { Arrow, Ellipse, Group, Image as KImage, Layer, Rect, RegularPolygon, Shape, Stage, Star, Text, Transformer } from "react-konva";
import { useQuery } from "@tanstack/react-query";
import { api, data } from "../api/client";
import type { Element } from "./model";
import type { Viewport } from "./useBoard";

export type Tool = "select" | "note" | "text" | "shape" | "frame" | "pen" | "connector";

export const minZoom = 0.1;
export const maxZoom = 4;
export const clampZoom = (z: number) => Math.min(maxZoom, Math.max(minZoom, z));

export const num = (v: unknown, d = 0) => (typeof v === "number" && Number.isFinite(v) ? v : d);
export const str = (v: unknown, d = "") => (typeof v === "string" ? v : d);

// Sizes of an element, with the defaults of its kind.
export function box(e: Element): { x: number; y: number; w: number; h: number } {
  const d = e.kind === "note" ? 200 : e.kind === "card" ? 180 : e.kind === "frame" ? 480 : e.kind === "text" ? 240 : 160;
  const dh = e.kind === "note" ? 160 : e.kind === "card" ? 240 : e.kind === "frame" ? 320 : e.kind === "text" ? 40 : 100;
  if (e.kind === "stroke") {
    const pts = (Array.isArray(e.props.points) ? e.props.points : []) as number[];
    let x1 = 0,
      y1 = 0,
      x2 = 0,
      y2 = 0;
    for (let i = 0; i + 1 < pts.length; i += 3) {
      x1 = Math.min(x1, pts[i]);
      y1 = Math.min(y1, pts[i + 1]);
      x2 = Math.max(x2, pts[i]);
      y2 = Math.max(y2, pts[i + 1]);
    }
    return { x: num(e.props.x) + x1, y: num(e.props.y) + y1, w: Math.max(1, x2 - x1), h: Math.max(1, y2 - y1) };
  }
  return { x: num(e.props.x), y: num(e.props.y), w: num(e.props.w, d), h: num(e.props.h, dh) };
}

const anchorAt: Record<string, [number, number]> = {
  n: [0.5, 0], ne: [1, 0], e: [1, 0.5], se: [1, 1], s: [0.5, 1], sw: [0, 1], w: [0, 0.5], nw: [0, 0], center: [0.5, 0.5],
};

function endpoint(end: unknown, byId: Map<string, Element>): { x: number; y: number } | undefined {
  if (!end || typeof end !== "object") return undefined;
  const o = end as { element?: string; anchor?: string; x?: number; y?: number };
  if (o.element) {
    const t = byId.get(o.element);
    if (!t) return undefined;
    const b = box(t);
    const [ax, ay] = anchorAt[o.anchor ?? "center"] ?? anchorAt.center;
    return { x: b.x + b.w * ax, y: b.y + b.h * ay };
  }
  if (typeof o.x === "number" && typeof o.y === "number") return { x: o.x, y: o.y };
  return undefined;
}

// A connector ends at the edge of its elements' boxes, not their centres.
function clip(from: { x: number; y: number }, to: { x: number; y: number }, b?: { x: number; y: number; w: number; h: number }) {
  if (!b) return to;
  const cx = b.x + b.w / 2,
    cy = b.y + b.h / 2;
  const dx = from.x - cx,
    dy = from.y - cy;
  if (dx === 0 && dy === 0) return to;
  const s = Math.min(Math.abs(b.w / 2 / (dx || 1e-9)), Math.abs(b.h / 2 / (dy || 1e-9)));
  return s < 1 ? { x: cx + dx * s, y: cy + dy * s } : to;
}

export const noteColors = ["#ffe08a", "#ffc3a0", "#c9f0c1", "#bfe3ff", "#e6d0ff"];

function useCardItem(cardId: string) {
  return useQuery({
    queryKey: ["content", "item", cardId],
    queryFn: () => data(api.GET("/content/v1/items/{itemId}", { params: { path: { itemId: cardId } } })),
    enabled: !!cardId,
    staleTime: 30 * 60_000,
  });
}

function useMediaURL(mediaId: string) {
  return useQuery({
    queryKey: ["media", mediaId],
    queryFn: () => data(api.GET("/media/v1/media/{mediaId}", { params: { path: { mediaId } } })),
    enabled: !!mediaId,
    staleTime: 30 * 60_000,
  });
}

function useImage(url: string | undefined) {
  const [img, setImg] = useState<HTMLImageElement | undefined>();
  useEffect(() => {
    if (!url) return;
    const i = new window.Image();
    i.onload = () => setImg(i);
    i.src = url;
    return () => {
      i.onload = null;
    };
  }, [url]);
  return img;
}

function CardFace({ e, w, h }: { e: Element; w: number; h: number }) {
  const item = useCardItem(str(e.props.card_id));
  const url = item.data?.images?.find((i) => i.url)?.url;
  const img = useImage(e.props.face_down ? undefined : url);
  const title = e.props.face_down ? "" : (item.data?.title ?? "");
  const pic = h - 44;
  return (
    <>
      <Rect x={1} y={3} width={w} height={h} fill="rgba(31,42,41,0.12)" cornerRadius={10} listening={false} perfectDrawEnabled={false} />
      <Rect width={w} height={h} fill="#ffffff" stroke="#8a8378" strokeWidth={1} cornerRadius={10} perfectDrawEnabled={false} />
      {e.props.face_down ? (
        <Rect x={8} y={8} width={w - 16} height={h - 16} fill="#3d5a57" cornerRadius={6} />
      ) : img ? (
        <KImage image={img} x={8} y={8} width={w - 16} height={pic} cornerRadius={6} />
      ) : (
        <Rect x={8} y={8} width={w - 16} height={pic} fill="#e3ece9" cornerRadius={6} />
      )}
      <Text text={title} x={8} y={h - 32} width={w - 16} height={24} fontSize={14} fill="#1f2a29" ellipsis wrap="none" align="center" listening={false} />
    </>
  );
}

function ImageFace({ e, w, h }: { e: Element; w: number; h: number }) {
  const media = useMediaURL(str(e.props.media_id));
  const url = media.data?.renditions?.find((r) => r.url)?.url;
  const img = useImage(url);
  return img ? <KImage image={img} width={w} height={h} /> : <Rect width={w} height={h} fill="#efeae2" stroke="#d9d3c9" />;
}

function StrokeShape({ e }: { e: Element }) {
  const pts = (Array.isArray(e.props.points) ? e.props.points : []) as number[];
  const width = num(e.props.width, 3);
  const color = str(e.props.color, "#1f2a29");
  const highlighter = e.props.tool === "highlighter";
  return (
    <Shape
      opacity={highlighter ? 0.4 : 1}
      hitStrokeWidth={Math.max(12, width * 2)}
      stroke={color}
      strokeWidth={width}
      sceneFunc={(ctx, shape) => {
        // Each segment as wide as the pressure at its start: a pen line
        // thickens where it was pressed harder.
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        ctx.strokeStyle = color;
        for (let i = 0; i + 5 < pts.length; i += 3) {
          ctx.beginPath();
          ctx.lineWidth = width * (0.35 + num(pts[i + 2], 0.5) * 1.3);
          ctx.moveTo(pts[i], pts[i + 1]);
          ctx.lineTo(pts[i + 3], pts[i + 4]);
          ctx.stroke();
        }
        if (pts.length === 3) {
          ctx.beginPath();
          ctx.arc(pts[0], pts[1], width / 2, 0, Math.PI * 2);
          ctx.fillStyle = color;
          ctx.fill();
        }
        // The hit region: the polyline at full width.
        ctx.beginPath();
        for (let i = 0; i + 1 < pts.length; i += 3) (i === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, pts[i], pts[i + 1]);
        ctx.fillStrokeShape(shape);
      }}
      strokeEnabled={false}
    />
  );
}

interface NodeProps {
  e: Element;
  editable: boolean;
  draggable: boolean;
  selected: boolean;
  onSelect: (id: string, add: boolean) => void;
  onDragMove: (id: string, node: Konva.Node) => void;
  onDragEnd: (id: string, node: Konva.Node) => void;
  onOpen: (id: string) => void;
}

const ElementNode = memo(function ElementNode({ e, editable, draggable, selected, onSelect, onDragMove, onDragEnd, onOpen }: NodeProps) {
  const ref = useRef<Konva.Group>(null);
  const b = box(e);
  const node = ref.current;
  // While this element is dragged here, Konva owns its position.
  const dragging = node?.isDragging() ?? false;
  const x = dragging ? node!.x() : num(e.props.x);
  const y = dragging ? node!.y() : num(e.props.y);
  const { w, h } = b;
  let body: React.ReactNode;
  switch (e.kind) {
    case "note":
      body = (
        <>
          <Rect x={1} y={3} width={w} height={h} fill="rgba(31,42,41,0.14)" cornerRadius={4} listening={false} perfectDrawEnabled={false} />
          <Rect width={w} height={h} fill={str(e.props.color, noteColors[0])} cornerRadius={4} perfectDrawEnabled={false} />
          <Text text={str(e.props.text)} x={12} y={12} width={w - 24} height={h - 24} fontSize={18} fill="#1f2a29" lineHeight={1.25} ellipsis listening={false} perfectDrawEnabled={false} />
        </>
      );
      break;
    case "text":
      body = (
        <Text
          text={str(e.props.text) || " "}
          width={w}
          fontSize={num(e.props.font_size, 24)}
          fill={str(e.props.color, "#1f2a29")}
          align={e.props.align === "center" ? "center" : e.props.align === "end" ? "right" : "left"}
        />
      );
      break;
    case "shape": {
      const fill = str(e.props.fill, "#bfe3ff");
      const stroke = str(e.props.stroke, "#3d5a57");
      const sw = num(e.props.stroke_width, 2);
      const r = Math.min(w, h) / 2;
      switch (e.props.shape) {
        case "ellipse":
          body = <Ellipse x={w / 2} y={h / 2} radiusX={w / 2} radiusY={h / 2} fill={fill} stroke={stroke} strokeWidth={sw} />;
          break;
        case "triangle":
          body = <RegularPolygon x={w / 2} y={h / 2} sides={3} radius={r} scaleX={w / (2 * r)} scaleY={h / (2 * r)} fill={fill} stroke={stroke} strokeWidth={sw} />;
          break;
        case "star":
          body = <Star x={w / 2} y={h / 2} numPoints={5} innerRadius={r / 2} outerRadius={r} scaleX={w / (2 * r)} scaleY={h / (2 * r)} fill={fill} stroke={stroke} strokeWidth={sw} />;
          break;
        case "hexagon":
        case "polygon":
          body = (
            <RegularPolygon x={w / 2} y={h / 2} sides={e.props.shape === "hexagon" ? 6 : 5} radius={r} scaleX={w / (2 * r)} scaleY={h / (2 * r)} fill={fill} stroke={stroke} strokeWidth={sw} />
          );
          break;
        default:
          body = <Rect width={w} height={h} fill={fill} stroke={stroke} strokeWidth={sw} cornerRadius={4} />;
      }
      break;
    }
    case "frame":
      body = (
        <>
          <Rect width={w} height={h} fill={str(e.props.fill, "rgba(255,255,255,0.6)")} stroke="#8a8378" strokeWidth={1.5} cornerRadius={8} />
          <Text text={str(e.props.title)} x={0} y={-26} width={w} fontSize={16} fontStyle="bold" fill="#4d5c5a" ellipsis wrap="none" listening={false} />
        </>
      );
      break;
    case "card":
      body = <CardFace e={e} w={w} h={h} />;
      break;
    case "image":
      body = <ImageFace e={e} w={w} h={h} />;
      break;
    case "stroke":
      body = <StrokeShape e={e} />;
      break;
    default:
      return null;
  }
  return (
    <Group
      ref={ref}
      id={e.id}
      name="element"
      x={x}
      y={y}
      width={e.kind === "stroke" ? undefined : w}
      height={e.kind === "stroke" ? undefined : h}
      rotation={num(e.props.rotation)}
      opacity={num(e.props.opacity, 1)}
      draggable={draggable}
      onMouseDown={(ev) => {
        if (ev.evt.button === 0) onSelect(e.id, ev.evt.shiftKey);
      }}
      onTap={() => onSelect(e.id, false)}
      onDblClick={() => editable && onOpen(e.id)}
      onDblTap={() => editable && onOpen(e.id)}
      onDragMove={(ev) => onDragMove(e.id, ev.target)}
      onDragEnd={(ev) => onDragEnd(e.id, ev.target)}
    >
      {body}
      {selected && e.kind === "stroke" && <Rect {...strokeBounds(e)} stroke="#b4531f" strokeWidth={1} dash={[4, 4]} listening={false} />}
    </Group>
  );
});

function strokeBounds(e: Element) {
  const b = box(e);
  return { x: b.x - num(e.props.x) - 4, y: b.y - num(e.props.y) - 4, width: b.w + 8, height: b.h + 8 };
}

const ConnectorNode = memo(function ConnectorNode({
  e,
  from,
  to,
  fromBox,
  toBox,
  selected,
  onSelect,
  onOpen,
  editable,
}: {
  e: Element;
  from: { x: number; y: number };
  to: { x: number; y: number };
  fromBox?: { x: number; y: number; w: number; h: number };
  toBox?: { x: number; y: number; w: number; h: number };
  selected: boolean;
  editable: boolean;
  onSelect: (id: string, add: boolean) => void;
  onOpen: (id: string) => void;
}) {
  const a = clip(to, from, fromBox);
  const z = clip(from, to, toBox);
  const style = str(e.props.style, "arrow");
  const dash = e.props.dash === "dashed" ? [10, 6] : e.props.dash === "dotted" ? [2, 6] : e.props.dash === "dash_dot" ? [10, 5, 2, 5] : undefined;
  const color = selected ? "#b4531f" : str(e.props.color, "#3d5a57");
  const label = str(e.props.label);
  const mx = (a.x + z.x) / 2,
    my = (a.y + z.y) / 2;
  return (
    <Group
      id={e.id}
      name="connector"
      onMouseDown={(ev) => ev.evt.button === 0 && onSelect(e.id, ev.evt.shiftKey)}
      onTap={() => onSelect(e.id, false)}
      onDblClick={() => editable && onOpen(e.id)}
      onDblTap={() => editable && onOpen(e.id)}
    >
      <Arrow
        points={[a.x, a.y, z.x, z.y]}
        stroke={color}
        fill={color}
        strokeWidth={num(e.props.width, 2)}
        hitStrokeWidth={14}
        dash={dash}
        pointerLength={style === "line" ? 0 : 10}
        pointerWidth={style === "line" ? 0 : 10}
        pointerAtBeginning={style === "double_arrow"}
      />
      {label && (
        <>
          <Rect x={mx - label.length * 4 - 8} y={my - 12} width={label.length * 8 + 16} height={24} fill="#ffffff" stroke={color} strokeWidth={1} cornerRadius={12} />
          <Text text={label} x={mx - label.length * 4 - 8} y={my - 8} width={label.length * 8 + 16} align="center" fontSize={13} fill="#1f2a29" />
        </>
      )}
    </Group>
  );
});

export interface StageHandle {
  stage: Konva.Stage | null;
}

export interface BoardStageProps {
  elements: Element[];
  width: number;
  height: number;
  viewport: Viewport;
  setViewport: (v: Viewport | ((v: Viewport) => Viewport)) => void;
  tool: Tool;
  editable: boolean;
  spaceDown: boolean;
  selected: Set<string>;
  setSelected: (s: Set<string>) => void;
  connectFrom: string | undefined;
  onPlace: (tool: Tool, at: { x: number; y: number }) => void;
  onConnect: (id: string) => void;
  onStroke: (points: number[]) => void;
  onOpen: (id: string) => void;
  onMove: (id: string, props: Record<string, unknown>, done: boolean) => void;
  onTransform: (id: string, props: Record<string, unknown>) => void;
  onPointer: (x: number, y: number) => void;
  stageRef: RefObject<Konva.Stage | null>;
}

// useStable is a callback that never changes identity and always runs the
// latest fn, so memoised elements do not re-render for new closures.
function useStable<A extends unknown[], R>(fn: (...a: A) => R): (...a: A) => R {
  const ref = useRef(fn);
  ref.current = fn;
  return useCallback((...a: A) => ref.current(...a), []);
}

export function BoardStage(p: BoardStageProps) {
  const { elements, viewport, setViewport, tool, editable, selected, setSelected } = p;
  const trRef = useRef<Konva.Transformer>(null);
  const [marquee, setMarquee] = useState<{ x0: number; y0: number; x1: number; y1: number } | undefined>();
  const [draft, setDraft] = useState<number[] | undefined>();
  const pan = useRef<{ sx: number; sy: number; vx: number; vy: number } | undefined>(undefined);
  const pinch = useRef<{ d: number; cx: number; cy: number; v: Viewport } | undefined>(undefined);
  const dragStart = useRef<Map<string, { x: number; y: number }> | undefined>(undefined);
  const byId = useMemo(() => new Map(elements.map((e) => [e.id, e])), [elements]);

  const world = (sx: number, sy: number) => ({ x: (sx - viewport.x) / viewport.zoom, y: (sy - viewport.y) / viewport.zoom });

  // The transformer follows the selection (strokes and connectors move only).
  useEffect(() => {
    const tr = trRef.current;
    const stage = p.stageRef.current;
    if (!tr || !stage) return;
    const nodes = editable
      ? [...selected]
          .map((id) => byId.get(id))
          .filter((e): e is Element => !!e && e.kind !== "stroke" && e.kind !== "connector")
          .map((e) => stage.findOne(`#${e.id}`))
          .filter((n): n is Konva.Node => !!n)
      : [];
    tr.nodes(nodes);
    tr.getLayer()?.batchDraw();
  }, [selected, byId, editable, p.stageRef, elements]);

  const select = useStable((id: string, add: boolean) => {
    if (tool === "connector" && editable) {
      p.onConnect(id);
      return;
    }
    if (tool !== "select") return;
    if (add) {
      const s = new Set(selected);
      if (s.has(id)) s.delete(id);
      else s.add(id);
      setSelected(s);
    } else if (!selected.has(id)) setSelected(new Set([id]));
  });

  const onDragMove = useStable((id: string, node: Konva.Node) => {
    // Moving one of several selected elements moves them all.
    const stage = p.stageRef.current;
    if (!dragStart.current) {
      dragStart.current = new Map();
      for (const s of selected.has(id) ? selected : [id]) {
        const e = byId.get(s);
        if (e) dragStart.current.set(s, { x: num(e.props.x), y: num(e.props.y) });
      }
    }
    const start = dragStart.current.get(id);
    if (!start) return;
    const dx = node.x() - start.x,
      dy = node.y() - start.y;
    for (const [sid, s0] of dragStart.current) {
      if (sid !== id) {
        const other = stage?.findOne(`#${sid}`);
        other?.position({ x: s0.x + dx, y: s0.y + dy });
      }
      p.onMove(sid, { x: round(s0.x + dx), y: round(s0.y + dy) }, false);
    }
  });
  const onDragEnd = useStable((id: string, node: Konva.Node) => {
    const starts = dragStart.current ?? new Map([[id, { x: node.x(), y: node.y() }]]);
    const start = starts.get(id) ?? { x: node.x(), y: node.y() };
    const dx = node.x() - start.x,
      dy = node.y() - start.y;
    for (const [sid, s0] of starts) p.onMove(sid, { x: round(s0.x + dx), y: round(s0.y + dy) }, true);
    dragStart.current = undefined;
  });
  const onOpen = useStable((id: string) => p.onOpen(id));

  const pointer = () => p.stageRef.current?.getPointerPosition() ?? { x: 0, y: 0 };
  const onEmpty = (target: Konva.Node) => target === p.stageRef.current;

  const down = (ev: Konva.KonvaEventObject<PointerEvent>) => {
    const sp = pointer();
    const w = world(sp.x, sp.y);
    const e = ev.evt;
    if (e.pointerType === "touch" && !e.isPrimary) return;
    if (p.spaceDown || e.button === 1 || (onEmpty(ev.target) && tool === "select" && !e.shiftKey)) {
      pan.current = { sx: sp.x, sy: sp.y, vx: viewport.x, vy: viewport.y };
      if (onEmpty(ev.target)) setSelected(new Set());
      return;
    }
    if (!editable) return;
    if (tool === "pen") {
      setDraft([round(w.x), round(w.y), pressure(e)]);
      return;
    }
    if (onEmpty(ev.target) && tool === "select" && e.shiftKey) {
      setMarquee({ x0: w.x, y0: w.y, x1: w.x, y1: w.y });
      return;
    }
    if (onEmpty(ev.target) && (tool === "note" || tool === "text" || tool === "shape" || tool === "frame")) {
      // The editor that opens keeps the focus the press would move.
      e.preventDefault();
      p.onPlace(tool, w);
    }
  };
  const move = (ev: Konva.KonvaEventObject<PointerEvent>) => {
    const sp = pointer();
    const w = world(sp.x, sp.y);
    p.onPointer(w.x, w.y);
    if (pinch.current) return;
    if (pan.current) {
      const { sx, sy, vx, vy } = pan.current;
      setViewport((v) => ({ ...v, x: vx + sp.x - sx, y: vy + sp.y - sy }));
      return;
    }
    if (draft) {
      const last = draft.length - 3;
      if (Math.hypot(draft[last] - w.x, draft[last + 1] - w.y) * viewport.zoom >= 2 && draft.length / 3 < 6000)
        setDraft([...draft, round(w.x), round(w.y), pressure(ev.evt)]);
      return;
    }
    if (marquee) setMarquee({ ...marquee, x1: w.x, y1: w.y });
  };
  const up = () => {
    pan.current = undefined;
    if (draft) {
      p.onStroke(draft);
      setDraft(undefined);
    }
    if (marquee) {
      const x1 = Math.min(marquee.x0, marquee.x1),
        x2 = Math.max(marquee.x0, marquee.x1);
      const y1 = Math.min(marquee.y0, marquee.y1),
        y2 = Math.max(marquee.y0, marquee.y1);
      const hit = elements.filter((e) => {
        if (e.kind === "connector") return false;
        const b = box(e);
        return b.x < x2 && b.x + b.w > x1 && b.y < y2 && b.y + b.h > y1;
      });
      setSelected(new Set([...selected, ...hit.map((e) => e.id)]));
      setMarquee(undefined);
    }
  };

  const wheel = (ev: Konva.KonvaEventObject<WheelEvent>) => {
    ev.evt.preventDefault();
    const sp = pointer();
    const factor = Math.exp(-ev.evt.deltaY * (ev.evt.ctrlKey ? 0.01 : 0.0015));
    setViewport((v) => {
      const zoom = clampZoom(v.zoom * factor);
      const wx = (sp.x - v.x) / v.zoom,
        wy = (sp.y - v.y) / v.zoom;
      return { zoom, x: sp.x - wx * zoom, y: sp.y - wy * zoom };
    });
  };

  const touchMove = (ev: Konva.KonvaEventObject<TouchEvent>) => {
    const t = ev.evt.touches;
    if (t.length !== 2) return;
    ev.evt.preventDefault();
    const rect = p.stageRef.current?.container().getBoundingClientRect();
    const ox = rect?.left ?? 0,
      oy = rect?.top ?? 0;
    const cx = (t[0].clientX + t[1].clientX) / 2 - ox,
      cy = (t[0].clientY + t[1].clientY) / 2 - oy;
    const d = Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
    pan.current = undefined;
    setDraft(undefined);
    if (!pinch.current) {
      pinch.current = { d, cx, cy, v: viewport };
      return;
    }
    const s = pinch.current;
    const zoom = clampZoom(s.v.zoom * (d / s.d));
    const wx = (s.cx - s.v.x) / s.v.zoom,
      wy = (s.cy - s.v.y) / s.v.zoom;
    setViewport({ zoom, x: cx - wx * zoom, y: cy - wy * zoom });
  };

  const connectors = elements.filter((e) => e.kind === "connector");
  const others = elements.filter((e) => e.kind !== "connector");
  const canDrag = editable && tool === "select" && !p.spaceDown;

  return (
    <Stage
      ref={p.stageRef}
      width={p.width}
      height={p.height}
      x={viewport.x}
      y={viewport.y}
      scaleX={viewport.zoom}
      scaleY={viewport.zoom}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerLeave={up}
      onWheel={wheel}
      onTouchMove={touchMove}
      onTouchEnd={() => (pinch.current = undefined)}
    >
      <Layer>
        {others.map((e) => (
          <ElementNode
            key={e.id}
            e={e}
            editable={editable}
            draggable={canDrag && (selected.has(e.id) || selected.size <= 1)}
            selected={selected.has(e.id) || p.connectFrom === e.id}
            onSelect={select}
            onDragMove={onDragMove}
            onDragEnd={onDragEnd}
            onOpen={onOpen}
          />
        ))}
        {connectors.map((e) => {
          const from = endpoint(e.props.from, byId);
          const to = endpoint(e.props.to, byId);
          if (!from || !to) return null;
          const fe = (e.props.from as { element?: string })?.element;
          const te = (e.props.to as { element?: string })?.element;
          return (
            <ConnectorNode
              key={e.id}
              e={e}
              from={from}
              to={to}
              fromBox={fe && byId.get(fe) ? box(byId.get(fe)!) : undefined}
              toBox={te && byId.get(te) ? box(byId.get(te)!) : undefined}
              selected={selected.has(e.id)}
              editable={editable}
              onSelect={select}
              onOpen={onOpen}
            />
          );
        })}
        {draft && (
          <StrokeShape e={{ id: "draft", kind: "stroke", owner: "", props: { x: 0, y: 0, points: draft, width: 3 }, stamps: {} }} />
        )}
        {marquee && (
          <Rect
            x={Math.min(marquee.x0, marquee.x1)}
            y={Math.min(marquee.y0, marquee.y1)}
            width={Math.abs(marquee.x1 - marquee.x0)}
            height={Math.abs(marquee.y1 - marquee.y0)}
            fill="rgba(180,83,31,0.08)"
            stroke="#b4531f"
            strokeWidth={1 / viewport.zoom}
            dash={[4 / viewport.zoom, 4 / viewport.zoom]}
            listening={false}
          />
        )}
        <Transformer
          ref={trRef}
          rotateEnabled
          flipEnabled={false}
          borderStroke="#b4531f"
          anchorStroke="#b4531f"
          anchorSize={10}
          boundBoxFunc={(o, n) => (n.width < 8 || n.height < 8 ? o : n)}
          onTransformEnd={() => {
            for (const n of trRef.current?.nodes() ?? []) {
              const e = byId.get(n.id());
              if (!e) continue;
              const b = box(e);
              const sx = n.scaleX(),
                sy = n.scaleY();
              n.scale({ x: 1, y: 1 });
              const props: Record<string, unknown> = {
                x: round(n.x()),
                y: round(n.y()),
                rotation: round(((n.rotation() + 540) % 360) - 180),
                w: Math.max(1, round(b.w * sx)),
                h: Math.max(1, round(b.h * sy)),
              };
              if (e.kind === "text") {
                // Text has no box of its own: resizing scales its type.
                props.font_size = Math.min(400, Math.max(6, round(num(e.props.font_size, 24) * Math.max(sx, sy))));
                delete props.w;
                delete props.h;
              }
              p.onTransform(e.id, props);
            }
          }}
        />
      </Layer>
    </Stage>
  );
}

function round(v: number) {
  return Math.round(v * 10) / 10;
}

// pressure is the pen's pressure; a mouse (which reports 0.5 pressed, 0
// when not) counts as a medium press.
function pressure(e: PointerEvent): number {
  if (e.pointerType === "pen" && e.pressure > 0) return Math.round(e.pressure * 100) / 100;
  return 0.5;
}
