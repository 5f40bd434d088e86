// The live canvas (/canvas/…): the list of canvases and one canvas, edited
// together over the realtime socket. The drawing surface (Konva) loads only
// when a canvas is opened.
import { lazy, Suspense } from "react";
import { Navigate, Route, Routes } from "react-router";
import { Loading } from "../components";
import { CanvasListPage } from "./List";
import "./canvas.css";

const BoardScreen = lazy(() => import("./BoardScreen").then((m) => ({ default: m.BoardScreen })));

export default function CanvasArea() {
  return (
    <div className="canvas-area">
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route index element={<CanvasListPage />} />
          <Route path=":id" element={<BoardScreen />} />
          <Route path="*" element={<Navigate to="/canvas" replace />} />
        </Routes>
      </Suspense>
    </div>
  );
}
