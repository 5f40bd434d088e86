// Sessions: the organisation's for its staff (by status), the person's own
// for participants.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, data } from "../api/client";
import { Loading } from "../components";
import { formatWhen, isStaff, ProblemNote, StatusBadge, useMe, useTimeZone, type Session } from "./lib";
import { sessionTarget } from "./HomePanels";

const filters = ["upcoming", "live", "ended", "cancelled"] as const;
type Filter = (typeof filters)[number];

function SessionRows({ sessions, staff }: { sessions: (Session & { role?: string })[]; staff: boolean }) {
  const { t, i18n } = useTranslation();
  const tz = useTimeZone();
  return (
    <ul className="session-list">
      {sessions.map((s) => {
        const go = staff
          ? s.status === "live"
            ? { to: `/sessions/${s.id}/control`, key: "sessions.home.control" }
            : { to: `/sessions/${s.id}`, key: "sessions.home.open" }
          : sessionTarget(s);
        return (
          <li key={s.id} className={s.status === "cancelled" ? "cancelled" : undefined}>
            <div className="session-line">
              <Link className="session-title" to={`/sessions/${s.id}`}>
                {s.title}
              </Link>
              <StatusBadge status={s.status} />
            </div>
            <p className="when">
              <time dateTime={s.start_at}>{formatWhen(s.start_at, tz, i18n.language)}</time>
              {staff && <span className="hint">{t("sessions.list.joined", { joined: s.joined ?? 0, capacity: s.capacity ?? 0 })}</span>}
            </p>
            {go.to !== `/sessions/${s.id}` && (
              <Link className="button" to={go.to} aria-label={`${t(go.key)}: ${s.title}`}>
                {t(go.key)}
              </Link>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function OrgSessions() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>("upcoming");
  // "Upcoming" starts a day back, so today's earlier sessions stay in view.
  const [from] = useState(() => new Date(Date.now() - 24 * 3600_000).toISOString());
  const q = useQuery({
    queryKey: ["sessions", "org", filter],
    queryFn: () =>
      data(
        api.GET("/sessions/v1/sessions", {
          params: { query: filter === "upcoming" ? { status: "scheduled", from } : { status: filter } },
        }),
      ),
  });
  return (
    <>
      <div className="filter-tabs" role="group" aria-label={t("sessions.list.filter")}>
        {filters.map((f) => (
          <button key={f} type="button" className="tab" aria-pressed={filter === f} onClick={() => setFilter(f)}>
            {t(`sessions.list.filters.${f}`)}
          </button>
        ))}
      </div>
      {q.isPending && <Loading />}
      {q.isError && <ProblemNote error={q.error} onRetry={() => void q.refetch()} />}
      {q.data && (q.data.sessions ?? []).length === 0 && <p className="empty">{t(`sessions.list.empty.${filter}`)}</p>}
      {q.data && <SessionRows sessions={q.data.sessions ?? []} staff />}
    </>
  );
}

function MySessionsList() {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ["sessions", "me"], queryFn: () => data(api.GET("/sessions/v1/me/sessions")) });
  if (q.isPending) return <Loading />;
  if (q.isError) return <ProblemNote error={q.error} onRetry={() => void q.refetch()} />;
  const list = q.data.sessions ?? [];
  if (list.length === 0) return <p className="empty">{t("sessions.home.noSessions")}</p>;
  return <SessionRows sessions={list} staff={false} />;
}

export function SessionList() {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <Loading />;
  const staff = isStaff(me.data?.role);
  return (
    <section className="card wide" aria-labelledby="sessions-title">
      <div className="title-row">
        <h1 id="sessions-title">{t("sessions.list.title")}</h1>
        {staff && (
          <Link className="button" to="/sessions/new">
            {t("sessions.list.schedule")}
          </Link>
        )}
      </div>
      <p className="lead">{staff ? t("sessions.list.leadStaff") : t("sessions.list.lead")}</p>
      {staff ? <OrgSessions /> : <MySessionsList />}
    </section>
  );
}
