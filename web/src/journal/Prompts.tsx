// Prompts to start writing from: by phase and by card, in the person's
// language. Online they come from the API (and "suggest with AI" asks for
// new ones); offline, the set last fetched on this device.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { getPrompts, suggestPrompts } from "./api";
import { useOnline } from "./client";
import { problemKey } from "./components";
import type { Journal } from "./journal";
import type { Phase, Prompt } from "./types";
import type { Language } from "../i18n";

export const phases: Phase[] = ["pause", "expand", "focus", "doing"];

export function Prompts({
  journal,
  phase: fixedPhase,
  card,
  entryId,
  onPick,
  compact,
}: {
  journal: Journal;
  phase?: Phase;
  card?: string;
  entryId?: string;
  onPick: (p: Prompt) => void;
  compact?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const online = useOnline();
  const lang = (i18n.resolvedLanguage ?? "en") as Language;
  const [phase, setPhase] = useState<Phase | undefined>(fixedPhase);
  const [prompts, setPrompts] = useState<Prompt[]>([]);
  const [suggested, setSuggested] = useState<Prompt[]>([]);
  const [error, setError] = useState<unknown>();
  const [asking, setAsking] = useState(false);
  const key = `${phase ?? ""}|${card ?? ""}|${lang}`;
  useEffect(() => setPhase(fixedPhase), [fixedPhase]);
  useEffect(() => {
    let live = true;
    void journal.cachedPrompts(key).then((cached) => live && cached && setPrompts(cached));
    if (online)
      getPrompts({ phase, card, lang }).then(
        (r) => {
          if (!live) return;
          setPrompts(r.prompts);
          void journal.savePrompts(key, r.prompts);
        },
        () => undefined, // the cached set stays
      );
    return () => {
      live = false;
    };
  }, [journal, key, online, phase, card, lang]);
  const suggest = () => {
    setAsking(true);
    setError(undefined);
    suggestPrompts({ ...(entryId ? { entry_id: entryId } : {}), ...(phase ? { phase } : {}), lang })
      .then((r) => setSuggested(r.prompts), setError)
      .finally(() => setAsking(false));
  };
  const shown = [...suggested, ...prompts].slice(0, compact ? 3 : 8);
  return (
    <section className="journal-prompts" aria-labelledby={`prompts-${compact ? "c" : "f"}`}>
      <h2 id={`prompts-${compact ? "c" : "f"}`}>{t("journal.prompts.title")}</h2>
      {!fixedPhase && (
        <div className="journal-chips" role="group" aria-label={t("journal.prompts.phase")}>
          {phases.map((p) => (
            <button key={p} type="button" className={`chip phase-${p}`} aria-pressed={phase === p} onClick={() => setPhase(phase === p ? undefined : p)}>
              {t(`journal.phase.${p}`)}
            </button>
          ))}
        </div>
      )}
      {shown.length === 0 ? (
        <p className="hint">{online ? t("journal.prompts.none") : t("journal.prompts.offline")}</p>
      ) : (
        <ul className="journal-prompt-list">
          {shown.map((p) => (
            <li key={p.id}>
              <button type="button" className="journal-prompt" onClick={() => onPick(p)}>
                <span dir="auto">{p.text}</span>
                {p.source === "ai" && <span className="journal-ai">{t("journal.prompts.ai")}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      {online && (
        <button type="button" className="button quiet small" onClick={suggest} disabled={asking}>
          {asking ? t("journal.prompts.asking") : t("journal.prompts.suggest")}
        </button>
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {t(problemKey(error))}
        </p>
      )}
    </section>
  );
}
