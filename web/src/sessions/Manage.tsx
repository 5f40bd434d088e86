// Changing a session before it runs, from its page: a new time, its
// cancellation, another owner. The API mails invitees about the first two;
// the page says so before and after.
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, data } from "../api/client";
import { FieldMessage, FormMessage, Submit } from "../components";
import { fieldProps, type FormErrors } from "../forms";
import { isolate } from "../i18n";
import { areaErrors, formatWhen, isStaff, ProblemNote, type Session } from "./lib";
import { wallTime } from "./format";

type Mode = "reschedule" | "cancel" | "owner";

function useZones(first: string) {
  return useMemo(() => {
    const all = Intl.supportedValuesOf?.("timeZone") ?? [];
    return all.includes(first) ? all : [first, ...all];
  }, [first]);
}

// The session as the API answered it goes straight into the page and the
// lists that show it are fetched again.
function useSessionChanged(id: string) {
  const queryClient = useQueryClient();
  return (s: Session) => {
    queryClient.setQueryData(["sessions", id, "session"], s);
    void queryClient.invalidateQueries({ queryKey: ["sessions"] });
  };
}

function Reschedule({ s, onDone, onClose }: { s: Session; onDone: (s: Session) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const zone = s.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = useZones(zone);
  const [errors, setErrors] = useState<FormErrors>();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const move = useMutation({
    mutationFn: (body: { start_at: string; time_zone: string; duration_minutes?: number }) =>
      data(api.POST("/sessions/v1/sessions/{sessionId}/reschedule", { params: { path: { sessionId: s.id! } }, body })),
    onSuccess: onDone,
    onError: (err) => setErrors(areaErrors(err, ["start_at", "time_zone", "duration_minutes"])),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const minutes = String(f.get("r_duration") ?? "").trim();
    const start = String(f.get("r_start_at") ?? "");
    setErrors(undefined);
    if (!start) {
      setErrors({ fields: { start_at: "sessions.fieldErrors.start_at" } });
      return;
    }
    move.mutate({
      start_at: start,
      time_zone: String(f.get("r_time_zone") ?? zone),
      duration_minutes: minutes ? Number(minutes) : undefined,
    });
  }
  // The form's ids differ from the scheduling form's; the API's field names
  // map onto them.
  const errs = errors && {
    ...errors,
    fields: Object.fromEntries(
      Object.entries(errors.fields).map(([k, v]) => [k === "duration_minutes" ? "r_duration" : `r_${k}`, v]),
    ),
  };
  return (
    <ManageForm
      name="reschedule"
      title={t("sessions.manage.reschedule.title")}
      what={t("sessions.manage.reschedule.mail")}
      onSubmit={submit}
      onClose={onClose}
      send={<Submit pending={move.isPending} aria-describedby="reschedule-what">{t("sessions.manage.reschedule.submit")}</Submit>}
    >
      <div className="field-row">
        <div className="field">
          <label htmlFor="r_start_at">{t("sessions.manage.reschedule.start")}</label>
          <input
            ref={first}
            id="r_start_at"
            name="r_start_at"
            type="datetime-local"
            required
            defaultValue={wallTime(s.start_at, zone)}
            {...fieldProps(errs, "r_start_at")}
          />
          <FieldMessage errors={errs} name="r_start_at" />
        </div>
        <div className="field">
          <label htmlFor="r_time_zone">{t("sessions.schedule.timeZone")}</label>
          <select id="r_time_zone" name="r_time_zone" defaultValue={zone} dir="ltr" {...fieldProps(errs, "r_time_zone", "r_time_zone-hint")}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z.replaceAll("_", " ")}
              </option>
            ))}
          </select>
          <p className="hint" id="r_time_zone-hint">
            {t("sessions.manage.reschedule.zoneHint")}
          </p>
          <FieldMessage errors={errs} name="r_time_zone" />
        </div>
      </div>
      <div className="field">
        <label htmlFor="r_duration">{t("sessions.schedule.duration")}</label>
        <input
          id="r_duration"
          name="r_duration"
          type="number"
          min={15}
          max={720}
          inputMode="numeric"
          defaultValue={s.duration_minutes}
          {...fieldProps(errs, "r_duration")}
        />
        <FieldMessage errors={errs} name="r_duration" />
      </div>
      <FormMessage errors={errs} />
    </ManageForm>
  );
}

