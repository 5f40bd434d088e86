// The participant's journal beside the live session: a quick note tied to
// this session, private unless they choose to share it with the
// facilitator, with the current phase's prompt and the cards they picked
// here as references. Search and export stay in the journal itself.
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useJournal, useVersion } from "../journal/client";
import { StatusBadge } from "../journal/components";
import { useDraft } from "../journal/draft";
import { VisibilityField, CardRefs } from "../journal/fields";
import type { Journal } from "../journal/journal";
import { Prompts } from "../journal/Prompts";
import type { CardRef, Phase } from "../journal/types";
import { limits } from "../journal/types";
import type { Pick } from "./lib";
import "../journal/journal.css";

export function JournalPanel({ sessionId, phase, picks }: { sessionId: string; phase?: string; picks: Pick[] }) {
  const { t } = useTranslation();
  const { journal } = useJournal();
  return (
    <section className="live-block journal-compact" aria-labelledby="journal-compact-title">
      <h2 id="journal-compact-title">{t("journal.compact.title")}</h2>
      {journal ? <Compact journal={journal} sessionId={sessionId} phase={phase} picks={picks} /> : <p className="hint">{t("app.loading")}</p>}
    </section>
  );
}

function Compact({ journal, sessionId, phase, picks }: { journal: Journal; sessionId: string; phase?: string; picks: Pick[] }) {
  const { t } = useTranslation();
  const version = useVersion(journal);
  const mine = useMemo(() => journal.entries().filter((e) => e.session_id === sessionId && !e.deleted), [journal, sessionId, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const [open, setOpen] = useState<string>();
  const current = open ?? mine[0]?.id;
  const refs: CardRef[] = picks
    .filter((p) => p.card_id)
    .map((p) => ({ item_id: p.card_id, draw_id: p.draw_id, title: (p.title || t("sessions.draw.aCard")).slice(0, limits.title) }));
  const start = async (body = "", prompt_id = "") => {
    const e = await journal.create({ mode: "in_session", session_id: sessionId, visibility: "private", body, prompt_id, card_refs: refs.slice(0, limits.cardRefs) });
    setOpen(e.id);
  };
  const known = (["pause", "expand", "focus", "doing"] as const).find((p) => p === phase) as Phase | undefined;
  return (
    <>
      <p className="hint">{t("journal.compact.lead")}</p>
      {current ? (
        <CompactEditor key={current} journal={journal} id={current} picks={refs} phase={known} onNew={() => void start()} />
      ) : (
        <>
          <button type="button" className="button" onClick={() => void start()}>
            {t("journal.compact.start")}
          </button>
          <Prompts journal={journal} phase={known} compact onPick={(p) => void start(`> ${p.text}\n\n`, p.id)} />
        </>
      )}
      {mine.length > 1 && <p className="hint">{t("journal.compact.count", { count: mine.length })}</p>}
      <Link to="/journal">{t("journal.compact.all")}</Link>
    </>
  );
}

function CompactEditor({ journal, id, picks, phase, onNew }: { journal: Journal; id: string; picks: CardRef[]; phase?: Phase; onNew: () => void }) {
  const { t } = useTranslation();
  const { draft, set, flush, saving } = useDraft(journal, id);
  if (!draft) return null;
  return (
    <form className="journal-form compact" onSubmit={(e) => e.preventDefault()} onBlur={() => void flush()}>
      <div className="field">
        <div className="journal-body-head">
          <label htmlFor="journal-compact-body">{t("journal.compact.label")}</label>
          <StatusBadge status={journal.status(id)} />
        </div>
        <textarea id="journal-compact-body" dir="auto" rows={5} value={draft.body} maxLength={limits.body} onChange={(e) => set({ body: e.target.value })} />
        <span className="hint" aria-live="polite">
          {saving === "saved" ? t("journal.editor.saved") : t("journal.editor.saving")}
        </span>
      </div>
      <CardRefs refs={draft.card_refs} picks={picks} onChange={(card_refs) => set({ card_refs })} />
      <VisibilityField draft={draft} onChange={(visibility) => set({ visibility })} />
      <Prompts
        journal={journal}
        phase={phase}
        entryId={id}
        compact
        onPick={(p) => set({ prompt_id: p.id, body: draft.body.trim() ? `${draft.body.trimEnd()}\n\n> ${p.text}\n\n` : `> ${p.text}\n\n` })}
      />
      <div className="journal-actions">
        <button type="button" className="button secondary small" onClick={() => void flush().then(onNew)}>
          {t("journal.compact.another")}
        </button>
        <Link to={`/journal/${encodeURIComponent(id)}`} onClick={() => void flush()}>
          {t("journal.compact.open")}
        </Link>
      </div>
    </form>
  );
}
