// The home page's own part: my next sessions and my homework, each with
// what to do next.
import type { ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, data } from "../api/client";
import { formatDate, formatWhen, isStaff, ProblemNote, StatusBadge, type Homework, type Session, useTimeZone } from "./lib";
import "./sessions.css";

type MySession = Session & { role?: string };

// Where a session's button leads: the live room while it runs, the
// console for its facilitators, its page otherwise.
export function sessionTarget(s: MySession): { to: string; key: string } {
  const facilitates = s.role === "owner" || s.role === "editor";
  if (s.status === "live") return facilitates ? { to: `/sessions/${s.id}/control`, key: "sessions.home.control" } : { to: `/sessions/${s.id}/live`, key: "sessions.home.joinNow" };
  return { to: `/sessions/${s.id}`, key: "sessions.home.open" };
}

// A session cancelled before its time stays in view, marked, until that
// time has passed: the person learns of it here too, not only by mail.
function upcoming(list: MySession[], now: number): MySession[] {
  return list.filter((s) => {
    if (s.status === "live") return true;
    if ((s.status !== "scheduled" && s.status !== "cancelled") || !s.start_at) return false;
    const end = new Date(s.start_at).getTime() + (s.duration_minutes ?? 60) * 60_000;
    return end > now;
  });
}

const mySessionsQuery = { queryKey: ["sessions", "me"], queryFn: () => data(api.GET("/sessions/v1/me/sessions")) };
const myHomeworkQuery = { queryKey: ["sessions", "homework", "me"], queryFn: () => data(api.GET("/sessions/v1/me/homework")) };

export function MySessions({ role }: { role?: string }) {
  const { t, i18n } = useTranslation();
  const tz = useTimeZone();
  const q = useQuery(mySessionsQuery);
  return (
    <section className="card home-panel" aria-labelledby="my-sessions-title">
      <h2 id="my-sessions-title">{t("sessions.home.sessionsTitle")}</h2>
      {q.isPending && <p role="status">{t("app.loading")}</p>}
      {q.isError && <ProblemNote error={q.error} onRetry={() => void q.refetch()} />}
      {q.data &&
        (() => {
          const list = upcoming(q.data.sessions ?? [], Date.now());
          if (list.length === 0)
            return (
              <div className="empty">
                <p>{isStaff(role) ? t("sessions.home.noSessionsStaff") : t("sessions.home.noSessions")}</p>
                {isStaff(role) && (
                  <Link className="button" to="/sessions/new">
                    {t("sessions.list.schedule")}
                  </Link>
                )}
              </div>
            );
          return (
            <ul className="session-list">
              {list.map((s) => {
                const go = sessionTarget(s);
                return (
                  <li key={s.id} className={s.status === "cancelled" ? "cancelled" : undefined}>
                    <div className="session-line">
                      <span className="session-title">{s.title}</span>
                      <StatusBadge status={s.status} />
                    </div>
                    <p className="when">
                      <time dateTime={s.start_at}>{formatWhen(s.start_at, tz, i18n.language)}</time>
                    </p>
                    <Link className={s.status === "live" ? "button" : "button secondary"} to={go.to} aria-label={`${t(go.key)}: ${s.title}`}>
                      {t(go.key)}
                    </Link>
                  </li>
                );
              })}
            </ul>
          );
        })()}
    </section>
  );
}

export function MyHomework({ role }: { role?: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const q = useQuery(myHomeworkQuery);
  const update = useMutation({
    mutationFn: (h: Homework) =>
      data(
        api.PATCH("/sessions/v1/sessions/{sessionId}/homework/{homeworkId}", {
          params: { path: { sessionId: h.session_id!, homeworkId: h.id! } },
          body: { status: h.status === "done" ? "open" : "done" },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["sessions", "homework"] }),
  });
  const items = (q.data?.homework ?? []).filter((h) => h.status !== "dropped");
  // Staff rarely have homework of their own: the panel shows for them only when they do.
  if (isStaff(role) && q.isSuccess && items.length === 0) return null;
  return (
    <section className="card home-panel" aria-labelledby="my-homework-title">
      <h2 id="my-homework-title">{t("sessions.home.homeworkTitle")}</h2>
      {q.isPending && <p role="status">{t("app.loading")}</p>}
      {q.isError && <ProblemNote error={q.error} onRetry={() => void q.refetch()} />}
      {q.isSuccess && items.length === 0 && <p className="empty">{t("sessions.home.noHomework")}</p>}
      {items.length > 0 && (
        <ul className="homework-list">
          {items.map((h) => (
            <li key={h.id} className={h.status === "done" ? "done" : undefined}>
              <div>
                <span className="homework-title">{h.title}</span>
                {h.due && <span className="hint">{t("sessions.homework.due", { date: formatDate(h.due, i18n.language) })}</span>}
                {h.notes && <span className="hint">{h.notes}</span>}
              </div>
              <button
                type="button"
                className="button secondary"
                disabled={update.isPending}
                onClick={() => update.mutate(h)}
                aria-label={`${h.status === "done" ? t("sessions.homework.done") : t("sessions.homework.markDone")}: ${h.title}`}
              >
                {h.status === "done" ? t("sessions.homework.done") : t("sessions.homework.markDone")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {update.isError && <ProblemNote error={update.error} />}
    </section>
  );
}

// The panels, and what follows them on the page, appear together once both
// lists have answered (or failed): a panel growing from "Loading…" to its
// list, or the homework panel appearing for staff, would push the content
// below it down while the person reads.
export default function HomePanels({ role, children }: { role?: string; children?: ReactNode }) {
  const { t } = useTranslation();
  const sessions = useQuery(mySessionsQuery);
  const homework = useQuery(myHomeworkQuery);
  if (sessions.isPending || homework.isPending) {
    return (
      <p className="card" role="status">
        {t("app.loading")}
      </p>
    );
  }
  return (
    <>
      <MySessions role={role} />
      <MyHomework role={role} />
      {children}
    </>
  );
}
