// A session's page: when it is (in its zone and the reader's), its plan,
// the calendar file; for its facilitators also invitations, participants
// and homework.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams } from "react-router";
import { api, data } from "../api/client";
import { FieldMessage, FormMessage, Loading } from "../components";
import { isolate, languages } from "../i18n";
import { fieldProps, type FormErrors } from "../forms";
import {
  areaErrors,
  downloadCalendar,
 
  formatDate,
  formatWhen,
  isStaff,
  ProblemNote,
  StatusBadge,
  useMe,
  useSession,
  useTimeZone,
  type Participant,
  type Session,
} from "./lib";
import { ManageSession } from "./Manage";

function CalendarButton({ id }: { id: string }) {
  const { t } = useTranslation();
  const dl = useMutation({ mutationFn: () => downloadCalendar(id) });
  return (
    <>
      <button type="button" className="button secondary" onClick={() => dl.mutate()} disabled={dl.isPending}>
        {t("sessions.detail.calendar")}
      </button>
      {dl.isError && <ProblemNote error={dl.error} />}
    </>
  );
}

export function SessionFacts({ s }: { s: Session }) {
  const { t, i18n } = useTranslation();
  const tz = useTimeZone();
  const sameZone = s.time_zone === tz;
  return (
    <dl className={s.status === "cancelled" ? "facts cancelled" : "facts"}>
      <div>
        <dt>{t("sessions.detail.when")}</dt>
        <dd>
          <time dateTime={s.start_at}>{formatWhen(s.start_at, s.time_zone || tz, i18n.language)}</time>
          {s.time_zone && <span className="hint zone">{isolate(s.time_zone.replaceAll("_", " "))}</span>}
        </dd>
      </div>
      {!sameZone && (
        <div>
          <dt>{t("sessions.detail.yourTime")}</dt>
          <dd>
            <time dateTime={s.start_at}>{formatWhen(s.start_at, tz, i18n.language)}</time>
          </dd>
        </div>
      )}
      <div>
        <dt>{t("sessions.detail.duration")}</dt>
        <dd>{t("sessions.minutes", { count: s.duration_minutes ?? 0 })}</dd>
      </div>
      {s.capacity !== undefined && (
        <div>
          <dt>{t("sessions.detail.seats")}</dt>
          <dd>{t("sessions.list.joined", { joined: s.joined ?? 0, capacity: s.capacity })}</dd>
        </div>
      )}
      {s.meeting?.url && (
        <div>
          <dt>{t("sessions.detail.meeting")}</dt>
          <dd>
            <a href={s.meeting.url} target="_blank" rel="noreferrer" dir="ltr">
              {s.meeting.url}
            </a>
          </dd>
        </div>
      )}
    </dl>
  );
}

function Plan({ s }: { s: Session }) {
  const { t } = useTranslation();
  if (!s.plan?.length) return null;
  return (
    <>
      <h2>{t("sessions.detail.plan")}</h2>
      <ol className="plan">
        {s.plan.map((step, i) => (
          <li key={i} data-phase={step.phase}>
            <span className={`phase-tag phase-${step.phase}`}>{t(`sessions.phases.${step.phase}`)}</span>
            <span className="plan-title">{step.title}</span>
            <span className="hint">{t("sessions.minutes", { count: step.minutes ?? 0 })}</span>
          </li>
        ))}
      </ol>
    </>
  );
}

