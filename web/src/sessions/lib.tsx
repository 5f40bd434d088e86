// What the sessions screens share: the API's shapes, the caller, times in
// the person's own zone, the phase flow and problems shown as messages.
import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, data } from "../api/client";
import { ApiError, problemMessageKey } from "../api/problem";
import { formErrors, type FormErrors } from "../forms";
import type { components } from "../api/schema";
import { useChannel, useRealtimeStatus, type Status } from "../realtime";

export { formatCountdown, formatDate, formatWhen, intlLocale, roomLabel } from "./format";
import { formatCountdown } from "./format";

export type Session = components["schemas"]["Session"];
export type Live = components["schemas"]["SessionLive"];
export type Draw = components["schemas"]["SessionDraw"];
export type Pick = components["schemas"]["SessionPick"];
export type Round = components["schemas"]["BreakoutRound"];
export type Homework = components["schemas"]["Homework"];
export type Participant = components["schemas"]["SessionParticipant"];
export type Invitation = components["schemas"]["SessionInvitation"];

export const phases = ["pause", "expand", "focus", "doing"] as const;
export type Phase = (typeof phases)[number];

// Live views follow the session's realtime channel: each change it
// announces refetches what the screen shows. Only while the socket is down
// do they fall back to a slow poll (TanStack Query pauses it while the page
// is hidden).
export const fallbackPollMs = 30_000;

export function pollWhile(status: Status): number | false {
  return status === "open" ? false : fallbackPollMs;
}

// useSessionChannel follows session:{id}; each change refetches the
// session's queries on screen.
export function useSessionChannel(id: string): Status {
  const queryClient = useQueryClient();
  return useChannel(id ? `session:${id}` : undefined, (f) => {
    // The gateway follows every subscription with the current state, so a
    // resubscription after the socket was down refetches too.
    if (f.type === "session") void queryClient.invalidateQueries({ queryKey: ["sessions", id] });
  });
}

const staffRoles = new Set(["facilitator", "educator", "org_admin"]);

export { useMe } from "../me";
import { useMe } from "../me";
import { saveFile } from "../api/files";

export function isStaff(role: string | undefined): boolean {
  return !!role && staffRoles.has(role);
}

// The person's zone: their profile's, else the browser's.
export function useTimeZone(): string {
  const me = useMe();
  return me.data?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

// problemKey is the message for any failure.
export function problemKey(err: unknown) {
  return problemMessageKey(err instanceof ApiError ? err.problem : err);
}

// areaErrors is formErrors with this area's field messages
// (sessions.fieldErrors.<field>).
export function areaErrors(err: unknown, shown: readonly string[]): FormErrors {
  const e = formErrors(err, shown);
  return { ...e, fields: Object.fromEntries(Object.keys(e.fields).map((f) => [f, `sessions.fieldErrors.${f}`])) };
}

export function ProblemNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="sessions-problem" role="alert">
      <p className="error">{t(problemKey(error))}</p>
      {onRetry && (
        <button type="button" className="button secondary" onClick={onRetry}>
          {t("sessions.retry")}
        </button>
      )}
    </div>
  );
}

// PhaseFlow is Pause → Expand → Focus → Doing with the current phase
// marked; the list mirrors in right-to-left languages.
export function PhaseFlow({ current }: { current?: string }) {
  const { t } = useTranslation();
  return (
    <ol className="phase-flow" aria-label={t("sessions.phases.label")}>
      {phases.map((p) => (
        <li key={p} className={p === current ? "current" : undefined} aria-current={p === current ? "step" : undefined}>
          {t(`sessions.phases.${p}`)}
        </li>
      ))}
    </ol>
  );
}

export function StatusBadge({ status }: { status?: string }) {
  const { t } = useTranslation();
  if (!status) return null;
  return <span className={`badge badge-${status}`}>{t(`sessions.status.${status}`)}</span>;
}

// downloadCalendar fetches the session's .ics with the person's token and
// hands it to the browser as a file.
export async function downloadCalendar(id: string): Promise<void> {
  const r = await api.GET("/sessions/v1/sessions/{sessionId}/calendar.ics", {
    params: { path: { sessionId: id } },
    parseAs: "blob",
  });
  if (r.error !== undefined || !r.response.ok) throw new ApiError(r.error ?? { type: "about:blank", title: "", status: r.response.status });
  saveFile(r.data as Blob, "session.ics");
}

