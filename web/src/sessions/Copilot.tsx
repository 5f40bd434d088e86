// The facilitator's copilot in the live control: on request, three cards
// and two questions from the library for the session's current phase,
// with the reason for them. Each card is accepted or dismissed, each
// question used (as is or edited) or dismissed, and the coach hears which.
// Accepted cards wait in the "next draw" tray until a draw is opened with
// them. One fresh suggestion per 30 s: until then the button waits and
// says how long.
import { useEffect, useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, data } from "../api/client";
import { CardTile } from "../coach/CardTile";
import { copilotFeedback, suggest, type CopilotAction, type Suggestion, type SuggestionCard } from "../coach/api";
import { contentLang } from "../library/items";
import { formatCountdown, ProblemNote } from "./lib";
import "./copilot.css";

/** The most the server makes a facilitator wait between fresh suggestions. */
const spacingMs = 30_000;

type Verdict = "accepted" | "dismissed" | "used";

interface Held {
  suggestion: Suggestion;
  // When a fresh suggestion may be asked, on this browser's clock.
  readyAt: number;
  // What the facilitator did with each card (by item id) and question (q0, q1).
  verdicts: Record<string, Verdict>;
  // Questions as the facilitator edited them.
  edits: Record<string, string>;
}

export interface TrayCard {
  item_id: string;
  title: string;
}

export interface Tray {
  cards: TrayCard[];
  questions: string[];
}

const trayKey = (id: string) => `copilot.tray.${id}`;

// useTray keeps the next draw's cards for the tab's life, so a reload in
// the middle of a session does not lose them.
export function useTray(id: string) {
  const [tray, setTray] = useState<Tray>(() => {
    try {
      const t = JSON.parse(globalThis.sessionStorage?.getItem(trayKey(id)) ?? "") as Tray;
      return { cards: Array.isArray(t.cards) ? t.cards : [], questions: Array.isArray(t.questions) ? t.questions : [] };
    } catch {
      return { cards: [], questions: [] };
    }
  });
  useEffect(() => {
    globalThis.sessionStorage?.setItem(trayKey(id), JSON.stringify(tray));
  }, [id, tray]);
  return [tray, setTray] as const;
}

function useNow(until: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until <= Date.now()) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return now;
}

function questionKey(i: number) {
  return `q${i}`;
}