// ManageForm frames a panel's form: its title, what it does (which the send
// button refers to), its fields, then send and close.
function ManageForm({
  name,
  title,
  what,
  onSubmit,
  onClose,
  send,
  children,
}: {
  name: string;
  title: string;
  what: string;
  onSubmit: (e: FormEvent<HTMLFormElement>) => void;
  onClose: () => void;
  send: ReactNode;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <form className="manage-panel" onSubmit={onSubmit} noValidate aria-labelledby={`${name}-title`}>
      <h2 id={`${name}-title`}>{title}</h2>
      <p className="hint" id={`${name}-what`}>
        {what}
      </p>
      {children}
      <div className="confirm">
        {send}
        <button type="button" className="button secondary" onClick={onClose}>
          {t("sessions.manage.close")}
        </button>
      </div>
    </form>
  );
}

function Cancel({ s, onDone, onClose }: { s: Session; onDone: (s: Session) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const keep = useRef<HTMLButtonElement>(null);
  // The safe choice has the focus: Enter on a stray key press keeps the session.
  useEffect(() => keep.current?.focus(), []);
  const cancel = useMutation({
    mutationFn: () => data(api.POST("/sessions/v1/sessions/{sessionId}/cancel", { params: { path: { sessionId: s.id! } }, body: {} })),
    onSuccess: onDone,
  });
  return (
    <div className="manage-panel danger-zone" role="group" aria-labelledby="cancel-title" aria-describedby="cancel-what">
      <h2 id="cancel-title">{t("sessions.manage.cancel.title")}</h2>
      <p id="cancel-what">{s.status === "live" ? t("sessions.manage.cancel.whatLive") : t("sessions.manage.cancel.what")}</p>
      {cancel.isError && <ProblemNote error={cancel.error} />}
      <div className="confirm">
        <button type="button" className="button danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
          {t("sessions.manage.cancel.confirm")}
        </button>
        <button ref={keep} type="button" className="button secondary" onClick={onClose}>
          {t("sessions.manage.cancel.keep")}
        </button>
      </div>
    </div>
  );
}

// Everyone in the organisation who may own a session, but its owner.
function useStaff(org: string | undefined, except: string | undefined) {
  return useQuery({
    queryKey: ["accounts", "members", org],
    enabled: !!org,
    queryFn: async () => {
      const all: { uid?: string; role?: string; email?: string; display_name?: string }[] = [];
      let token: string | undefined;
      // Organisations are small; five pages of 100 are far more than one has staff.
      for (let i = 0; i < 5; i++) {
        const page = await data(
          api.GET("/accounts/v1/orgs/{orgId}/members", { params: { path: { orgId: org! }, query: { page_size: 100, page_token: token } } }),
        );
        all.push(...(page.members ?? []));
        token = page.next_page_token;
        if (!token) break;
      }
      return all;
    },
    select: (all) => all.filter((m) => isStaff(m.role) && m.uid !== except),
  });
}

function Owner({ s, onDone, onClose }: { s: Session; onDone: (s: Session) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const staff = useStaff(s.org_id, s.facilitator);
  const [errors, setErrors] = useState<FormErrors>();
  const hand = useMutation({
    mutationFn: (uid: string) => data(api.PUT("/sessions/v1/sessions/{sessionId}/owner", { params: { path: { sessionId: s.id! } }, body: { uid } })),
    onSuccess: onDone,
    onError: (err) => setErrors(areaErrors(err, ["uid"])),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setErrors(undefined);
    hand.mutate(String(new FormData(e.currentTarget).get("owner_uid") ?? ""));
  }
  const errs: FormErrors | undefined = errors && {
    ...errors,
    fields: errors.fields.uid ? { owner_uid: "sessions.fieldErrors.owner" } : ({} as Record<string, string>),
  };
  const people = staff.data ?? [];
  return (
    <ManageForm
      name="owner"
      title={t("sessions.manage.owner.title")}
      what={t("sessions.manage.owner.what")}
      onSubmit={submit}
      onClose={onClose}
      send={
        people.length > 0 && (
          <button type="submit" className="button" disabled={hand.isPending} aria-describedby="owner-what">
            {t("sessions.manage.owner.submit")}
          </button>
        )
      }
    >
      {staff.isPending && <p role="status">{t("app.loading")}</p>}
      {staff.isError && <ProblemNote error={staff.error} onRetry={() => void staff.refetch()} />}
      {staff.isSuccess && people.length === 0 && <p className="empty">{t("sessions.manage.owner.none")}</p>}
      {people.length > 0 && (
        <>
          <div className="field">
            <label htmlFor="owner_uid">{t("sessions.manage.owner.who")}</label>
            <select id="owner_uid" name="owner_uid" autoFocus {...fieldProps(errs, "owner_uid")}>
              {people.map((m) => (
                <option key={m.uid} value={m.uid}>
                  {m.display_name || m.email} · {t(`role.${m.role}`)}
                </option>
              ))}
            </select>
            <FieldMessage errors={errs} name="owner_uid" />
          </div>
          <FormMessage errors={errs} />
        </>
      )}
    </ManageForm>
  );
}

/**
 * ManageSession is the buttons on a session's page and the panel each
 * opens, shown to whom the API lets use them: a new time to the session's
 * facilitators; cancelling and handing over also to the organisation's admins.
 */
export function ManageSession({ s, facilitates, manages }: { s: Session; facilitates: boolean; manages: boolean }) {
  const { t, i18n } = useTranslation();
  const changed = useSessionChanged(s.id!);
  const [mode, setMode] = useState<Mode>();
  const [done, setDone] = useState<string>();
  const opener = useRef<HTMLButtonElement | null>(null);
  const open = s.status === "scheduled" || s.status === "live";
  function toggle(m: Mode, el: HTMLButtonElement) {
    setDone(undefined);
    opener.current = el;
    setMode((cur) => (cur === m ? undefined : m));
  }
  function close() {
    setMode(undefined);
    opener.current?.focus();
  }
  // The message is kept as a key, so it follows a change of language (a
  // cancellation has none: the page's cancelled note says it). The note
  // "scheduled" from the schedule form is no longer news after a change.
  const navigate = useNavigate();
  function finished(key: string | undefined) {
    return (next: Session) => {
      changed(next);
      setMode(undefined);
      setDone(key);
      navigate(".", { replace: true, state: null });
    };
  }
  return (
    <>
      {open && manages && (
        <div className="actions manage-actions" role="group" aria-label={t("sessions.manage.label")}>
          {s.status === "scheduled" && facilitates && (
            <button type="button" className="button secondary" aria-expanded={mode === "reschedule"} onClick={(e) => toggle("reschedule", e.currentTarget)}>
              {t("sessions.manage.reschedule.open")}
            </button>
          )}
          <button type="button" className="button secondary" aria-expanded={mode === "owner"} onClick={(e) => toggle("owner", e.currentTarget)}>
            {t("sessions.manage.owner.open")}
          </button>
          <button type="button" className="button danger" aria-expanded={mode === "cancel"} onClick={(e) => toggle("cancel", e.currentTarget)}>
            {t("sessions.manage.cancel.open")}
          </button>
        </div>
      )}
      <p className="status" role="status">
        {done &&
          t(done, { when: isolate(formatWhen(s.start_at, s.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone, i18n.language)) })}
      </p>
      {mode === "reschedule" && s.status === "scheduled" && facilitates && (
        <Reschedule s={s} onClose={close} onDone={finished("sessions.manage.reschedule.done")} />
      )}
      {mode === "cancel" && open && manages && <Cancel s={s} onClose={close} onDone={finished(undefined)} />}
      {mode === "owner" && open && manages && <Owner s={s} onClose={close} onDone={finished("sessions.manage.owner.done")} />}
    </>
  );
}
