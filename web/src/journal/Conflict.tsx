// Two versions of one entry that could not be merged: side by side (stacked
// on phones) with their differences marked, and three ways out: keep this,
// keep that, or combine them by hand. Nothing is lost until the person
// chooses.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { isolate } from "../i18n";
import { Link, useNavigate, useParams } from "react-router";
import { useVersion } from "./client";
import { when } from "./components";
import type { Journal } from "./journal";
import { diff } from "./text";

export function Conflict({ journal }: { journal: Journal }) {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  useVersion(journal);
  const entry = journal.entry(id);
  const version = entry?.conflicts[0];
  const [combined, setCombined] = useState<string>();
  if (!entry || !version)
    return (
      <section className="card">
        <h1>{t("journal.conflict.none")}</h1>
        <Link to={entry ? `/journal/${encodeURIComponent(id)}` : "/journal"}>{t("journal.back")}</Link>
      </section>
    );
  const parts = diff(entry.body, version.body);
  const done = async (body: string, title?: string) => {
    await journal.resolve(id, { body, title, resolved: [version.id] });
    navigate(`/journal/${encodeURIComponent(id)}`, { replace: true });
  };
  const more = entry.conflicts.length - 1;
  return (
    <section className="card wide journal-conflict" aria-labelledby="journal-conflict-title">
      <Link className="journal-back" to={`/journal/${encodeURIComponent(id)}`}>
        {t("journal.conflict.back")}
      </Link>
      <h1 id="journal-conflict-title">{t("journal.conflict.title", { title: isolate(entry.title || t("journal.untitled")) })}</h1>
      <p className="lead">{t("journal.conflict.lead")}</p>
      {more > 0 && <p className="hint">{t("journal.conflict.more", { count: more })}</p>}
      <div className="journal-versions">
        <section aria-labelledby="v-this">
          <h2 id="v-this">{t("journal.conflict.this")}</h2>
          <p className="hint">{t("journal.conflict.thisHint", { when: when(entry.updated_at, i18n.language) })}</p>
          <div className="journal-diff" dir="auto">
            {parts.filter((p) => p.kind !== "added").map((p, i) =>
              p.kind === "removed" ? (
                <mark key={i} className="only-this">
                  <span className="visually-hidden">{t("journal.conflict.onlyHere")} </span>
                  {p.text}
                </mark>
              ) : (
                <span key={i}>{p.text}</span>
              ),
            )}
          </div>
          <button type="button" className="button secondary" onClick={() => void done(entry.body)}>
            {t("journal.conflict.keepThis")}
          </button>
        </section>
        <section aria-labelledby="v-that">
          <h2 id="v-that">{t("journal.conflict.that")}</h2>
          <p className="hint">{t(version.client_id === journal.clientId ? "journal.conflict.thatHintHere" : "journal.conflict.thatHint", { when: when(version.created_at, i18n.language) })}</p>
          <div className="journal-diff" dir="auto">
            {parts.filter((p) => p.kind !== "removed").map((p, i) =>
              p.kind === "added" ? (
                <mark key={i} className="only-that">
                  <span className="visually-hidden">{t("journal.conflict.onlyHere")} </span>
                  {p.text}
                </mark>
              ) : (
                <span key={i}>{p.text}</span>
              ),
            )}
          </div>
          <button type="button" className="button secondary" onClick={() => void done(version.body, version.title || undefined)}>
            {t("journal.conflict.keepThat")}
          </button>
        </section>
      </div>
      {combined === undefined ? (
        <button type="button" className="button" onClick={() => setCombined(`${entry.body}\n\n${version.body}`)}>
          {t("journal.conflict.combine")}
        </button>
      ) : (
        <form
          className="journal-combine"
          onSubmit={(e) => {
            e.preventDefault();
            void done(combined);
          }}
        >
          <label htmlFor="journal-combined">{t("journal.conflict.combined")}</label>
          <textarea id="journal-combined" dir="auto" rows={10} value={combined} onChange={(e) => setCombined(e.target.value)} />
          <button type="submit" className="button">
            {t("journal.conflict.saveCombined")}
          </button>
        </form>
      )}
    </section>
  );
}
