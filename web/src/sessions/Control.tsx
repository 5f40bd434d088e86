// The facilitator's live control: start, move through the steps, run draws
// (face-up spread or face down), reveal picks, close the draw, run
// breakouts with their timers, end the session; homework alongside.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, data } from "../api/client";
import { Loading } from "../components";
import { HomeworkPanel, ParticipantsPanel } from "./Detail";
import { CopilotPanel, useTray, type TrayCard } from "./Copilot";
import { SafetyAlerts } from "./SafetyAlerts";
import { InsightsPanel } from "../insights/Panel";
import {
  cardLabel,
  ConnectionNote,
  Countdown,
  PhaseFlow,
  ProblemNote,
  StatusBadge,
  useLiveSession,
  fallbackPollMs,
  roomLabel,
  useRound,
  type Draw,
  type Live,
  type Round,
} from "./lib";

type Names = Map<string, string>;

function useInvalidate(id: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["sessions", id] });
}

function StepControls({ id, live }: { id: string; live: Live }) {
  const { t } = useTranslation();
  const refresh = useInvalidate(id);
  const [confirmEnd, setConfirmEnd] = useState(false);
  const move = useMutation({
    mutationFn: (direction: "next" | "back") =>
      data(
        api.POST("/sessions/v1/sessions/{sessionId}/advance", {
          params: { path: { sessionId: id } },
          body: { direction, from_step: live.current?.step ?? 0 },
        }),
      ),
    onSettled: refresh,
  });
  const end = useMutation({
    mutationFn: () => data(api.POST("/sessions/v1/sessions/{sessionId}/end", { params: { path: { sessionId: id } }, body: {} })),
    onSettled: refresh,
  });
  const step = live.current?.step ?? 0;
  const steps = live.steps ?? 0;
  return (
    <div className="step">
      <PhaseFlow current={live.step?.phase} />
      <p className="step-count">{t("sessions.live.stepOf", { step: step + 1, steps })}</p>
      <h2 className="step-title">{live.step?.title}</h2>
      <p className="hint">{t("sessions.live.minutesLeft", { count: live.remaining_minutes ?? 0 })}</p>
      {live.next_title && <p className="hint">{t("sessions.live.next", { title: live.next_title })}</p>}
      <div className="actions">
        <button type="button" className="button secondary" disabled={step === 0 || move.isPending} onClick={() => move.mutate("back")}>
          {t("sessions.control.back")}
        </button>
        <button type="button" className="button" disabled={step + 1 >= steps || move.isPending} onClick={() => move.mutate("next")}>
          {t("sessions.control.next")}
        </button>
        {!confirmEnd ? (
          <button type="button" className="button danger" onClick={() => setConfirmEnd(true)}>
            {t("sessions.control.end")}
          </button>
        ) : (
          <span className="confirm" role="group" aria-label={t("sessions.control.endConfirm")}>
            <span>{t("sessions.control.endConfirm")}</span>
            <button type="button" className="button danger" onClick={() => end.mutate()} disabled={end.isPending}>
              {t("sessions.control.endYes")}
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirmEnd(false)}>
              {t("sessions.control.endNo")}
            </button>
          </span>
        )}
      </div>
      {move.isError && <ProblemNote error={move.error} />}
      {end.isError && <ProblemNote error={end.error} />}
    </div>
  );
}

