// useBoard joins a canvas's channel: the elements (merged by stamps, own
// ops shown at once), the role, the people present and their cursors, and
// the facilitator's follow requests. Renders are batched to one per frame
// however many changes arrive.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { realtime, useChannel, type Frame, type Status } from "../realtime";
import { Board, maxStamp, newId, readPatch, type Op } from "./model";

export interface Person {
  uid: string;
  name: string;
  color: string;
  role: string;
}

export interface Cursor {
  uid: string;
  x: number;
  y: number;
  at: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

export type Notice =
  | { kind: "refused"; code: string }
  | { kind: "dropped"; count: number }
  | { kind: "offline" }
  | { kind: "revoked" };

export interface FollowState {
  from: string;
  mode: "follow_me" | "bring_all";
  viewport: Viewport;
  seq: number;
}

const dragEvery = 100; // ms: ≤ 10 drag updates per second per element
const cursorEvery = 50; // ms: ≤ 20 cursor moves per second
const leaveAfter = 3000; // ms absent from presence before someone counts as gone

export function useBoard(id: string) {
  const channel = `canvas:${id}`;
  const board = useRef(new Board()).current;
  const cursors = useRef(new Map<string, Cursor>()).current;
  const [version, setVersion] = useState(0);
  // Cursors change many times a second: only the cursor layer listens.
  const cursorListeners = useRef(new Set<() => void>()).current;
  const [role, setRole] = useState<string>("");
  const [loaded, setLoaded] = useState(false);
  const [people, setPeople] = useState<Person[]>([]);
  // How many are present in all: a presence list names at most the first
  // 100 people, so a crowded canvas counts the rest.
  const [present, setPresent] = useState(0);
  const [notice, setNotice] = useState<Notice | undefined>();
  const [follow, setFollow] = useState<FollowState | undefined>();
  const frame = useRef(0);
  const cursorFrame = useRef(0);
  const lastDrag = useRef(new Map<string, { at: number; timer?: ReturnType<typeof setTimeout>; props?: Record<string, unknown> }>());
  const lastCursor = useRef({ at: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined, x: 0, y: 0 });
  const followSeq = useRef(0);
  // Who is here, as the last presence lists said; someone missing from a
  // list counts as gone only after a few seconds (lists can briefly lag
  // behind a reconnect), so nobody flickers in and out.
  const seen = useRef(new Map<string, { person: Person; at: number; listed: boolean }>());
  const presenceTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const settlePresence = useCallback(() => {
    const now = Date.now();
    for (const [uid, e] of seen.current)
      if (!e.listed && now - e.at > leaveAfter) {
        seen.current.delete(uid);
        cursors.delete(uid);
      }
    const list = [...seen.current.values()].map((e) => e.person);
    setPeople((old) =>
      old.length === list.length && old.every((p, i) => p.uid === list[i].uid && p.name === list[i].name && p.role === list[i].role && p.color === list[i].color)
        ? old
        : list,
    );
    renderCursors();
  }, [cursors]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => clearTimeout(presenceTimer.current), []);

  const render = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setVersion(board.version);
    });
  }, [board]);
  const renderCursors = useCallback(() => {
    if (cursorFrame.current) return;
    cursorFrame.current = requestAnimationFrame(() => {
      cursorFrame.current = 0;
      for (const l of cursorListeners) l();
    });
  }, [cursorListeners]);
  const onCursors = useCallback(
    (l: () => void) => {
      cursorListeners.add(l);
      return () => void cursorListeners.delete(l);
    },
    [cursorListeners],
  );
  useEffect(
    () => () => {
      cancelAnimationFrame(frame.current);
      cancelAnimationFrame(cursorFrame.current);
    },
    [],
  );

  const onFrame = useCallback(
    (f: Frame) => {
      const rt = realtime();
      switch (f.type) {
        case "snapshot": {
          if (f.complete) board.reset();
          for (const raw of (f.elements as unknown[]) ?? []) {
            const p = readPatch(raw);
            if (p) board.apply(p);
          }
          const c = typeof f.cursor === "bigint" || typeof f.cursor === "number" ? BigInt(f.cursor) : 0n;
          rt.noteStamp(channel, c > board.cursor ? c : board.cursor);
          if (typeof f.role === "string") setRole(f.role);
          setLoaded(true);
          render();
          return;
        }
        case "op": {
          const p = readPatch(f.patch);
          if (!p) return;
          board.apply(p);
          rt.noteStamp(channel, maxStamp(p));
          render();
          return;
        }
        case "ack": {
          const s = typeof f.stamp === "bigint" || typeof f.stamp === "number" ? BigInt(f.stamp) : 0n;
          if (f.op_id) board.ack(f.op_id, s, rt.uid);
          render();
          return;
        }
        case "error":
          if (f.op_id) board.reject(f.op_id);
          // Undo and redo answer "not_found" when there is nothing left to undo.
          if (typeof f.code === "string") setNotice({ kind: "refused", code: !f.op_id && f.code === "not_found" ? "nothing" : f.code });
          render();
          return;
        case "dropped": {
          const ids = (f.op_ids as string[]) ?? [];
          for (const op of ids) board.reject(op);
          if (ids.length) setNotice({ kind: "dropped", count: ids.length });
          render();
          return;
        }
        case "access":
          if (typeof f.role === "string") setRole(f.role);
          return;
        case "revoked":
          board.reset();
          board.clearPending();
          setRole("");
          setNotice({ kind: "revoked" });
          render();
          return;
        case "presence": {
          const list = ((f.people as Person[]) ?? []).filter((p) => p && typeof p.uid === "string");
          setPresent(typeof f.count === "number" ? f.count : list.length);
          const now = Date.now();
          for (const p of list) seen.current.set(p.uid, { person: p, at: now, listed: true });
          const here = new Set(list.map((p) => p.uid));
          for (const [uid, e] of seen.current) if (!here.has(uid)) e.listed = false;
          settlePresence();
          clearTimeout(presenceTimer.current);
          presenceTimer.current = setTimeout(settlePresence, leaveAfter + 50);
          return;
        }
        case "cursor":
          if (typeof f.uid === "string" && f.uid !== rt.uid && typeof f.x === "number" && typeof f.y === "number") {
            cursors.set(f.uid, { uid: f.uid, x: f.x, y: f.y, at: performance.now() });
            renderCursors();
          }
          return;
        case "follow": {
          const mode = f.mode as string;
          if (f.from === rt.uid) return;
          if (mode === "stop") setFollow(undefined);
          else if ((mode === "follow_me" || mode === "bring_all") && f.viewport && typeof f.from === "string")
            setFollow({ from: f.from, mode, viewport: f.viewport as Viewport, seq: ++followSeq.current });
          return;
        }
      }
    },
    [board, channel, cursors, render, renderCursors],
  );

  const status: Status = useChannel(id ? channel : undefined, onFrame);

  // send shows an op at once and sends it; offline, it is undone at once.
  const send = useCallback(
    (op: Omit<Op, "op_id">) => {
      const full: Op = { ...op, op_id: newId() };
      board.local(full);
      const ok = realtime().send({ type: "op", channel, ...full, sent_at: Date.now() });
      if (!ok) {
        board.reject(full.op_id);
        setNotice({ kind: "offline" });
      }
      // The person's own change shows in this very render, not the next frame.
      setVersion(board.version);
      return full.op_id;
    },
    [board, channel],
  );

  // drag sends a move while dragging, at most every 100 ms per element;
  // the last position of a burst is sent when its slot comes.
  const drag = useCallback(
    (elementId: string, props: Record<string, unknown>) => {
      const m = lastDrag.current;
      const e = m.get(elementId) ?? { at: 0 };
      m.set(elementId, e);
      const now = performance.now();
      e.props = props;
      if (now - e.at >= dragEvery) {
        e.at = now;
        clearTimeout(e.timer);
        e.timer = undefined;
        send({ action: "update", element_id: elementId, props, drag: true });
        e.props = undefined;
      } else if (!e.timer) {
        e.timer = setTimeout(() => {
          e.timer = undefined;
          if (!e.props) return;
          e.at = performance.now();
          send({ action: "update", element_id: elementId, props: e.props, drag: true });
          e.props = undefined;
        }, dragEvery - (now - e.at));
      }
    },
    [send],
  );

  // dragEnd drops a pending drag update and sends the final position.
  const dragEnd = useCallback(
    (elementId: string, props: Record<string, unknown>) => {
      const e = lastDrag.current.get(elementId);
      if (e) {
        clearTimeout(e.timer);
        lastDrag.current.delete(elementId);
      }
      send({ action: "update", element_id: elementId, props });
    },
    [send],
  );

  const moveCursor = useCallback(
    (x: number, y: number) => {
      const c = lastCursor.current;
      c.x = x;
      c.y = y;
      const now = performance.now();
      const go = () => {
        c.at = performance.now();
        realtime().send({ type: "cursor", channel, x: Math.round(c.x * 10) / 10, y: Math.round(c.y * 10) / 10 });
      };
      if (now - c.at >= cursorEvery) go();
      else if (!c.timer)
        c.timer = setTimeout(() => {
          c.timer = undefined;
          go();
        }, cursorEvery - (now - c.at));
    },
    [channel],
  );

  const undo = useCallback(() => realtime().send({ type: "undo", channel }), [channel]);
  const redo = useCallback(() => realtime().send({ type: "redo", channel }), [channel]);
  const sendFollow = useCallback(
    (mode: "follow_me" | "bring_all" | "stop", viewport: Viewport) => realtime().send({ type: "follow", channel, mode, viewport }),
    [channel],
  );

  const elements = useMemo(() => board.elements(), [board, version]); // eslint-disable-line react-hooks/exhaustive-deps
  return {
    board,
    elements,
    version,
    status,
    role,
    loaded,
    people,
    present,
    cursors,
    onCursors,
    notice,
    clearNotice: () => setNotice(undefined),
    follow,
    stopFollowing: () => setFollow(undefined),
    send,
    drag,
    dragEnd,
    moveCursor,
    undo,
    redo,
    sendFollow,
    uid: realtime().uid,
  };
}

export type BoardState = ReturnType<typeof useBoard>;