function InvitePanel({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<FormErrors>();
  const [done, setDone] = useState<string>();
  const [revoked, setRevoked] = useState<string>();
  const revoke = useMutation({
    mutationFn: async (inv: { id: string; email: string }) => {
      await data(api.DELETE("/sessions/v1/sessions/{sessionId}/invitations/{inviteId}", { params: { path: { sessionId: id, inviteId: inv.id } } }));
      return inv;
    },
    onSuccess: (inv) => {
      setDone(undefined);
      setRevoked(inv.email);
      void queryClient.invalidateQueries({ queryKey: ["sessions", id] });
    },
  });
  const invitations = useQuery({
    queryKey: ["sessions", id, "invitations"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}/invitations", { params: { path: { sessionId: id } } })),
  });
  const invite = useMutation({
    mutationFn: (body: { emails: string[]; locale: (typeof languages)[number] }) =>
      data(api.POST("/sessions/v1/sessions/{sessionId}/invitations", { params: { path: { sessionId: id } }, body })),
    onSuccess: (r) => {
      setDone(t("sessions.invite.sent", { count: (r.invited ?? 0) + (r.resent ?? 0) }));
      void queryClient.invalidateQueries({ queryKey: ["sessions", id] });
    },
    onError: (err) => setErrors(areaErrors(err, ["emails"])),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setRevoked(undefined);
    const f = new FormData(e.currentTarget);
    const emails = String(f.get("emails") ?? "")
      .split(/[\s,;]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    setErrors(undefined);
    setDone(undefined);
    if (emails.length === 0) {
      setErrors({ fields: { emails: "sessions.fieldErrors.emails" } });
      return;
    }
    invite.mutate({ emails, locale: String(f.get("locale")) as (typeof languages)[number] });
    e.currentTarget.reset();
  }
  const list = invitations.data?.invitations ?? [];
  return (
    <section aria-labelledby="invite-title">
      <h2 id="invite-title">{t("sessions.invite.title")}</h2>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="emails">{t("sessions.invite.emails")}</label>
          <textarea id="emails" name="emails" rows={3} dir="ltr" autoComplete="off" {...fieldProps(errors, "emails", "emails-hint")} />
          <p className="hint" id="emails-hint">
            {t("sessions.invite.emailsHint")}
          </p>
          <FieldMessage errors={errors} name="emails" />
        </div>
        <div className="field">
          <label htmlFor="locale">{t("sessions.invite.language")}</label>
          <select id="locale" name="locale" defaultValue={(languages as readonly string[]).includes(i18n.language) ? i18n.language : "en"}>
            {languages.map((l) => (
              <option key={l} value={l} lang={l}>
                {new Intl.DisplayNames([l], { type: "language" }).of(l)}
              </option>
            ))}
          </select>
        </div>
        <FormMessage errors={errors} />
        <button type="submit" className="button" disabled={invite.isPending}>
          {invite.isPending ? t("sessions.invite.sending") : t("sessions.invite.submit")}
        </button>
        <p className="status" role="status">
          {revoked !== undefined ? t("sessions.invite.revoked", { email: isolate(revoked) }) : done}
        </p>
      </form>
      {invitations.isError && <ProblemNote error={invitations.error} onRetry={() => void invitations.refetch()} />}
      {revoke.isError && <ProblemNote error={revoke.error} />}

      {list.length > 0 && (
        <ul className="list" aria-label={t("sessions.invite.listLabel")}>
          {list.map((inv) => (
            <li key={inv.id}>
              <span dir="ltr">{inv.email}</span>
              <span className={`badge badge-${inv.status}`}>{t(`sessions.invite.status.${inv.status}`)}</span>
              {inv.sent_at && <span className="hint">{formatDate(inv.sent_at, i18n.language)}</span>}
              {inv.status === "pending" && (
                <button
                  type="button"
                  className="button secondary small"
                  disabled={revoke.isPending}
                  aria-label={t("sessions.invite.revokeLabel", { email: inv.email })}
                  onClick={() => revoke.mutate({ id: inv.id!, email: inv.email ?? "" })}
                >
                  {t("sessions.invite.revoke")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// ParticipantRow asks before removing someone: they lose their seat and
// their invitation link.
function ParticipantRow({ id, p, manage }: { id: string; p: Participant; manage: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const name = p.display_name || p.email || t("sessions.participantFallback");
  const remove = useMutation({
    mutationFn: () => data(api.DELETE("/sessions/v1/sessions/{sessionId}/participants/{uid}", { params: { path: { sessionId: id, uid: p.uid! } } })),
    onSuccess: () => {
      setAsking(false);
      void queryClient.invalidateQueries({ queryKey: ["sessions", id] });
    },
  });
  return (
    <li>
      <span>{p.display_name || p.email}</span>
      <span className={`badge badge-${p.state}`}>{t(`sessions.participants.state.${p.state}`)}</span>
      {manage && p.state !== "removed" && !asking && (
        <button type="button" className="button secondary small" aria-label={t("sessions.participants.removeLabel", { name })} onClick={() => setAsking(true)}>
          {t("sessions.participants.remove")}
        </button>
      )}
      {asking && (
        <span className="confirm" role="group" aria-label={t("sessions.participants.removeLabel", { name })}>
          <span>{t("sessions.participants.removeConfirm", { name: isolate(name) })}</span>
          <button type="button" className="button danger small" autoFocus disabled={remove.isPending} onClick={() => remove.mutate()}>
            {t("sessions.participants.removeYes")}
          </button>
          <button type="button" className="button secondary small" onClick={() => setAsking(false)}>
            {t("sessions.participants.removeNo")}
          </button>
        </span>
      )}
      {remove.isError && <ProblemNote error={remove.error} />}
    </li>
  );
}

export function ParticipantsPanel({ id, poll, manage = false }: { id: string; poll?: number; manage?: boolean }) {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ["sessions", id, "participants"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}/participants", { params: { path: { sessionId: id } } })),
    refetchInterval: poll,
  });
  const list = q.data?.participants ?? [];
  return (
    <section aria-labelledby="participants-title">
      <h2 id="participants-title">{t("sessions.participants.title")}</h2>
      {q.isPending && <p role="status">{t("app.loading")}</p>}
      {q.isError && <ProblemNote error={q.error} onRetry={() => void q.refetch()} />}
      {q.isSuccess && list.length === 0 && <p className="empty">{t("sessions.participants.empty")}</p>}
      {list.length > 0 && (
        <ul className="list">
          {list.map((p) => (
            <ParticipantRow key={p.uid} id={id} p={p} manage={manage} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function HomeworkPanel({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<FormErrors>();
  const [done, setDone] = useState<string>();
  const participants = useQuery({
    queryKey: ["sessions", id, "participants"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}/participants", { params: { path: { sessionId: id } } })),
  });
  const homework = useQuery({
    queryKey: ["sessions", id, "homework"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}/homework", { params: { path: { sessionId: id } } })),
  });
  const assign = useMutation({
    mutationFn: (body: { all?: boolean; uid?: string; title: string; due?: string }) =>
      data(api.POST("/sessions/v1/sessions/{sessionId}/homework", { params: { path: { sessionId: id } }, body })),
    onSuccess: (r) => {
      setDone(t("sessions.homework.assigned", { count: r.homework?.length ?? 0 }));
      void queryClient.invalidateQueries({ queryKey: ["sessions", id, "homework"] });
    },
    onError: (err) => setErrors(areaErrors(err, ["title", "due", "uid", "all"])),
  });
  const names = new Map((participants.data?.participants ?? []).map((p) => [p.uid, p.display_name || p.email || ""]));
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const who = String(f.get("who") ?? "all");
    const due = String(f.get("due") ?? "");
    setErrors(undefined);
    setDone(undefined);
    assign.mutate({ ...(who === "all" ? { all: true } : { uid: who }), title: String(f.get("hw_title") ?? "").trim(), due: due || undefined });
  }
  const items = homework.data?.homework ?? [];
  const errs = errors && { ...errors, fields: { ...errors.fields, ...(errors.fields.title ? { hw_title: "sessions.fieldErrors.homework" } : {}) } };
  return (
    <section aria-labelledby="homework-title">
      <h2 id="homework-title">{t("sessions.homework.title")}</h2>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="hw_title">{t("sessions.homework.what")}</label>
          <input id="hw_title" name="hw_title" maxLength={200} {...fieldProps(errs, "hw_title")} />
          <FieldMessage errors={errs} name="hw_title" />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="who">{t("sessions.homework.who")}</label>
            <select id="who" name="who" defaultValue="all">
              <option value="all">{t("sessions.homework.everyone")}</option>
              {(participants.data?.participants ?? [])
                .filter((p) => p.state !== "removed")
                .map((p) => (
                  <option key={p.uid} value={p.uid}>
                    {p.display_name || p.email}
                  </option>
                ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="due">{t("sessions.homework.dueLabel")}</label>
            <input id="due" name="due" type="date" {...fieldProps(errs, "due")} />
            <FieldMessage errors={errs} name="due" />
          </div>
        </div>
        <FormMessage errors={errs} />
        <button type="submit" className="button" disabled={assign.isPending}>
          {t("sessions.homework.assign")}
        </button>
        <p className="status" role="status">
          {done}
        </p>
      </form>
      {homework.isError && <ProblemNote error={homework.error} onRetry={() => void homework.refetch()} />}
      {items.length > 0 && (
        <ul className="list" aria-label={t("sessions.homework.listLabel")}>
          {items.map((h) => (
            <li key={h.id}>
              <span>
                <strong>{h.title}</strong> · {names.get(h.uid ?? "") || t("sessions.participantFallback")}
              </span>
              <span className="hint">
                {t(`sessions.homework.status.${h.status}`)}
                {h.due ? ` · ${t("sessions.homework.due", { date: formatDate(h.due, i18n.language) })}` : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function MyHomeworkHere({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const homework = useQuery({
    queryKey: ["sessions", id, "homework"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}/homework", { params: { path: { sessionId: id } } })),
  });
  const items = homework.data?.homework ?? [];
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="homework-title">
      <h2 id="homework-title">{t("sessions.home.homeworkTitle")}</h2>
      <ul className="list">
        {items.map((h) => (
          <li key={h.id}>
            <strong>{h.title}</strong>
            <span className="hint">{h.due ? t("sessions.homework.due", { date: formatDate(h.due, i18n.language) }) : t(`sessions.homework.status.${h.status}`)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function SessionDetail() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const me = useMe();
  const location = useLocation();
  const q = useSession(id);
  if (q.isPending || me.isPending) return <Loading />;
  if (q.isError)
    return (
      <section className="card">
        <ProblemNote error={q.error} onRetry={() => void q.refetch()} />
      </section>
    );
  const s = q.data;
  // Staff of the organisation see the console; the API still decides.
  const staff = isStaff(me.data?.role) && me.data?.org === s.org_id;
  const uid = me.data?.uid ?? "";
  const facilitates = staff && !!uid && (s.facilitator === uid || (s.co_facilitators ?? []).includes(uid));
  const manages = facilitates || (staff && me.data?.role === "org_admin");
  const open = s.status === "scheduled" || s.status === "live";
  return (
    <section className="card wide" aria-labelledby="session-title">
      <div className="title-row">
        <h1 id="session-title">{s.title}</h1>
        <StatusBadge status={s.status} />
      </div>
      {(location.state as { scheduled?: boolean } | null)?.scheduled && (
        <p className="notice" role="status">
          {t("sessions.detail.scheduled")}
        </p>
      )}
      {s.status === "cancelled" && (
        <p className="notice cancelled-note" role="status">
          {staff ? t("sessions.detail.cancelledStaff") : t("sessions.detail.cancelled")}
        </p>
      )}
      {s.description && <p className="lead">{s.description}</p>}
      <SessionFacts s={s} />
      {s.status !== "cancelled" && (
        <div className="actions">
          {staff && open && (
            <Link className="button" to={`/sessions/${id}/control`}>
              {t("sessions.detail.control")}
            </Link>
          )}
          {!staff && open && (
            <Link className="button" to={`/sessions/${id}/live`}>
              {s.status === "live" ? t("sessions.home.joinNow") : t("sessions.detail.waitingRoom")}
            </Link>
          )}
          {facilitates && s.status === "ended" && (
            <Link className="button" to={`/sessions/${id}/retrospective`}>
              {t("insights.retro.open")}
            </Link>
          )}
          <CalendarButton id={id} />
        </div>
      )}
      {staff && <ManageSession s={s} facilitates={facilitates} manages={manages} />}
      <Plan s={s} />
      {staff ? (
        <div className="panels">
          {open && facilitates && <InvitePanel id={id} />}
          <ParticipantsPanel id={id} manage={open && facilitates} />
          {s.status !== "cancelled" && <HomeworkPanel id={id} />}
        </div>
      ) : (
        <MyHomeworkHere id={id} />
      )}
    </section>
  );
}
