// The minimap: every element as a small block and the visible area as a
// frame; a click or drag there moves the view. Pointer only: the zoom
// buttons, "fit" and the keyboard do the same for everyone.
import { useEffect, useRef } from "react";
import type { Element } from "./model";
import { box, str } from "./Stage";
import type { Viewport } from "./useBoard";

const W = 168,
  H = 112;

export function Minimap({
  elements,
  viewport,
  width,
  height,
  setViewport,
  label,
}: {
  elements: Element[];
  viewport: Viewport;
  width: number;
  height: number;
  setViewport: (v: Viewport) => void;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const map = useRef({ x: 0, y: 0, s: 1 });
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext("2d");
    if (!c || !ctx || !width) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = W * dpr;
    c.height = H * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // The world area shown: the elements and the view together.
    const vx = -viewport.x / viewport.zoom,
      vy = -viewport.y / viewport.zoom,
      vw = width / viewport.zoom,
      vh = height / viewport.zoom;
    let x1 = vx,
      y1 = vy,
      x2 = vx + vw,
      y2 = vy + vh;
    for (const e of elements) {
      if (e.kind === "connector") continue;
      const b = box(e);
      x1 = Math.min(x1, b.x);
      y1 = Math.min(y1, b.y);
      x2 = Math.max(x2, b.x + b.w);
      y2 = Math.max(y2, b.y + b.h);
    }
    const s = Math.min((W - 8) / (x2 - x1 || 1), (H - 8) / (y2 - y1 || 1));
    const ox = 4 - x1 * s + ((W - 8) - (x2 - x1) * s) / 2,
      oy = 4 - y1 * s + ((H - 8) - (y2 - y1) * s) / 2;
    map.current = { x: ox, y: oy, s };
    ctx.clearRect(0, 0, W, H);
    for (const e of elements) {
      if (e.kind === "connector") continue;
      const b = box(e);
      ctx.fillStyle = e.kind === "note" ? str(e.props.color, "#ffe08a") : e.kind === "frame" ? "rgba(138,131,120,0.25)" : "#8a8378";
      ctx.fillRect(ox + b.x * s, oy + b.y * s, Math.max(2, b.w * s), Math.max(2, b.h * s));
    }
    ctx.strokeStyle = "#b4531f";
    ctx.lineWidth = 1.5;
    ctx.strokeRect(ox + vx * s, oy + vy * s, vw * s, vh * s);
  }, [elements, viewport, width, height]);

  const go = (ev: React.PointerEvent<HTMLCanvasElement>) => {
    if (ev.buttons !== 1 && ev.type !== "pointerdown") return;
    const r = ev.currentTarget.getBoundingClientRect();
    const m = map.current;
    const wx = (ev.clientX - r.left - m.x) / m.s,
      wy = (ev.clientY - r.top - m.y) / m.s;
    setViewport({ zoom: viewport.zoom, x: width / 2 - wx * viewport.zoom, y: height / 2 - wy * viewport.zoom });
  };
  return <canvas ref={ref} className="cv-minimap" width={W} height={H} aria-label={label} role="img" onPointerDown={go} onPointerMove={go} />;
}