// cardLabel names a drawn card: its title, else its picture's description.
export function cardLabel(c: { title?: string; images?: { alt?: string }[]; card_id?: string }, fallback: string): string {
  return c.title || c.images?.find((i) => i.alt)?.alt || fallback;
}

// useSession reads one session under the key a save updates in place.
export function useSession(id: string, retry?: false) {
  return useQuery({
    queryKey: ["sessions", id, "session"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}", { params: { path: { sessionId: id } } })),
    retry,
  });
}

// useLiveSession is what both live screens follow: the session, where it
// is, and the draw it shows while it runs.
export function useLiveSession(id: string) {
  const socket = useSessionChannel(id);
  const session = useSession(id);
  const live = useLive(id);
  const running = live.data?.status === "live";
  const draw = useDraw(id, live.data?.latest_draw_id, running);
  return { session, live, running, draw, socket };
}

// useLive reads where the session is; it changes on the session's channel,
// polled slowly only while the socket is down and the session not over.
export function useLive(id: string) {
  const socket = useRealtimeStatus();
  return useQuery({
    queryKey: ["sessions", id, "live"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}/live", { params: { path: { sessionId: id } } })),
    refetchInterval: (q) => (q.state.data?.status === "ended" || q.state.data?.status === "cancelled" ? false : pollWhile(socket)),
    staleTime: 0,
  });
}

// useDraw reads the draw the session shows (reveals also come after a draw
// closed).
export function useDraw(id: string, drawId: string | undefined, running: boolean) {
  const socket = useRealtimeStatus();
  return useQuery({
    queryKey: ["sessions", id, "draw", drawId],
    queryFn: () =>
      data(api.GET("/sessions/v1/sessions/{sessionId}/draws/{drawId}", { params: { path: { sessionId: id, drawId: drawId! } } })),
    enabled: !!drawId,
    refetchInterval: running ? pollWhile(socket) : false,
    staleTime: 0,
  });
}

export function useRound(id: string, roundId: string | undefined) {
  const socket = useRealtimeStatus();
  return useQuery({
    queryKey: ["sessions", id, "breakout", roundId],
    queryFn: () =>
      data(
        api.GET("/sessions/v1/sessions/{sessionId}/breakouts/{breakoutId}", { params: { path: { sessionId: id, breakoutId: roundId! } } }),
      ),
    enabled: !!roundId,
    refetchInterval: pollWhile(socket),
    staleTime: 0,
  });
}

// useCountdown ticks a round's remaining seconds down each second from the
// server's figure at the time it answered.
export function useCountdown(remaining: number | undefined, answeredAt: number): number | undefined {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (remaining === undefined) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [remaining]);
  if (remaining === undefined) return undefined;
  return Math.max(0, remaining - Math.floor((now - answeredAt) / 1000));
}

// Countdown shows a breakout timer; screen readers hear it only when asked
// (a live region announcing every second would drown everything else).
export function Countdown({ round, updatedAt }: { round: Round; updatedAt: number }) {
  const { t } = useTranslation();
  const left = useCountdown(round.status === "open" ? (round.remaining_seconds ?? 0) : undefined, updatedAt);
  if (round.status !== "open") return null;
  const over = round.timer_expired || left === 0;
  return (
    <p className={over ? "countdown over" : "countdown"}>
      <span className="countdown-label">{over ? t("sessions.breakout.timeUp") : t("sessions.breakout.timeLeft")}</span>
      {!over && (
        <time className="countdown-value" dateTime={`PT${left ?? 0}S`}>
          {formatCountdown(left ?? 0)}
        </time>
      )}
    </p>
  );
}

// ConnectionNote says, without alarm, that the last update failed and the
// page keeps trying; what was last seen stays on screen.
export function ConnectionNote({ failing }: { failing: boolean }) {
  const { t } = useTranslation();
  return (
    <p className={failing ? "connection trouble" : "connection"} role="status">
      {failing ? t("sessions.live.reconnecting") : ""}
    </p>
  );
}
