// Joining from an invitation link (/join/<session>?token=…, as mailed by
// the sessions function): accept, join, land in the live view. Without a
// token (the calendar entry's link) a participant rejoins and staff go to
// the session's page.
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, Navigate, Route, Routes, useNavigate, useParams, useSearchParams } from "react-router";
import { api, data } from "../api/client";
import { ApiError } from "../api/problem";
import { Loading } from "../components";
import { isolate } from "../i18n";
import { useUser } from "../session";
import { SessionFacts } from "./Detail";
import { problemKey, StatusBadge, useMe, useSession } from "./lib";
import "./sessions.css";

function status(err: unknown): number | undefined {
  const p = err instanceof ApiError ? (err.problem as { status?: number }) : undefined;
  return p?.status;
}

function Join() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { t } = useTranslation();
  const user = useUser();
  const me = useMe();
  const navigate = useNavigate();
  // Someone already in the session (or its staff) may read it; an invitee
  // may not until they join.
  const session = useSession(id, false);
  const join = useMutation({
    mutationFn: () => data(api.POST("/sessions/v1/sessions/{sessionId}/join", { params: { path: { sessionId: id } }, body: token ? { token } : {} })),
    onSuccess: () => navigate(`/sessions/${id}/live`, { replace: true }),
  });
  if (session.isPending || me.isPending) return <Loading />;
  const s = session.data;
  const facilitates = s && me.data?.org === s.org_id && ["facilitator", "educator", "org_admin"].includes(me.data?.role ?? "");
  if (s && facilitates) return <Navigate to={`/sessions/${id}`} replace />;
  const code = status(join.error);
  let message: string | undefined;
  if (join.isError) {
    if (code === 403) message = t("sessions.join.otherAddress", { email: isolate(user?.email ?? "") });
    else if (code === 404) message = t("sessions.join.invalid");
    else if (code === 409) message = s?.status === "ended" || s?.status === "cancelled" ? t("sessions.join.over") : t("sessions.join.full");
    else message = t(problemKey(join.error));
  }
  return (
    <section className="card narrow join" aria-labelledby="join-title">
      <p className="eyebrow">{t("sessions.join.eyebrow")}</p>
      <h1 id="join-title">{s?.title ?? t("sessions.join.title")}</h1>
      {s && <StatusBadge status={s.status} />}
      <p className="lead">{token ? t("sessions.join.lead") : t("sessions.join.leadRejoin")}</p>
      {s && <SessionFacts s={s} />}
      <p className="hint">{t("sessions.join.as", { email: isolate(user?.email ?? "") })}</p>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      <div className="actions">
        <button type="button" className="button" onClick={() => join.mutate()} disabled={join.isPending}>
          {join.isPending ? t("sessions.join.joining") : t("sessions.join.accept")}
        </button>
        <Link className="button secondary" to="/">
          {t("sessions.join.notNow")}
        </Link>
      </div>
    </section>
  );
}

export default function JoinArea() {
  return (
    <Routes>
      <Route path=":id" element={<Join />} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}
