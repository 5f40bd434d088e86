// The canvas screen's dialogs and side panels: sharing, versions, the
// trash, export and the library card picker.
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, data } from "../api/client";
import { contentLang } from "../library/items";
import {
  exportCanvas,
  listTrash,
  listVersions,
  patchCanvas,
  problemKey,
  restoreElement,
  restoreVersion,
  setShare,
  snapshot,
  type Canvas,
  type ExportFormat,
  type Share,
  type ShareEntry,
} from "./api";
import { intlLocale } from "../sessions/format";
import { saveFile } from "../api/files";

export function Problem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return (
    <p className="error" role="alert">
      {t(problemKey(error))}
    </p>
  );
}

// Dialog is a modal <dialog>: the browser keeps focus inside and Esc closes it.
export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} className={wide ? "cv-dialog wide" : "cv-dialog"} aria-labelledby="cv-dialog-title" onClose={onClose} onCancel={onClose}>
      <div className="cv-dialog-head">
        <h2 id="cv-dialog-title">{title}</h2>
        <button type="button" className="button secondary small" onClick={onClose}>
          {t("canvas.close")}
        </button>
      </div>
      {children}
    </dialog>
  );
}

function when(iso: string | undefined, lang: string) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "medium", timeStyle: "short" }).format(d);
}

