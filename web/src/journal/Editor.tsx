// One entry, full size: title, Markdown body (write or preview), mood,
// tags, cards, who may read it, and prompts to start from. Everything is
// saved on this device as it is typed and synced when the network allows.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { useVersion } from "./client";
import { LimitNote, Markdown, StatusBadge, SyncLine } from "./components";
import { useDraft } from "./draft";
import { CardRefs, MoodField, TagsField, VisibilityField } from "./fields";
import type { Journal } from "./journal";
import { Prompts } from "./Prompts";
import { limits } from "./types";

export function Editor({ journal }: { journal: Journal }) {
  const { id = "" } = useParams();
  useVersion(journal);
  const entry = journal.entry(id);
  const { t } = useTranslation();
  if (!entry)
    return (
      <section className="card">
        <h1>{t("journal.editor.missing")}</h1>
        <Link to="/journal">{t("journal.back")}</Link>
      </section>
    );
  return <EditorForm key={id} journal={journal} id={id} />;
}

function EditorForm({ journal, id }: { journal: Journal; id: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { draft, set, flush, saving } = useDraft(journal, id);
  const [preview, setPreview] = useState(false);
  const status = journal.status(id);
  if (!draft) return null;
  const remove = async () => {
    await flush();
    await journal.remove(id);
    navigate("/journal", { state: { deleted: id } });
  };
  return (
    <div className="journal-layout editor">
      <section className="card journal-editor" aria-labelledby="journal-editor-title">
        <Link className="journal-back" to="/journal" onClick={() => void flush()}>
          {t("journal.back")}
        </Link>
        <div className="journal-editor-head">
          <h1 id="journal-editor-title">{draft.title || t("journal.untitled")}</h1>
          <StatusBadge status={status} />
          <span className="hint" aria-live="polite">
            {saving === "saved" ? t("journal.editor.saved") : t("journal.editor.saving")}
          </span>
        </div>
        <SyncLine journal={journal} />
        <LimitNote journal={journal} />
        {status === "conflict" && (
          <p className="journal-conflict-note" role="alert">
            {t("journal.conflict.note")} <Link to={`/journal/${encodeURIComponent(id)}/conflict`}>{t("journal.conflict.open")}</Link>
          </p>
        )}
        {draft.mode === "in_session" && <p className="journal-session-note">{t("journal.editor.inSession")}</p>}
        <form className="journal-form" onSubmit={(e) => e.preventDefault()} onBlur={() => void flush()}>
          <div className="field">
            <label htmlFor="journal-title">{t("journal.editor.title")}</label>
            <input id="journal-title" dir="auto" value={draft.title} maxLength={limits.title} onChange={(e) => set({ title: e.target.value })} />
          </div>
          <div className="journal-body-head">
            <label htmlFor="journal-body" id="journal-body-label">
              {t("journal.editor.body")}
            </label>
            <div className="journal-toggle" role="group" aria-label={t("journal.editor.view")}>
              <button type="button" aria-pressed={!preview} onClick={() => setPreview(false)}>
                {t("journal.editor.write")}
              </button>
              <button type="button" aria-pressed={preview} onClick={() => setPreview(true)}>
                {t("journal.editor.preview")}
              </button>
            </div>
          </div>
          {preview ? (
            <div className="journal-preview" aria-labelledby="journal-body-label">
              {draft.body.trim() ? <Markdown text={draft.body} /> : <p className="hint">{t("journal.editor.emptyPreview")}</p>}
            </div>
          ) : (
            <textarea
              id="journal-body"
              dir="auto"
              rows={12}
              value={draft.body}
              maxLength={limits.body}
              aria-describedby="journal-body-hint"
              onChange={(e) => set({ body: e.target.value })}
            />
          )}
          <p className="hint" id="journal-body-hint">
            {t("journal.editor.markdownHint")}
          </p>
          <MoodField name="journal-mood" value={draft.mood} onChange={(mood) => set({ mood })} />
          <TagsField tags={draft.tags} onChange={(tags) => set({ tags })} />
          <CardRefs refs={draft.card_refs} onChange={(card_refs) => set({ card_refs })} />
          <VisibilityField draft={draft} onChange={(visibility) => set({ visibility })} />
        </form>
        <div className="journal-actions">
          <button type="button" className="button danger secondary" onClick={() => void remove()}>
            {t("journal.editor.delete")}
          </button>
        </div>
      </section>
      <aside className="card journal-side">
        <Prompts
          journal={journal}
          entryId={id}
          card={draft.card_refs.find((r) => r.item_id)?.item_id}
          onPick={(p) => set({ prompt_id: p.id, body: draft.body ? `${draft.body}\n\n> ${p.text}\n\n` : `> ${p.text}\n\n` })}
        />
      </aside>
    </div>
  );
}