export function CopilotPanel({
  id,
  drawOpen,
  tray,
  setTray,
  onPrefill,
}: {
  id: string;
  drawOpen: boolean;
  tray: Tray;
  setTray: (f: (t: Tray) => Tray) => void;
  onPrefill: () => void;
}) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const key = ["coach", "copilot", id];
  const held = useQuery<Held | null>({ queryKey: key, queryFn: () => null, enabled: false, initialData: null, staleTime: Infinity, gcTime: Infinity }).data;
  const set = (f: (h: Held) => Held) => queryClient.setQueryData<Held | null>(key, (h) => (h ? f(h) : h));
  const now = useNow(held?.readyAt ?? 0);
  const waitMs = Math.max(0, (held?.readyAt ?? 0) - now);

  const ask = useMutation({
    mutationFn: () => suggest(id, contentLang(i18n.language)),
    onSuccess: (r) => {
      const wait = Math.min(spacingMs, Math.max(0, (Date.parse(r.next_at) || 0) - r.serverNow));
      queryClient.setQueryData<Held | null>(key, (h) => ({
        suggestion: r.suggestion,
        readyAt: Date.now() + wait,
        verdicts: h?.suggestion.id === r.suggestion.id ? h.verdicts : {},
        edits: h?.suggestion.id === r.suggestion.id ? h.edits : {},
      }));
    },
  });
  const feedback = useMutation({
    mutationFn: (a: CopilotAction & { key: string; verdict: Verdict }) =>
      copilotFeedback(id, held!.suggestion.id, { action: a.action, ...(a.item_id ? { item_id: a.item_id } : {}), ...(a.text ? { text: a.text } : {}) }),
    onSuccess: (s, a) => set((h) => ({ ...h, suggestion: { ...h.suggestion, state: s.state ?? h.suggestion.state }, verdicts: { ...h.verdicts, [a.key]: a.verdict } })),
  });
  const openDraw = useMutation({
    mutationFn: (cards: TrayCard[]) =>
      data(
        api.POST("/sessions/v1/sessions/{sessionId}/draws", {
          params: { path: { sessionId: id } },
          body: { mode: "face_up", card_ids: cards.map((c) => c.item_id), spread: cards.length, picks_per_person: 1 },
        }),
      ),
    onSuccess: () => {
      setTray((tr) => ({ ...tr, cards: [] }));
      return queryClient.invalidateQueries({ queryKey: ["sessions", id] });
    },
  });

  function acceptCard(c: SuggestionCard) {
    feedback.mutate(
      { action: "accepted", item_id: c.item_id, key: c.item_id, verdict: "accepted" },
      { onSuccess: () => setTray((tr) => (tr.cards.some((x) => x.item_id === c.item_id) ? tr : { ...tr, cards: [...tr.cards, { item_id: c.item_id, title: c.title }] })) },
    );
  }
  function takeQuestion(i: number, text: string, edited: boolean) {
    const q = held!.suggestion.questions[i];
    feedback.mutate(
      edited
        ? { action: "edited", text, ...(q.item_id ? { item_id: q.item_id } : {}), key: questionKey(i), verdict: "used" }
        : { action: "accepted", ...(q.item_id ? { item_id: q.item_id } : { text }), key: questionKey(i), verdict: "used" },
      { onSuccess: () => setTray((tr) => (tr.questions.includes(text) ? tr : { ...tr, questions: [...tr.questions, text] })) },
    );
  }

  const s = held?.suggestion;
  return (
    <section className="live-block copilot" aria-labelledby="copilot-title">
      <h2 id="copilot-title">{t("coach.copilot.title")}</h2>
      <p className="hint">{t("coach.copilot.lead")}</p>
      <div className="copilot-ask">
        <button type="button" className="button" disabled={ask.isPending || waitMs > 0} onClick={() => ask.mutate()}>
          {ask.isPending ? t("coach.copilot.asking") : t("coach.copilot.suggest")}
        </button>
        {waitMs > 0 && (
          <p className="hint copilot-wait">
            {t("coach.copilot.wait", { time: formatCountdown(Math.ceil(waitMs / 1000)) })}
          </p>
        )}
      </div>
      {ask.isError && <ProblemNote error={ask.error} />}
      {s && (
        <div className="copilot-suggestion">
          {s.phase && <span className={`badge phase-${s.phase}`}>{t("coach.copilot.phase", { phase: t(`sessions.phases.${s.phase}`, { defaultValue: s.phase }) })}</span>}
          {s.rationale && (
            <>
              <h3>{t("coach.copilot.rationale")}</h3>
              <p dir="auto">{s.rationale}</p>
            </>
          )}
          <h3>{t("coach.copilot.cards")}</h3>
          <ul className="copilot-cards">
            {s.cards.map((c) => {
              // A card still in the tray was accepted, also before a reload.
              const v = held!.verdicts[c.item_id] ?? (tray.cards.some((x) => x.item_id === c.item_id) ? "accepted" : undefined);
              return (
                <li key={c.item_id} className={v ? `coach-card ${v}` : "coach-card"}>
                  <CardTile card={c}>
                    {v ? (
                      <span className={`badge badge-${v}`}>{t(`coach.copilot.${v}`)}</span>
                    ) : (
                      <span className="copilot-actions">
                        <button type="button" className="button small" disabled={feedback.isPending} onClick={() => acceptCard(c)} aria-label={t("coach.copilot.acceptOf", { title: c.title })}>
                          {t("coach.copilot.accept")}
                        </button>
                        <button
                          type="button"
                          className="button secondary small"
                          disabled={feedback.isPending}
                          onClick={() => feedback.mutate({ action: "dismissed", item_id: c.item_id, key: c.item_id, verdict: "dismissed" })}
                          aria-label={t("coach.copilot.dismissOf", { title: c.title })}
                        >
                          {t("coach.copilot.dismiss")}
                        </button>
                      </span>
                    )}
                  </CardTile>
                </li>
              );
            })}
          </ul>
          <h3>{t("coach.copilot.questions")}</h3>
          <ul className="copilot-questions">
            {s.questions.map((q, i) => (
              <QuestionRow
                key={`${s.id}-${i}`}
                text={held!.edits[questionKey(i)] ?? q.text}
                verdict={held!.verdicts[questionKey(i)]}
                pending={feedback.isPending}
                onUse={(text, edited) => {
                  if (edited) set((h) => ({ ...h, edits: { ...h.edits, [questionKey(i)]: text } }));
                  takeQuestion(i, text, edited);
                }}
                onDismiss={() =>
                  feedback.mutate({ action: "dismissed", ...(q.item_id ? { item_id: q.item_id } : { text: q.text }), key: questionKey(i), verdict: "dismissed" })
                }
              />
            ))}
          </ul>
        </div>
      )}
      {feedback.isError && <ProblemNote error={feedback.error} />}
      <TrayView tray={tray} setTray={setTray} drawOpen={drawOpen} pending={openDraw.isPending} done={openDraw.isSuccess} onOpen={() => (tray.cards.length >= 2 ? openDraw.mutate(tray.cards) : onPrefill())} />
      {openDraw.isError && <ProblemNote error={openDraw.error} />}
    </section>
  );
}

