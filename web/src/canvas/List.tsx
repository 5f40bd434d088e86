// /canvas: my canvases and those shared with me, or (?session=) a live
// session's canvases; a new canvas, blank or from a library template.
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, data } from "../api/client";
import { contentLang } from "../library/items";
import { useUser } from "../session";
import { intlLocale } from "../sessions/format";
import { createCanvas, useCanvases, type Canvas } from "./api";
import { Problem } from "./panels";
import { formErrors } from "../forms";

function CanvasList({ items, label }: { items: Canvas[]; label: string }) {
  const { t, i18n } = useTranslation();
  const fmt = new Intl.DateTimeFormat(intlLocale(i18n.language), { dateStyle: "medium", timeStyle: "short" });
  return (
    <ul className="cv-grid" aria-label={label}>
      {items.map((c) => (
        <li key={c.id} className="cv-item">
          <Link to={`/canvas/${encodeURIComponent(c.id)}`} className="cv-item-link">
            <span className="cv-item-title">{c.title || t("canvas.untitled")}</span>
          </Link>
          <span className="cv-item-meta">
            <span className={`badge ${c.visibility === "private" ? "" : "badge-live"}`}>{t(`canvas.visibility.${c.visibility}`)}</span>
            {c.role && <span className="badge">{t(`canvas.role.${c.role}`)}</span>}
            {c.updated_at && (
              <time dateTime={c.updated_at} className="hint">
                {fmt.format(new Date(c.updated_at))}
              </time>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}

function NewCanvas({ sessionId }: { sessionId?: string }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [title, setTitle] = useState("");
  const [template, setTemplate] = useState("");
  const [visibility, setVisibility] = useState<"private" | "shared">(sessionId ? "shared" : "private");
  const [sessionRole, setSessionRole] = useState<"" | "viewer" | "editor">(sessionId ? "editor" : "");
  const lang = contentLang(i18n.language);
  const templates = useQuery({
    queryKey: ["content", "canvas-templates", lang],
    queryFn: () => data(api.GET("/content/v1/items", { params: { query: { type: "canvas_template", limit: 50, text_lang: lang } } })),
  });
  const create = useMutation({
    mutationFn: () =>
      createCanvas({
        title: title.trim(),
        visibility,
        locale: lang,
        ...(template ? { template_id: template } : {}),
        ...(sessionId ? { session_id: sessionId, ...(sessionRole ? { session_role: sessionRole } : {}) } : {}),
      }),
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: ["canvas", "list"] });
      navigate(`/canvas/${encodeURIComponent(c.id)}`);
    },
  });
  const errs = create.isError ? formErrors(create.error, ["title", "template_id", "visibility", "session_role"]) : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const usable = (templates.data?.items ?? []).filter((i) => !i.locked);
  return (
    <form className="cv-new card" onSubmit={submit} aria-labelledby="cv-new-title" noValidate>
      <h2 id="cv-new-title">{t("canvas.new.title")}</h2>
      <label className="field">
        <span>{t("canvas.new.name")}</span>
        <input
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          required
          maxLength={200}
          aria-invalid={errs?.fields.title ? true : undefined}
          aria-describedby={errs?.fields.title ? "cv-title-error" : undefined}
        />
        {errs?.fields.title && (
          <span id="cv-title-error" className="error">
            {t("canvas.new.titleError")}
          </span>
        )}
      </label>
      <label className="field">
        <span>{t("canvas.new.from")}</span>
        <select value={template} onChange={(e) => setTemplate(e.target.value)}>
          <option value="">{t("canvas.new.blank")}</option>
          {usable.map((it) => (
            <option key={it.id} value={it.id}>
              {it.title || it.id}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t("canvas.share.visibility")}</span>
        <select value={visibility} onChange={(e) => setVisibility(e.target.value as typeof visibility)}>
          <option value="private">{t("canvas.visibility.private")}</option>
          <option value="shared">{t("canvas.visibility.shared")}</option>
        </select>
      </label>
      {sessionId && (
        <label className="field">
          <span>{t("canvas.share.sessionRole")}</span>
          <select value={sessionRole} onChange={(e) => setSessionRole(e.target.value as typeof sessionRole)}>
            <option value="">{t("canvas.role.none")}</option>
            <option value="viewer">{t("canvas.role.viewer")}</option>
            <option value="editor">{t("canvas.role.editor")}</option>
          </select>
        </label>
      )}
      {create.isError && !errs?.fields.title && <Problem error={create.error} />}
      <button type="submit" className="button" disabled={create.isPending || !title.trim()}>
        {t("canvas.new.create")}
      </button>
    </form>
  );
}

export function CanvasListPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const sessionId = params.get("session") ?? undefined;
  const user = useUser();
  const list = useCanvases(sessionId);
  const mine = (list.data ?? []).filter((c) => c.owner === user?.uid);
  const others = (list.data ?? []).filter((c) => c.owner !== user?.uid);
  return (
    <div className="cv-list-page">
      <header className="cv-list-head">
        <h1>{sessionId ? t("canvas.list.sessionTitle") : t("canvas.list.title")}</h1>
        <p className="lead">{sessionId ? t("canvas.list.sessionLead") : t("canvas.list.lead")}</p>
        {sessionId && (
          <p>
            <Link to={`/sessions/${encodeURIComponent(sessionId)}`}>{t("canvas.list.backToSession")}</Link> ·{" "}
            <Link to="/canvas">{t("canvas.list.all")}</Link>
          </p>
        )}
      </header>
      <div className="cv-list-cols">
        <div className="cv-list-main">
          {list.isPending ? (
            <p role="status">{t("app.loading")}</p>
          ) : list.isError ? (
            <Problem error={list.error} />
          ) : (
            <>
              <section aria-labelledby="cv-mine">
                <h2 id="cv-mine">{t("canvas.list.mine")}</h2>
                {mine.length ? <CanvasList items={mine} label={t("canvas.list.mine")} /> : <p className="empty">{t("canvas.list.mineEmpty")}</p>}
              </section>
              <section aria-labelledby="cv-others">
                <h2 id="cv-others">{sessionId ? t("canvas.list.sessionOthers") : t("canvas.list.shared")}</h2>
                {others.length ? (
                  <CanvasList items={others} label={sessionId ? t("canvas.list.sessionOthers") : t("canvas.list.shared")} />
                ) : (
                  <p className="empty">{t("canvas.list.sharedEmpty")}</p>
                )}
              </section>
            </>
          )}
        </div>
        <NewCanvas sessionId={sessionId} />
      </div>
    </div>
  );
}
