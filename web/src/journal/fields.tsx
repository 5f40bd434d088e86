// The fields of an entry that both the full editor and the session's
// compact panel show: mood, tags, card references and who may read it.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { isolate } from "../i18n";
import { api, data } from "../api/client";
import type { Language } from "../i18n";
import { useOnline } from "./client";
import { limits, type CardRef, type Fields } from "./types";

export function MoodField({ value, onChange, name }: { value: number; onChange: (mood: number) => void; name: string }) {
  const { t } = useTranslation();
  return (
    <fieldset className="journal-mood">
      <legend>{t("journal.editor.mood")}</legend>
      {[0, 1, 2, 3, 4, 5].map((m) => (
        <label key={m} className="journal-mood-option">
          <input type="radio" name={name} value={m} checked={value === m} onChange={() => onChange(m)} />
          <span>{m === 0 ? t("journal.editor.moodNone") : t(`journal.mood.${m}`)}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** parseTags reads "a, b, c" into at most 20 distinct tags of at most 40 characters. */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(",")) {
    const tag = raw.trim().slice(0, limits.tag);
    if (tag && !out.includes(tag) && out.length < limits.tags) out.push(tag);
  }
  return out;
}

export function TagsField({ tags, onChange }: { tags: string[]; onChange: (tags: string[]) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(tags.join(", "));
  return (
    <div className="field">
      <label htmlFor="journal-tags">{t("journal.editor.tags")}</label>
      <input
        id="journal-tags"
        value={text}
        aria-describedby="journal-tags-hint"
        onChange={(e) => {
          setText(e.target.value);
          onChange(parseTags(e.target.value));
        }}
      />
      <p className="hint" id="journal-tags-hint">
        {t("journal.editor.tagsHint")}
      </p>
    </div>
  );
}

/** VisibilityField: private unless the person shares an in-session entry with the session's facilitator. */
export function VisibilityField({ draft, onChange }: { draft: Pick<Fields, "mode" | "visibility">; onChange: (v: Fields["visibility"]) => void }) {
  const { t } = useTranslation();
  if (draft.mode !== "in_session")
    return <p className="journal-private">{t("journal.visibility.privateOnly")}</p>;
  const shared = draft.visibility === "shared_with_facilitator";
  return (
    <div className="journal-visibility">
      <label className="checkbox">
        <input type="checkbox" checked={shared} aria-describedby="journal-visibility-hint" onChange={(e) => onChange(e.target.checked ? "shared_with_facilitator" : "private")} />
        <span>{t("journal.visibility.share")}</span>
      </label>
      <p className="hint" id="journal-visibility-hint">
        {shared ? t("journal.visibility.sharedHint") : t("journal.visibility.privateHint")}
      </p>
    </div>
  );
}

export function CardRefs({ refs, onChange, picks }: { refs: CardRef[]; onChange: (refs: CardRef[]) => void; picks?: CardRef[] }) {
  const { t, i18n } = useTranslation();
  const online = useOnline();
  const [q, setQ] = useState("");
  const [searching, setSearching] = useState("");
  const found = useQuery({
    queryKey: ["journal", "cards", searching, i18n.language],
    queryFn: () => data(api.GET("/content/v1/search", { params: { query: { q: searching, lang: (i18n.resolvedLanguage ?? "en") as Language, limit: 8 } } })),
    enabled: online && searching.trim() !== "",
  });
  const has = (r: CardRef) => refs.some((x) => (r.item_id && x.item_id === r.item_id) || (r.pick_id && x.pick_id === r.pick_id));
  const add = (r: CardRef) => !has(r) && refs.length < limits.cardRefs && onChange([...refs, r]);
  const offered: CardRef[] = [
    ...(picks ?? []),
    ...(found.data?.items ?? []).map((i) => ({ item_id: i.id ?? "", title: (i.title ?? "").slice(0, limits.title) })),
  ].filter((r) => !has(r));
  return (
    <section className="journal-cards" aria-labelledby="journal-cards-title">
      <h3 id="journal-cards-title">{t("journal.cards.title")}</h3>
      {refs.length === 0 ? (
        <p className="hint">{t("journal.cards.none")}</p>
      ) : (
        <ul className="journal-chips">
          {refs.map((r, i) => (
            <li key={`${r.item_id ?? ""}${r.pick_id ?? ""}${i}`} className="chip">
              <span dir="auto">{r.title}</span>
              <button type="button" className="chip-remove" aria-label={t("journal.cards.remove", { title: isolate(r.title) })} onClick={() => onChange(refs.filter((_, j) => j !== i))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {picks === undefined && (
        <form
          className="journal-card-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setSearching(q);
          }}
        >
          <label htmlFor="journal-card-q" className="visually-hidden">
            {t("journal.cards.search")}
          </label>
          <input id="journal-card-q" type="search" value={q} placeholder={t("journal.cards.search")} onChange={(e) => setQ(e.target.value)} disabled={!online} />
          <button type="submit" className="button secondary small" disabled={!online}>
            {t("journal.cards.find")}
          </button>
          {!online && <p className="hint">{t("journal.cards.offline")}</p>}
        </form>
      )}
      {offered.length > 0 && (
        <ul className="journal-offered" aria-label={picks ? t("journal.cards.picks") : t("journal.cards.results")}>
          {offered.slice(0, 8).map((r, i) => (
            <li key={`${r.item_id ?? ""}${r.pick_id ?? ""}${i}`}>
              <button type="button" className="chip add" onClick={() => add(r)} aria-label={t("journal.cards.add", { title: isolate(r.title) })}>
                + <span dir="auto">{r.title}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