function QuestionRow({ text, verdict, pending, onUse, onDismiss }: { text: string; verdict?: Verdict; pending: boolean; onUse: (text: string, edited: boolean) => void; onDismiss: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(text);
  if (editing)
    return (
      <li className="copilot-question editing">
        <label className="visually-hidden" htmlFor={`${id}-edit`}>
          {t("coach.copilot.editLabel")}
        </label>
        <textarea id={`${id}-edit`} rows={2} maxLength={500} value={value} onChange={(e) => setValue(e.target.value)} dir="auto" autoFocus />
        <span className="copilot-actions">
          <button type="button" className="button small" disabled={pending || !value.trim()} onClick={() => (setEditing(false), onUse(value.trim(), value.trim() !== text))}>
            {t("coach.copilot.useEdited")}
          </button>
          <button type="button" className="button secondary small" onClick={() => (setEditing(false), setValue(text))}>
            {t("coach.copilot.cancel")}
          </button>
        </span>
      </li>
    );
  return (
    <li className={verdict ? `copilot-question ${verdict}` : "copilot-question"}>
      <p dir="auto">{text}</p>
      {verdict ? (
        <span className={`badge badge-${verdict}`}>{t(`coach.copilot.${verdict}`)}</span>
      ) : (
        <span className="copilot-actions">
          <button type="button" className="button small" disabled={pending} onClick={() => onUse(text, false)}>
            {t("coach.copilot.use")}
          </button>
          <button type="button" className="button secondary small" disabled={pending} onClick={() => setEditing(true)}>
            {t("coach.copilot.edit")}
          </button>
          <button type="button" className="button quiet small" disabled={pending} onClick={onDismiss}>
            {t("coach.copilot.dismiss")}
          </button>
        </span>
      )}
    </li>
  );
}

function TrayView({ tray, setTray, drawOpen, pending, done, onOpen }: { tray: Tray; setTray: (f: (t: Tray) => Tray) => void; drawOpen: boolean; pending: boolean; done: boolean; onOpen: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="copilot-tray" role="region" aria-labelledby="copilot-tray-title">
      <h3 id="copilot-tray-title">{t("coach.copilot.tray")}</h3>
      {tray.cards.length === 0 ? (
        <p className="hint">{t("coach.copilot.trayEmpty")}</p>
      ) : (
        <ul className="copilot-tray-cards" aria-label={t("coach.copilot.tray")}>
          {tray.cards.map((c) => (
            <li key={c.item_id}>
              <span dir="auto">{c.title || c.item_id}</span>
              <button
                type="button"
                className="button quiet small"
                onClick={() => setTray((tr) => ({ ...tr, cards: tr.cards.filter((x) => x.item_id !== c.item_id) }))}
                aria-label={t("coach.copilot.removeOf", { title: c.title })}
              >
                {t("coach.copilot.remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {tray.cards.length > 0 && (
        <div className="actions">
          <button type="button" className="button" disabled={pending || drawOpen} onClick={onOpen}>
            {t("coach.copilot.openDraw")}
          </button>
        </div>
      )}
      {tray.cards.length > 0 && drawOpen && <p className="hint">{t("coach.copilot.drawOpen")}</p>}
      {tray.cards.length === 1 && !drawOpen && <p className="hint">{t("coach.copilot.cardsNeeded")}</p>}
      <p className="status" role="status">
        {done && tray.cards.length === 0 ? t("coach.copilot.opened") : ""}
      </p>
      {tray.questions.length > 0 && (
        <>
          <h3>{t("coach.copilot.trayQuestions")}</h3>
          <ol className="copilot-tray-questions">
            {tray.questions.map((q) => (
              <li key={q} dir="auto">
                {q}
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
