// The journeys list (create, start from a template), the versions of a
// journey, and its files (export, PDF agenda, import).
import { useState, type ChangeEvent, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { ApiError, problemMessageKey } from "../api/problem";
import { Loading, Submit } from "../components";
import { isolate } from "../i18n";
import { contentLang } from "../library/items";
import { download } from "./api";
import { errorProps, FieldError } from "./fields";
import { fieldId, journeyErrors, normalize, phaseNames, timeframes, type Journey, type JourneyErrors } from "./model";

function problemKey(err: unknown) {
  return problemMessageKey(err instanceof ApiError ? err.problem : err);
}

function ErrorText({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return (
    <p className="error" role="alert">
      {t(problemKey(error))}
    </p>
  );
}

function useDate() {
  const { i18n } = useTranslation();
  return new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
}

function CreateJourney() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [errors, setErrors] = useState<JourneyErrors>();
  const create = useMutation({
    mutationFn: (journey: Journey) => data(api.POST("/journeys/v1/journeys", { body: { journey } })),
    onSuccess: (d) => navigate(`/journeys/${encodeURIComponent(d.id ?? "")}`),
    onError: (err) => setErrors(journeyErrors(err)),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setErrors(undefined);
    create.mutate(
      normalize({
        name: String(f.get("name") ?? "").trim(),
        session_minutes: Number(f.get("session_minutes")) || undefined,
        timeframe: String(f.get("timeframe") ?? "single") as Journey["timeframe"],
        locale: contentLang(i18n.language),
      }),
    );
  }
  return (
    <section className="jl-create" aria-labelledby="jl-create-title">
      <h2 id="jl-create-title">{t("journeys.list.create")}</h2>
      <form onSubmit={submit} noValidate className="jl-create-form">
        <div className="field">
          <label htmlFor={fieldId("name")}>{t("journeys.fields.name")}</label>
          <input name="name" required maxLength={120} dir="auto" {...errorProps(errors, "name")} />
          <FieldError errors={errors} path="name" />
        </div>
        <div className="field">
          <label htmlFor={fieldId("session_minutes")}>{t("journeys.fields.sessionMinutes")}</label>
          <input name="session_minutes" type="number" inputMode="numeric" min={15} max={1440} defaultValue={60} {...errorProps(errors, "session_minutes")} />
          <FieldError errors={errors} path="session_minutes" />
        </div>
        <div className="field">
          <label htmlFor="jl-timeframe">{t("journeys.fields.timeframe")}</label>
          <select id="jl-timeframe" name="timeframe" defaultValue="single">
            {timeframes.map((tf) => (
              <option key={tf} value={tf}>
                {t(`journeys.timeframes.${tf}`)}
              </option>
            ))}
          </select>
        </div>
        {errors?.form && (
          <p className="error" role="alert">
            {t(errors.form.key)}
          </p>
        )}
        <Submit pending={create.isPending}>{t("journeys.list.createSubmit")}</Submit>
      </form>
    </section>
  );
}

function Templates() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const templates = useQuery({ queryKey: ["journeys", "templates"], queryFn: () => data(api.GET("/journeys/v1/templates")) });
  const use = useMutation({
    mutationFn: (from_template: string) => data(api.POST("/journeys/v1/journeys", { body: { from_template } })),
    onSuccess: (d) => navigate(`/journeys/${encodeURIComponent(d.id ?? "")}`),
  });
  const list = templates.data?.templates ?? [];
  return (
    <section className="jl-templates" aria-labelledby="jl-templates-title">
      <h2 id="jl-templates-title">{t("journeys.list.templates")}</h2>
      {templates.isPending ? (
        <p className="hint">{t("app.loading")}</p>
      ) : templates.isError ? (
        <ErrorText error={templates.error} />
      ) : list.length === 0 ? (
        <p className="hint">{t("journeys.list.noTemplates")}</p>
      ) : (
        <ul className="jl-rows">
          {list.map((tp) => (
            <li key={tp.id}>
              <span className="jl-name" dir="auto">
                {tp.name}
              </span>
              <span className="hint">{t("journeys.minutes", { n: tp.total_minutes ?? 0 })}</span>
              <button
                type="button"
                className="button secondary jb-small"
                onClick={() => use.mutate(tp.id ?? "")}
                disabled={use.isPending}
                aria-label={t("journeys.list.useTemplateNamed", { name: isolate(tp.name ?? "") })}
              >
                {t("journeys.list.useTemplate")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {use.isError && <ErrorText error={use.error} />}
    </section>
  );
}

export function JourneyList() {
  const { t } = useTranslation();
  const date = useDate();
  const list = useInfiniteQuery({
    queryKey: ["journeys", "list"],
    queryFn: ({ pageParam }) => data(api.GET("/journeys/v1/journeys", { params: { query: pageParam ? { page_token: pageParam } : {} } })),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  const journeys = list.data?.pages.flatMap((p) => p.journeys ?? []) ?? [];
  return (
    <div className="jl">
      <header className="jl-head">
        <h1>{t("journeys.list.title")}</h1>
        <p className="lead">{t("journeys.list.lead")}</p>
        <p className="actions">
          <Link className="button secondary" to="/journeys/import">
            {t("journeys.list.import")}
          </Link>
        </p>
      </header>
      <div className="jl-layout">
        <section className="jl-journeys" aria-labelledby="jl-journeys-title">
          <h2 id="jl-journeys-title">{t("journeys.list.yours")}</h2>
          {list.isPending ? (
            <Loading />
          ) : list.isError ? (
            <ErrorText error={list.error} />
          ) : journeys.length === 0 ? (
            <p className="hint">{t("journeys.list.empty")}</p>
          ) : (
            <ul className="jl-cards">
              {journeys.map((j) => (
                <li key={j.id} className="jl-card">
                  <h3 dir="auto">
                    <Link to={`/journeys/${encodeURIComponent(j.id ?? "")}`}>{j.name || t("journeys.untitled")}</Link>
                  </h3>
                  <p className="jl-badges">
                    <span className={`jl-status jl-status-${j.status}`}>
                      {j.status === "published" ? t("journeys.status.publishedV", { version: j.latest_version ?? 1 }) : t(`journeys.status.${j.status ?? "draft"}`)}
                    </span>
                    <span>{t("journeys.minutes", { n: j.total_minutes ?? 0 })}</span>
                    {j.timeframe && <span>{t(`journeys.timeframes.${j.timeframe}`, { defaultValue: j.timeframe })}</span>}
                  </p>
                  {j.updated_at && <p className="hint">{t("journeys.list.updated", { date: date.format(new Date(j.updated_at)) })}</p>}
                </li>
              ))}
            </ul>
          )}
          {list.hasNextPage && (
            <button type="button" className="button secondary" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              {t("journeys.list.more")}
            </button>
          )}
        </section>
        <aside className="jl-side">
          <CreateJourney />
          <Templates />
        </aside>
      </div>
    </div>
  );
}

function PhasesView({ journey }: { journey: Journey }) {
  const { t } = useTranslation();
  return (
    <ol className="jv-phases">
      {phaseNames.map((name) => {
        const p = journey.phases?.find((x) => x.phase === name);
        return (
          <li key={name} className={p?.skipped ? "jv-phase skipped" : "jv-phase"}>
            <h3>
              {t(`journeys.phases.${name}`)}
              <span className="hint">{p?.skipped ? t("journeys.versions.skipped") : t("journeys.minutes", { n: p?.duration_minutes ?? 0 })}</span>
            </h3>
            {(p?.elements?.length ?? 0) > 0 && (
              <ul>
                {p!.elements!.map((e) => (
                  <li key={e.id}>
                    <span dir="auto">{e.title}</span>
                    <span className="hint">{t("journeys.minutes", { n: e.duration_minutes ?? 0 })}</span>
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}

export function Versions() {
  const { t } = useTranslation();
  const { journeyId = "" } = useParams();
  const date = useDate();
  const [shown, setShown] = useState<number>();
  const [problem, setProblem] = useState<unknown>();
  const params = { path: { journeyId } };
  const draft = useQuery({ queryKey: ["journeys", "draft-name", journeyId], queryFn: () => data(api.GET("/journeys/v1/journeys/{journeyId}", { params })) });
  const versions = useQuery({
    queryKey: ["journeys", "versions", journeyId],
    queryFn: () => data(api.GET("/journeys/v1/journeys/{journeyId}/versions", { params })),
  });
  const list = versions.data?.versions ?? [];
  const current = shown ?? list[0]?.version;
  const version = useQuery({
    queryKey: ["journeys", "version", journeyId, current],
    queryFn: () => data(api.GET("/journeys/v1/journeys/{journeyId}/versions/{version}", { params: { path: { journeyId, version: current! } } })),
    enabled: current !== undefined,
  });
  return (
    <div className="jl">
      <p className="jb-crumbs">
        <Link to={`/journeys/${encodeURIComponent(journeyId)}`}>{t("journeys.backToBuilder")}</Link>
      </p>
      <h1 dir="auto">{t("journeys.versions.title", { name: isolate(draft.data?.journey?.name ?? "") })}</h1>
      {versions.isPending ? (
        <Loading />
      ) : versions.isError ? (
        <ErrorText error={versions.error} />
      ) : list.length === 0 ? (
        <p className="card">{t("journeys.versions.none")}</p>
      ) : (
        <div className="jl-layout">
          <section aria-labelledby="jv-list-title" className="jv-list">
            <h2 id="jv-list-title">{t("journeys.versions.published")}</h2>
            <ul className="jl-rows">
              {list.map((v) => (
                <li key={v.version} className={v.version === current ? "on" : undefined}>
                  <button type="button" className="jv-pick" aria-current={v.version === current || undefined} onClick={() => setShown(v.version)}>
                    {t("journeys.versions.version", { version: v.version })}
                  </button>
                  <span className="hint">
                    {v.published_at && date.format(new Date(v.published_at))} · {t("journeys.minutes", { n: v.total_minutes ?? 0 })}
                  </span>
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="jv-view-title" className="jv-view card">
            <h2 id="jv-view-title">
              {t("journeys.versions.version", { version: current ?? 0 })}
              {version.data?.journey?.name && (
                <>
                  {" · "}
                  <span dir="auto">{version.data.journey.name}</span>
                </>
              )}
            </h2>
            {version.isPending ? <Loading /> : version.isError ? <ErrorText error={version.error} /> : <PhasesView journey={version.data.journey ?? {}} />}
            <p className="actions">
              <button
                type="button"
                className="button secondary"
                onClick={() => void download(journeyId, "pdf", current).catch(setProblem)}
              >
                {t("journeys.versions.agenda")}
              </button>
              <button
                type="button"
                className="button secondary"
                onClick={() => void download(journeyId, "json", current).catch(setProblem)}
              >
                {t("journeys.versions.export")}
              </button>
            </p>
            {problem !== undefined && <ErrorText error={problem} />}
          </section>
        </div>
      )}
    </div>
  );
}

// ImportForm reads a journey file in the browser and creates a draft from it.
function ImportForm() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    setMessage(undefined);
    if (!file) return;
    if (file.size > 1 << 20) {
      setMessage("problem.too-large");
      return;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(await file.text());
    } catch {
      setMessage("journeys.files.notJson");
      return;
    }
    setBusy(true);
    try {
      const d = await data(api.POST("/journeys/v1/imports", { body: doc as never }));
      void queryClient.invalidateQueries({ queryKey: ["journeys", "list"] });
      navigate(`/journeys/${encodeURIComponent(d.id ?? "")}`);
    } catch (err) {
      const p = err instanceof ApiError ? (err.problem as { status?: number }) : undefined;
      setMessage(p?.status === 400 || p?.status === 422 ? "journeys.files.notJourney" : problemKey(err));
    } finally {
      setBusy(false);
      e.target.value = "";
    }
  }
  return (
    <section className="jf-section" aria-labelledby="jf-import-title">
      <h2 id="jf-import-title">{t("journeys.files.importTitle")}</h2>
      <p className="hint">{t("journeys.files.importLead")}</p>
      <div className="field">
        <label htmlFor="jf-file">{t("journeys.files.chooseFile")}</label>
        <input id="jf-file" type="file" accept="application/json,.json" onChange={(e) => void onFile(e)} disabled={busy} aria-describedby={message ? "jf-file-error" : undefined} />
      </div>
      <p className="status" role="status">
        {busy ? t("journeys.files.importing") : ""}
      </p>
      {message && (
        <p className="field-error" id="jf-file-error" role="alert">
          {t(message)}
        </p>
      )}
    </section>
  );
}

export function ImportPage() {
  const { t } = useTranslation();
  return (
    <div className="jl jf">
      <p className="jb-crumbs">
        <Link to="/journeys">{t("journeys.backToList")}</Link>
      </p>
      <h1>{t("journeys.files.importPage")}</h1>
      <div className="card jf-card">
        <ImportForm />
      </div>
    </div>
  );
}

// Files: take a journey out (JSON, PDF agenda) and bring one in.
export function Files() {
  const { t } = useTranslation();
  const { journeyId = "" } = useParams();
  const [problem, setProblem] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const draft = useQuery({
    queryKey: ["journeys", "draft-name", journeyId],
    queryFn: () => data(api.GET("/journeys/v1/journeys/{journeyId}", { params: { path: { journeyId } } })),
  });
  async function get(format: "json" | "pdf") {
    setProblem(undefined);
    setDone(undefined);
    try {
      await download(journeyId, format);
      setDone(format === "pdf" ? t("journeys.files.agendaDone") : t("journeys.files.exportDone"));
    } catch (err) {
      setProblem(err);
    }
  }
  return (
    <div className="jl jf">
      <p className="jb-crumbs">
        <Link to={`/journeys/${encodeURIComponent(journeyId)}`}>{t("journeys.backToBuilder")}</Link>
      </p>
      <h1 dir="auto">{t("journeys.files.title", { name: isolate(draft.data?.journey?.name ?? "") })}</h1>
      <div className="card jf-card">
        <section className="jf-section" aria-labelledby="jf-export-title">
          <h2 id="jf-export-title">{t("journeys.files.exportTitle")}</h2>
          <p className="hint">{t("journeys.files.exportLead")}</p>
          <p className="actions">
            <button type="button" className="button" onClick={() => void get("pdf")}>
              {t("journeys.files.agenda")}
            </button>
            <button type="button" className="button secondary" onClick={() => void get("json")}>
              {t("journeys.files.export")}
            </button>
          </p>
          <p className="status" role="status">
            {done ?? ""}
          </p>
          {problem !== undefined && <ErrorText error={problem} />}
        </section>
        <ImportForm />
      </div>
    </div>
  );
}