// OpenDrawForm opens a draw from a deck or, prefilled from the copilot's
// tray, from the cards the facilitator accepted there.
function OpenDrawForm({ id, phase, cards = [], onUseDeck, onOpened }: { id: string; phase?: string; cards?: TrayCard[]; onUseDeck?: () => void; onOpened?: () => void }) {
  const { t, i18n } = useTranslation();
  const refresh = useInvalidate(id);
  const [mode, setMode] = useState<"face_down" | "face_up">("face_down");
  const chosen = useRef<HTMLFieldSetElement>(null);
  useEffect(() => {
    if (cards.length > 0) chosen.current?.focus();
  }, [cards.length]);
  const decks = useQuery({
    queryKey: ["content", "decks", i18n.language],
    queryFn: () => data(api.GET("/content/v1/items", { params: { query: { type: "deck", lang: i18n.language as "en", limit: 50 } } })),
  });
  const open = useMutation({
    mutationFn: (body: { mode: "face_up" | "face_down"; deck_id?: string; card_ids?: string[]; spread?: number; picks_per_person?: number }) =>
      data(api.POST("/sessions/v1/sessions/{sessionId}/draws", { params: { path: { sessionId: id } }, body })),
    onSuccess: () => onOpened?.(),
    onSettled: refresh,
  });
  const usable = (decks.data?.items ?? []).filter((d) => !d.locked);
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    open.mutate({
      mode,
      ...(cards.length > 0 ? { card_ids: cards.map((c) => c.item_id) } : { deck_id: String(f.get("deck_id")) }),
      picks_per_person: Number(f.get("picks_per_person") || 1),
      ...(mode === "face_up" ? { spread: Math.min(Number(f.get("spread") || 8), cards.length || 200) } : {}),
    });
  }
  return (
    <form onSubmit={submit} className="control-form">
      <fieldset className="choices segmented">
        <legend>{t("sessions.control.drawMode")}</legend>
        {(["face_down", "face_up"] as const).map((m) => (
          <label key={m} className="choice">
            <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
            <span>{t(`sessions.control.mode.${m}`)}</span>
          </label>
        ))}
      </fieldset>
      {cards.length > 0 && (
        <fieldset className="draw-chosen" ref={chosen} tabIndex={-1}>
          <legend>{t("coach.copilot.fromTray")}</legend>
          <ul className="list">
            {cards.map((c) => (
              <li key={c.item_id} dir="auto">
                {c.title || c.item_id}
              </li>
            ))}
          </ul>
          {cards.length < 2 && <p className="hint">{t("coach.copilot.cardsNeeded")}</p>}
          <button type="button" className="button secondary small" onClick={onUseDeck}>
            {t("coach.copilot.useDeck")}
          </button>
        </fieldset>
      )}
      <div className="field-row">
        {cards.length === 0 && (
          <div className="field">
            <label htmlFor="deck_id">{t("sessions.control.deck")}</label>
            <select id="deck_id" name="deck_id" required>
              {usable.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.title || d.id}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="picks_per_person">{t("sessions.control.picksPerPerson")}</label>
          <select id="picks_per_person" name="picks_per_person" defaultValue="1">
            {[1, 2, 3].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        {mode === "face_up" && (
          <div className="field">
            <label htmlFor="spread">{t("sessions.control.spreadSize")}</label>
            <input id="spread" name="spread" type="number" min={1} max={40} defaultValue={8} inputMode="numeric" />
          </div>
        )}
      </div>
      {phase && <p className="hint">{t("sessions.control.drawPhase", { phase: t(`sessions.phases.${phase}`) })}</p>}
      {decks.isError && <ProblemNote error={decks.error} onRetry={() => void decks.refetch()} />}
      <button type="submit" className="button" disabled={open.isPending || (cards.length > 0 ? cards.length < 2 : usable.length === 0)}>
        {t("sessions.control.openDraw")}
      </button>
      {open.isError && <ProblemNote error={open.error} />}
    </form>
  );
}

function DrawControl({ id, draw, names }: { id: string; draw: Draw; names: Names }) {
  const { t } = useTranslation();
  const refresh = useInvalidate(id);
  const reveal = useMutation({
    mutationFn: (body: { uid?: string; all?: boolean }) =>
      data(api.POST("/sessions/v1/sessions/{sessionId}/draws/{drawId}/reveal", { params: { path: { sessionId: id, drawId: draw.id! } }, body })),
    onSettled: refresh,
  });
  const close = useMutation({
    mutationFn: () =>
      data(api.POST("/sessions/v1/sessions/{sessionId}/draws/{drawId}/close", { params: { path: { sessionId: id, drawId: draw.id! } }, body: {} })),
    onSettled: refresh,
  });
  const picks = draw.picks ?? [];
  const unrevealed = picks.some((p) => !p.revealed);
  return (
    <div className="draw-control">
      <p>
        <strong>{draw.mode === "face_up" ? t("sessions.draw.faceUpTitle") : t("sessions.draw.faceDownTitle")}</strong>{" "}
        <span className={`badge badge-${draw.status}`}>{t(`sessions.control.drawStatus.${draw.status}`)}</span>
      </p>
      <p className="hint">{t("sessions.control.drawCounts", { taken: draw.taken ?? 0, cards: draw.cards ?? 0 })}</p>
      {picks.length === 0 ? (
        <p className="empty">{t("sessions.control.noPicks")}</p>
      ) : (
        <ul className="list picks" aria-label={t("sessions.control.picks")}>
          {picks.map((p) => (
            <li key={`${p.uid}-${p.slot}`}>
              <span>
                <strong>{p.display_name || names.get(p.uid ?? "") || t("sessions.participantFallback")}</strong>
                {" · "}
                {p.hidden ? <em>{t("sessions.control.hiddenPick")}</em> : cardLabel(p, t("sessions.draw.aCard"))}
              </span>
              {p.revealed ? (
                <span className="badge badge-revealed">{t("sessions.control.revealed")}</span>
              ) : (
                <button
                  type="button"
                  className="button secondary small"
                  disabled={reveal.isPending}
                  onClick={() => reveal.mutate({ uid: p.uid })}
                  aria-label={t("sessions.control.revealOf", { name: names.get(p.uid ?? "") || t("sessions.participantFallback") })}
                >
                  {t("sessions.control.reveal")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        {unrevealed && (
          <button type="button" className="button" disabled={reveal.isPending} onClick={() => reveal.mutate({ all: true })}>
            {t("sessions.control.revealAll")}
          </button>
        )}
        {draw.status === "open" && (
          <button type="button" className="button secondary" disabled={close.isPending} onClick={() => close.mutate()}>
            {t("sessions.control.closeDraw")}
          </button>
        )}
      </div>
      {unrevealed && <p className="hint">{t("sessions.control.revealHint")}</p>}
      {reveal.isError && <ProblemNote error={reveal.error} />}
      {close.isError && <ProblemNote error={close.error} />}
    </div>
  );
}

function OpenBreakoutForm({ id, drawId }: { id: string; drawId?: string }) {
  const { t } = useTranslation();
  const refresh = useInvalidate(id);
  const open = useMutation({
    mutationFn: (body: { strategy: "random" | "similar_cards" | "different_cards"; room_size: number; minutes: number; draw_id?: string }) =>
      data(api.POST("/sessions/v1/sessions/{sessionId}/breakouts", { params: { path: { sessionId: id } }, body })),
    onSettled: refresh,
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const strategy = String(f.get("strategy")) as "random" | "similar_cards" | "different_cards";
    open.mutate({
      strategy,
      room_size: Number(f.get("room_size") || 2),
      minutes: Number(f.get("minutes") || 10),
      ...(strategy !== "random" && drawId ? { draw_id: drawId } : {}),
    });
  }
  return (
    <form onSubmit={submit} className="control-form">
      <div className="field-row">
        <div className="field">
          <label htmlFor="strategy">{t("sessions.control.strategy")}</label>
          <select id="strategy" name="strategy" defaultValue="random">
            <option value="random">{t("sessions.control.strategies.random")}</option>
            {drawId && <option value="similar_cards">{t("sessions.control.strategies.similar_cards")}</option>}
            {drawId && <option value="different_cards">{t("sessions.control.strategies.different_cards")}</option>}
          </select>
        </div>
        <div className="field">
          <label htmlFor="room_size">{t("sessions.control.roomSize")}</label>
          <select id="room_size" name="room_size" defaultValue="2">
            {[2, 3, 4].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="minutes">{t("sessions.control.minutes")}</label>
          <input id="minutes" name="minutes" type="number" min={1} max={120} defaultValue={10} inputMode="numeric" />
        </div>
      </div>
      <button type="submit" className="button" disabled={open.isPending}>
        {t("sessions.control.openBreakouts")}
      </button>
      {open.isError && <ProblemNote error={open.error} />}
    </form>
  );
}

function BreakoutControl({ id, round, updatedAt }: { id: string; round: Round; updatedAt: number }) {
  const { t } = useTranslation();
  const refresh = useInvalidate(id);
  const path = { sessionId: id, breakoutId: round.id! };
  const extend = useMutation({
    mutationFn: () => data(api.POST("/sessions/v1/sessions/{sessionId}/breakouts/{breakoutId}/extend", { params: { path }, body: { minutes: 5 } })),
    onSettled: refresh,
  });
  const move = useMutation({
    mutationFn: (body: { uid: string; to_room: string }) =>
      data(api.POST("/sessions/v1/sessions/{sessionId}/breakouts/{breakoutId}/move", { params: { path }, body })),
    onSettled: refresh,
  });
  const close = useMutation({
    mutationFn: () => data(api.POST("/sessions/v1/sessions/{sessionId}/breakouts/{breakoutId}/close", { params: { path }, body: {} })),
    onSettled: refresh,
  });
  const rooms = round.rooms ?? [];
  const targets = [...rooms.map((r) => ({ id: r.id!, name: roomLabel(r, t) })), { id: "main", name: t("sessions.control.mainRoom") }];
  const member = (uid: string, name: string, here: string) => (
    <li key={uid}>
      <span>{name || t("sessions.participantFallback")}</span>
      <label className="visually-hidden" htmlFor={`move-${uid}`}>
        {t("sessions.control.moveTo", { name })}
      </label>
      <select
        id={`move-${uid}`}
        value={here}
        disabled={move.isPending}
        onChange={(e) => move.mutate({ uid, to_room: e.target.value })}
      >
        {targets.map((x) => (
          <option key={x.id} value={x.id}>
            {x.name}
          </option>
        ))}
      </select>
    </li>
  );
  return (
    <div className="breakout-control">
      <Countdown round={round} updatedAt={updatedAt} />
      <div className="rooms">
        {rooms.map((r) => (
          <div key={r.id} className="room">
            <h3>{roomLabel(r, t)}</h3>
            <ul className="list">{r.members?.map((m) => member(m.uid!, m.display_name ?? "", r.id!))}</ul>
          </div>
        ))}
        {(round.main_room?.length ?? 0) > 0 && (
          <div className="room">
            <h3>{t("sessions.control.mainRoom")}</h3>
            <ul className="list">{round.main_room!.map((m) => member(m.uid!, m.display_name ?? "", "main"))}</ul>
          </div>
        )}
      </div>
      <div className="actions">
        <button type="button" className="button secondary" disabled={extend.isPending} onClick={() => extend.mutate()}>
          {t("sessions.control.extend")}
        </button>
        <button type="button" className="button" disabled={close.isPending} onClick={() => close.mutate()}>
          {t("sessions.control.bringBack")}
        </button>
      </div>
      {[extend, move, close].map((m, i) => m.isError && <ProblemNote key={i} error={m.error} />)}
    </div>
  );
}

function Breakouts({ id, roundId, drawId }: { id: string; roundId?: string; drawId?: string }) {
  const { t } = useTranslation();
  const round = useRound(id, roundId);
  return (
    <section className="live-block" aria-labelledby="breakouts-title">
      <h2 id="breakouts-title">{t("sessions.breakout.controlTitle")}</h2>
      {roundId && round.data ? (
        <BreakoutControl id={id} round={round.data} updatedAt={round.dataUpdatedAt} />
      ) : (
        <OpenBreakoutForm id={id} drawId={drawId} />
      )}
    </section>
  );
}

export function LiveControl() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const refresh = useInvalidate(id);
  const { session, live, running, draw, socket } = useLiveSession(id);
  const [tray, setTray] = useTray(id);
  // The draw form holds the tray's cards once the copilot's tray asks it to.
  const [prefilled, setPrefilled] = useState(false);
  const participants = useQuery({
    queryKey: ["sessions", id, "participants"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}/participants", { params: { path: { sessionId: id } } })),
    refetchInterval: running || live.data?.status === "scheduled" ? (socket === "open" ? fallbackPollMs : 5000) : false,
  });
  const start = useMutation({
    mutationFn: () => data(api.POST("/sessions/v1/sessions/{sessionId}/start", { params: { path: { sessionId: id } }, body: {} })),
    onSettled: refresh,
  });
  if (live.isPending || session.isPending) return <Loading />;
  if (!live.data || !session.data)
    return (
      <section className="card">
        <ProblemNote error={live.error ?? session.error} onRetry={() => void live.refetch()} />
      </section>
    );
  const l = live.data;
  const names: Names = new Map((participants.data?.participants ?? []).map((p) => [p.uid ?? "", p.display_name || p.email || ""]));
  const joined = (participants.data?.participants ?? []).filter((p) => p.state === "joined").length;
  return (
    <section className="card wide live" aria-labelledby="control-title">
      <div className="title-row">
        <h1 id="control-title">{session.data.title}</h1>
        <StatusBadge status={l.status} />
      </div>
      <p className="hint">
        <Link to={`/sessions/${id}`}>{t("sessions.control.details")}</Link> ·{" "}
        <Link to={`/canvas?session=${encodeURIComponent(id)}`}>{t("canvas.openFromSession")}</Link> · {t("sessions.control.joinedNow", { count: joined })}
      </p>
      <ConnectionNote failing={live.isError} />
      {l.status === "scheduled" && (
        <div className="notice">
          <p>{t("sessions.control.notStarted", { first: l.next_title ?? "" })}</p>
          <button type="button" className="button" onClick={() => start.mutate()} disabled={start.isPending}>
            {t("sessions.control.start")}
          </button>
          {start.isError && <ProblemNote error={start.error} />}
        </div>
      )}
      {l.status === "ended" && (
        <p className="notice">
          {t("sessions.control.ended")} <Link to={`/sessions/${id}/retrospective`}>{t("insights.retro.open")}</Link>
        </p>
      )}
      {l.status === "cancelled" && <p className="notice">{t("sessions.live.cancelled")}</p>}
      {running && <StepControls id={id} live={l} />}
      {(running || draw.data) && (
        <section className="live-block" aria-labelledby="draws-title">
          <h2 id="draws-title">{t("sessions.control.drawsTitle")}</h2>
          {draw.data && <DrawControl id={id} draw={draw.data} names={names} />}
          {running && !l.open_draw_id && (
            <>
              {draw.data && <h3>{t("sessions.control.newDraw")}</h3>}
              <OpenDrawForm
                id={id}
                phase={l.step?.phase}
                cards={prefilled ? tray.cards : []}
                onUseDeck={() => setPrefilled(false)}
                onOpened={() => {
                  if (!prefilled) return;
                  setPrefilled(false);
                  setTray((tr) => ({ ...tr, cards: [] }));
                }}
              />
            </>
          )}
        </section>
      )}
      {running && <CopilotPanel id={id} drawOpen={!!l.open_draw_id} tray={tray} setTray={setTray} onPrefill={() => setPrefilled(true)} />}
      {running && <InsightsPanel id={id} names={names} />}
      {(running || l.status === "ended") && <SafetyAlerts id={id} live={running} />}
      {running && <Breakouts id={id} roundId={l.open_breakout_id} drawId={l.latest_draw_id} />}
      <div className="panels">
        <ParticipantsPanel id={id} poll={running ? (socket === "open" ? fallbackPollMs : 5000) : undefined} manage={running || l.status === "scheduled"} />
        {l.status !== "cancelled" && <HomeworkPanel id={id} />}
      </div>
    </section>
  );
}