export function ShareDialog({ canvas, onClose }: { canvas: Canvas; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const participants = useQuery({
    queryKey: ["sessions", canvas.session_id ?? "", "participants"],
    queryFn: () =>
      data(api.GET("/sessions/v1/sessions/{sessionId}/participants", { params: { path: { sessionId: canvas.session_id! } } })),
    enabled: !!canvas.session_id,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: ["canvas"] });
  const patch = useMutation({
    mutationFn: (body: Pick<Canvas, "visibility" | "session_role">) => patchCanvas(canvas.id, body),
    onSuccess: refresh,
  });
  const share = useMutation({
    mutationFn: ({ uid, s }: { uid: string; s: Share | undefined }) => setShare(canvas.id, uid, s),
    onSuccess: refresh,
  });
  const people = (participants.data?.participants ?? []).filter((p) => p.uid && p.uid !== canvas.owner && p.state !== "removed");
  const shares = canvas.shares ?? {};
  return (
    <Dialog title={t("canvas.share.title")} onClose={onClose} wide>
      <fieldset className="cv-fieldset">
        <legend>{t("canvas.share.visibility")}</legend>
        {(["private", "shared"] as const).map((v) => (
          <label key={v} className="cv-radio">
            <input
              type="radio"
              name="visibility"
              value={v}
              checked={canvas.visibility === v}
              disabled={patch.isPending}
              onChange={() => patch.mutate({ visibility: v })}
            />
            <span>
              <strong>{t(`canvas.visibility.${v}`)}</strong>
              <span className="hint">{t(`canvas.share.${v}Hint`)}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {canvas.session_id && (
        <label className="field">
          <span>{t("canvas.share.sessionRole")}</span>
          <select
            value={canvas.session_role ?? ""}
            disabled={patch.isPending || canvas.visibility !== "shared"}
            onChange={(e) => patch.mutate({ session_role: e.target.value as Canvas["session_role"] })}
          >
            <option value="">{t("canvas.role.none")}</option>
            <option value="viewer">{t("canvas.role.viewer")}</option>
            <option value="editor">{t("canvas.role.editor")}</option>
          </select>
        </label>
      )}
      {patch.isError && <Problem error={patch.error} />}
      <h3>{t("canvas.share.people")}</h3>
      {!canvas.session_id ? (
        <p className="hint">{t("canvas.share.noSession")}</p>
      ) : participants.isPending ? (
        <p role="status">{t("app.loading")}</p>
      ) : people.length === 0 ? (
        <p className="empty">{t("canvas.share.nobody")}</p>
      ) : (
        <ul className="cv-people" aria-label={t("canvas.share.people")}>
          {people.map((p) => (
            <ShareRow
              key={p.uid}
              name={p.display_name || p.email || t("canvas.someone")}
              current={shares[p.uid!]}
              disabled={share.isPending || canvas.visibility !== "shared"}
              lang={i18n.language}
              onChange={(s) => share.mutate({ uid: p.uid!, s })}
            />
          ))}
        </ul>
      )}
      {canvas.visibility !== "shared" && <p className="hint">{t("canvas.share.privateNote")}</p>}
      {share.isError && <Problem error={share.error} />}
    </Dialog>
  );
}

function ShareRow({ name, current, disabled, onChange, lang }: { name: string; current?: ShareEntry; disabled: boolean; onChange: (s: Share | undefined) => void; lang: string }) {
  const { t } = useTranslation();
  const [until, setUntil] = useState(current?.expires_at ? current.expires_at.slice(0, 10) : "");
  const role = current?.role ?? "";
  const set = (r: string, u: string) => onChange(r ? { role: r as Share["role"], ...(u ? { expires_at: new Date(`${u}T23:59:59`).toISOString() } : {}) } : undefined);
  return (
    <li className="cv-share-row">
      <span className="cv-share-name">{name}</span>
      <label>
        <span className="visually-hidden">{t("canvas.share.roleOf", { name })}</span>
        <select value={role} disabled={disabled} onChange={(e) => set(e.target.value, until)}>
          <option value="">{t("canvas.role.none")}</option>
          <option value="viewer">{t("canvas.role.viewer")}</option>
          <option value="editor">{t("canvas.role.editor")}</option>
        </select>
      </label>
      <label className="cv-until">
        <span>{t("canvas.share.until")}</span>
        <input
          type="date"
          value={until}
          disabled={disabled || !role}
          onChange={(e) => {
            setUntil(e.target.value);
            set(role, e.target.value);
          }}
        />
      </label>
      {current?.expires_at && <span className="hint">{t("canvas.share.expires", { date: when(current.expires_at, lang) })}</span>}
    </li>
  );
}

export function VersionsPanel({ id, editable, onClose }: { id: string; editable: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const versions = useQuery({ queryKey: ["canvas", "versions", id], queryFn: () => listVersions(id) });
  const refresh = () => qc.invalidateQueries({ queryKey: ["canvas", "versions", id] });
  // Only the latest outcome is shown: a restore clears "saved" and back.
  const [last, setLast] = useState<"snap" | "restore">();
  const snap = useMutation({ mutationFn: () => snapshot(id), onMutate: () => setLast("snap"), onSuccess: refresh });
  const restore = useMutation({ mutationFn: (v: string) => restoreVersion(id, v), onMutate: () => setLast("restore"), onSuccess: refresh });
  return (
    <Panel title={t("canvas.versions.title")} onClose={onClose}>
      {editable && (
        <button type="button" className="button" disabled={snap.isPending} onClick={() => snap.mutate()}>
          {t("canvas.versions.snapshot")}
        </button>
      )}
      {last === "snap" && snap.isSuccess && <p role="status">{t("canvas.versions.saved")}</p>}
      {last === "snap" && snap.isError && <Problem error={snap.error} />}
      {versions.isPending ? (
        <p role="status">{t("app.loading")}</p>
      ) : versions.isError ? (
        <Problem error={versions.error} />
      ) : versions.data.length === 0 ? (
        <p className="empty">{t("canvas.versions.empty")}</p>
      ) : (
        <ol className="cv-list" aria-label={t("canvas.versions.title")}>
          {versions.data.map((v) => (
            <li key={v.id}>
              <span>
                <time dateTime={v.at}>{when(v.at, i18n.language)}</time>
                <span className="hint">
                  {t(`canvas.versions.reason.${v.reason ?? "manual"}`)} · {t("canvas.versions.elements", { count: v.elements ?? 0 })}
                </span>
              </span>
              {editable && (
                <button type="button" className="button secondary small" disabled={restore.isPending} onClick={() => restore.mutate(v.id)}>
                  {t("canvas.versions.restore")}
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {last === "restore" && restore.isSuccess && <p role="status">{t("canvas.versions.restored")}</p>}
      {last === "restore" && restore.isError && <Problem error={restore.error} />}
    </Panel>
  );
}

export function TrashPanel({ id, editable, onClose }: { id: string; editable: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const trash = useQuery({ queryKey: ["canvas", "trash", id], queryFn: () => listTrash(id) });
  const restore = useMutation({
    mutationFn: (e: string) => restoreElement(id, e),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["canvas", "trash", id] }),
  });
  return (
    <Panel title={t("canvas.trash.title")} onClose={onClose}>
      <p className="hint">{t("canvas.trash.lead")}</p>
      {trash.isPending ? (
        <p role="status">{t("app.loading")}</p>
      ) : trash.isError ? (
        <Problem error={trash.error} />
      ) : trash.data.length === 0 ? (
        <p className="empty">{t("canvas.trash.empty")}</p>
      ) : (
        <ul className="cv-list" aria-label={t("canvas.trash.title")}>
          {trash.data.map((e) => (
            <li key={e.id}>
              <span>
                {t(`canvas.kind.${e.kind}`, { defaultValue: e.kind })}
                {typeof e.props?.text === "string" && e.props.text ? `: ${e.props.text.slice(0, 40)}` : ""}
                <span className="hint">{when(e.deleted_at, i18n.language)}</span>
              </span>
              {editable && (
                <button type="button" className="button secondary small" disabled={restore.isPending} onClick={() => restore.mutate(e.id)}>
                  {t("canvas.trash.restore")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {restore.isError && <Problem error={restore.error} />}
    </Panel>
  );
}

function Panel({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <aside className="cv-panel" aria-labelledby="cv-panel-title">
      <div className="cv-dialog-head">
        <h2 id="cv-panel-title">{title}</h2>
        <button type="button" className="button secondary small" onClick={onClose}>
          {t("canvas.close")}
        </button>
      </div>
      {children}
    </aside>
  );
}

// download saves an export under a readable name: fetched as a file when
// the storage allows it, else opened at its signed address.
async function download(url: string, name: string) {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(String(res.status));
    saveFile(await res.blob(), name);
  } catch {
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.rel = "noopener";
    document.body.append(a);
    a.click();
    a.remove();
  }
}

export function ExportMenu({ canvas }: { canvas: Canvas }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const exp = useMutation({
    mutationFn: async (format: ExportFormat) => {
      const r = await exportCanvas(canvas.id, format);
      const name = `${(canvas.title || "canvas").replace(/[\\/:*?"<>|]+/g, " ").trim() || "canvas"}.${format}`;
      await download(r.url, name);
      return format;
    },
    onSuccess: () => setOpen(false),
  });
  return (
    <div className="cv-menu">
      <button type="button" className="button secondary small" aria-expanded={open} aria-controls="cv-export-menu" onClick={() => setOpen(!open)}>
        {t("canvas.export.button")}
      </button>
      {open && (
        <ul id="cv-export-menu" className="cv-menu-list" aria-label={t("canvas.export.button")}>
          {(["png", "pdf", "json"] as const).map((f) => (
            <li key={f}>
              <button type="button" className="button secondary small" disabled={exp.isPending} onClick={() => exp.mutate(f)}>
                {t(`canvas.export.${f}`)}
              </button>
            </li>
          ))}
        </ul>
      )}
      {exp.isPending && <span role="status" className="hint">{t("canvas.export.working")}</span>}
      {exp.isError && <Problem error={exp.error} />}
    </div>
  );
}

export function CardPicker({ onPick, onClose }: { onPick: (id: string) => void; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const [q, setQ] = useState("");
  const [type, setType] = useState<"photo_card" | "word_card" | "question_card">("photo_card");
  const lang = contentLang(i18n.language);
  const list = useQuery({
    queryKey: ["content", "picker", type, q, lang],
    queryFn: () => data(api.GET("/content/v1/items", { params: { query: { type, limit: 24, text_lang: lang, ...(q ? { q } : {}) } } })),
  });
  const items = (list.data?.items ?? []).filter((i) => !i.locked);
  return (
    <Dialog title={t("canvas.picker.title")} onClose={onClose} wide>
      <div className="cv-picker-filters">
        <label className="field">
          <span>{t("canvas.picker.type")}</span>
          <select value={type} onChange={(e) => setType(e.target.value as typeof type)}>
            <option value="photo_card">{t("canvas.picker.photo")}</option>
            <option value="word_card">{t("canvas.picker.word")}</option>
            <option value="question_card">{t("canvas.picker.question")}</option>
          </select>
        </label>
        <label className="field">
          <span>{t("canvas.picker.search")}</span>
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
      </div>
      {list.isPending ? (
        <p role="status">{t("app.loading")}</p>
      ) : list.isError ? (
        <Problem error={list.error} />
      ) : items.length === 0 ? (
        <p className="empty">{t("canvas.picker.empty")}</p>
      ) : (
        <ul className="cv-cards" aria-label={t("canvas.picker.title")}>
          {items.map((it) => {
            const img = it.images?.find((i) => i.url);
            return (
              <li key={it.id}>
                <button type="button" className="cv-card-pick" onClick={() => onPick(it.id)}>
                  {img?.url ? <img src={img.url} alt="" loading="lazy" width="120" height="90" /> : <span className="cv-card-blank" aria-hidden="true" />}
                  <span>{it.title || img?.alt || it.id}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </Dialog>
  );
}

// uploadImage sends an image through the media API and waits until it is
// ready; it returns the media id.
export async function uploadImage(file: File): Promise<string> {
  const up = await data(
    api.POST("/media/v1/uploads", {
      body: { content_type: file.type as "image/png", size: file.size, filename: file.name },
    }),
  );
  if (!up.upload_url || !up.id) throw new Error("upload");
  const put = await fetch(up.upload_url, { method: up.method ?? "PUT", headers: up.headers ?? { "Content-Type": file.type }, body: file });
  if (!put.ok) throw new TypeError("upload failed");
  for (let i = 0; i < 30; i++) {
    const m = await data(api.GET("/media/v1/media/{mediaId}", { params: { path: { mediaId: up.id } } }));
    if (m.status === "ready") return up.id;
    if (m.status === "rejected") throw new Error("rejected");
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("timeout");
}
