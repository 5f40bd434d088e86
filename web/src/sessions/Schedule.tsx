// Schedule a session from a published journey, at a wall time in a chosen
// time zone (the server reads it there, refusing times a DST change skips).
import { useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, data } from "../api/client";
import { FieldMessage, FormMessage, Loading, Submit } from "../components";
import { fieldProps, type FormErrors } from "../forms";
import { areaErrors, isStaff, ProblemNote, useMe, useTimeZone } from "./lib";

const shown = ["journey_id", "title", "start_at", "time_zone", "duration_minutes", "capacity", "url"] as const;

// A week from today at 18:30, as a datetime-local value.
function nextWeek(): string {
  const d = new Date(Date.now() + 7 * 24 * 3600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T18:30`;
}

export function ScheduleSession() {
  const { t } = useTranslation();
  const me = useMe();
  const zone = useTimeZone();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const wanted = params.get("journey") ?? "";
  const [errors, setErrors] = useState<FormErrors>();
  const zones = useMemo(() => {
    const all = Intl.supportedValuesOf?.("timeZone") ?? [];
    return all.includes(zone) ? all : [zone, ...all];
  }, [zone]);
  const journeys = useQuery({
    queryKey: ["journeys", "list", "published"],
    queryFn: () => data(api.GET("/journeys/v1/journeys")),
    enabled: isStaff(me.data?.role),
  });
  const schedule = useMutation({
    mutationFn: (body: {
      journey_id: string;
      title?: string;
      start_at: string;
      time_zone: string;
      duration_minutes?: number;
      capacity: number;
      meeting?: { provider: "zoom" | "meet" | "teams" | "other"; url: string };
    }) => data(api.POST("/sessions/v1/sessions", { body })),
    onSuccess: async (s) => {
      await queryClient.invalidateQueries({ queryKey: ["sessions"] });
      navigate(`/sessions/${s.id}`, { state: { scheduled: true } });
    },
    onError: (err) => setErrors(areaErrors(err, [...shown, "meeting.url"])),
  });

  if (me.isPending) return <Loading />;
  if (!isStaff(me.data?.role))
    return (
      <section className="card" role="alert">
        <p className="error">{t("problem.forbidden")}</p>
      </section>
    );

  const published = (journeys.data?.journeys ?? []).filter((j) => (j.latest_version ?? 0) > 0);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => {
      const v = String(f.get(k) ?? "").trim();
      return v ? Number(v) : undefined;
    };
    const url = String(f.get("url") ?? "").trim();
    const title = String(f.get("title") ?? "").trim();
    setErrors(undefined);
    schedule.mutate({
      journey_id: String(f.get("journey_id") ?? ""),
      title: title || undefined,
      start_at: String(f.get("start_at") ?? ""),
      time_zone: String(f.get("time_zone") ?? ""),
      duration_minutes: num("duration_minutes"),
      capacity: num("capacity") ?? 50,
      meeting: url ? { provider: /zoom\.us/.test(url) ? "zoom" : /meet\.google/.test(url) ? "meet" : /teams\./.test(url) ? "teams" : "other", url } : undefined,
    });
  }

  const errs = errors && { ...errors, fields: { ...errors.fields, ...(errors.fields["meeting.url"] ? { url: "sessions.fieldErrors.url" } : {}) } };

  return (
    <section className="card" aria-labelledby="schedule-title">
      <h1 id="schedule-title">{t("sessions.schedule.title")}</h1>
      <p className="lead">{t("sessions.schedule.lead")}</p>
      {journeys.isPending && <Loading />}
      {journeys.isError && <ProblemNote error={journeys.error} onRetry={() => void journeys.refetch()} />}
      {journeys.isSuccess && published.length === 0 && (
        <div className="empty">
          <p>{t("sessions.schedule.noJourneys")}</p>
          <Link className="button" to="/journeys">
            {t("nav.journeys")}
          </Link>
        </div>
      )}
      {journeys.isSuccess && published.length > 0 && (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="journey_id">{t("sessions.schedule.journey")}</label>
            <select
              id="journey_id"
              name="journey_id"
              defaultValue={published.some((j) => j.id === wanted) ? wanted : published[0].id}
              {...fieldProps(errs, "journey_id")}
            >
              {published.map((j) => (
                <option key={j.id} value={j.id}>
                  {j.name}
                </option>
              ))}
            </select>
            <FieldMessage errors={errs} name="journey_id" />
          </div>
          <div className="field">
            <label htmlFor="title">{t("sessions.schedule.sessionTitle")}</label>
            <input id="title" name="title" maxLength={200} {...fieldProps(errs, "title", "title-hint")} />
            <p className="hint" id="title-hint">
              {t("sessions.schedule.titleHint")}
            </p>
            <FieldMessage errors={errs} name="title" />
          </div>
          <div className="field-row">
            <div className="field">
              <label htmlFor="start_at">{t("sessions.schedule.start")}</label>
              <input id="start_at" name="start_at" type="datetime-local" required defaultValue={nextWeek()} {...fieldProps(errs, "start_at")} />
              <FieldMessage errors={errs} name="start_at" />
            </div>
            <div className="field">
              <label htmlFor="time_zone">{t("sessions.schedule.timeZone")}</label>
              <select id="time_zone" name="time_zone" defaultValue={zone} dir="ltr" {...fieldProps(errs, "time_zone")}>
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z.replaceAll("_", " ")}
                  </option>
                ))}
              </select>
              <FieldMessage errors={errs} name="time_zone" />
            </div>
          </div>
          <div className="field-row">
            <div className="field">
              <label htmlFor="duration_minutes">{t("sessions.schedule.duration")}</label>
              <input id="duration_minutes" name="duration_minutes" type="number" min={15} max={720} inputMode="numeric" placeholder="90" {...fieldProps(errs, "duration_minutes")} />
              <FieldMessage errors={errs} name="duration_minutes" />
            </div>
            <div className="field">
              <label htmlFor="capacity">{t("sessions.schedule.capacity")}</label>
              <input id="capacity" name="capacity" type="number" min={1} max={500} inputMode="numeric" defaultValue={12} {...fieldProps(errs, "capacity")} />
              <FieldMessage errors={errs} name="capacity" />
            </div>
          </div>
          <div className="field">
            <label htmlFor="url">{t("sessions.schedule.meeting")}</label>
            <input id="url" name="url" type="url" dir="ltr" inputMode="url" placeholder="https://" {...fieldProps(errs, "url", "url-hint")} />
            <p className="hint" id="url-hint">
              {t("sessions.schedule.meetingHint")}
            </p>
            <FieldMessage errors={errs} name="url" />
          </div>
          <FormMessage errors={errs} />
          <Submit pending={schedule.isPending}>{t("sessions.schedule.submit")}</Submit>
        </form>
      )}
    </section>
  );
}
