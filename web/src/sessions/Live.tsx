// The participant's live view: where the session is, the draw (choose from
// a face-up spread or draw face down), my picks, the picks the facilitator
// revealed, my breakout room with its timer, and homework at the end.
// Until the realtime gateway exists it polls.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, data } from "../api/client";
import { Loading } from "../components";
import { useUser } from "../session";
import { useRealtimeStatus } from "../realtime";
import {
  cardLabel,
  formatDate,
  ConnectionNote,
  Countdown,
  PhaseFlow,
  ProblemNote,
  StatusBadge,
  useLiveSession,
  pollWhile,
  roomLabel,
  useRound,
  type Draw,
  type Live,
  type Pick,
} from "./lib";
import { JournalPanel } from "./JournalPanel";

export function PickCard({ pick, mine }: { pick: Pick; mine: boolean }) {
  const { t } = useTranslation();
  return (
    <li className={`drawn-card kind-${pick.kind ?? "card"}`}>
      <span className="card-kind">{pick.kind ? t(`sessions.draw.kind.${pick.kind}`) : ""}</span>
      <span className="card-title">{cardLabel(pick, t("sessions.draw.aCard"))}</span>
      {!mine && <span className="card-owner">{pick.display_name ? t("sessions.draw.whose", { name: pick.display_name }) : t("sessions.participantFallback")}</span>}
      {mine && (
        <span className={pick.revealed ? "visibility revealed" : "visibility private"}>
          {pick.revealed ? t("sessions.draw.revealedToAll") : t("sessions.draw.onlyYou")}
        </span>
      )}
    </li>
  );
}

function DrawPanel({ id, draw, uid }: { id: string; draw: Draw; uid: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const pick = useMutation({
    mutationFn: (cardId?: string) =>
      data(
        api.POST("/sessions/v1/sessions/{sessionId}/draws/{drawId}/picks", {
          params: { path: { sessionId: id, drawId: draw.id! } },
          body: cardId ? { card_id: cardId } : {},
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["sessions", id, "draw", draw.id] }),
  });
  const picks = draw.picks ?? [];
  const mine = picks.filter((p) => p.uid === uid);
  const others = picks.filter((p) => p.uid !== uid && p.revealed);
  const canPick = draw.status === "open" && mine.length < (draw.picks_per_person ?? 1);
  return (
    <section className="live-block draw" aria-labelledby="draw-title">
      <h2 id="draw-title">{draw.mode === "face_up" ? t("sessions.draw.faceUpTitle") : t("sessions.draw.faceDownTitle")}</h2>
      <p className="hint">
        {draw.status === "open"
          ? canPick
            ? draw.mode === "face_up"
              ? t("sessions.draw.chooseHint")
              : t("sessions.draw.drawHint")
            : t("sessions.draw.pickedHint")
          : t("sessions.draw.closed")}
      </p>
      {canPick && draw.mode === "face_down" && (
        <button type="button" className="button draw-button" onClick={() => pick.mutate(undefined)} disabled={pick.isPending}>
          {t("sessions.draw.drawCard")}
        </button>
      )}
      {canPick && draw.mode === "face_up" && (
        <ul className="spread" aria-label={t("sessions.draw.spread")}>
          {(draw.spread ?? []).map((c) => (
            <li key={c.card_id}>
              <button
                type="button"
                className={`spread-card kind-${c.kind}`}
                disabled={c.taken || pick.isPending}
                onClick={() => pick.mutate(c.card_id)}
              >
                <span className="card-title">{cardLabel(c, t("sessions.draw.aCard"))}</span>
                {c.taken && <span className="card-kind">{t("sessions.draw.taken")}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      {pick.isError && <ProblemNote error={pick.error} />}
      <h3>{t("sessions.draw.myPicks")}</h3>
      {mine.length === 0 ? (
        <p className="empty">{t("sessions.draw.noPick")}</p>
      ) : (
        <ul className="drawn" aria-label={t("sessions.draw.myPicks")}>
          {mine.map((p) => (
            <PickCard key={`${p.uid}-${p.slot}`} pick={p} mine />
          ))}
        </ul>
      )}
      <h3>{t("sessions.draw.revealedTitle")}</h3>
      {others.length === 0 ? (
        <p className="privacy-note">{t("sessions.draw.othersHidden")}</p>
      ) : (
        <ul className="drawn" aria-label={t("sessions.draw.revealedTitle")}>
          {others.map((p) => (
            <PickCard key={`${p.uid}-${p.slot}`} pick={p} mine={false} />
          ))}
        </ul>
      )}
    </section>
  );
}

function BreakoutPanel({ id, roundId }: { id: string; roundId: string }) {
  const { t } = useTranslation();
  const round = useRound(id, roundId);
  if (!round.data) return null;
  const r = round.data;
  const room = r.rooms?.find((x) => x.id === r.my_room);
  return (
    <section className="live-block breakout" aria-labelledby="breakout-title">
      <h2 id="breakout-title">{t("sessions.breakout.title")}</h2>
      {r.my_room === "main" || !room ? (
        <p>{t("sessions.breakout.mainRoom")}</p>
      ) : (
        <>
          <p className="room-name">{t("sessions.breakout.yourRoom", { room: roomLabel(room, t) })}</p>
          <ul className="people" aria-label={t("sessions.breakout.withYou")}>
            {room.members?.map((m) => (
              <li key={m.uid}>{m.display_name || t("sessions.participantFallback")}</li>
            ))}
          </ul>
        </>
      )}
      <Countdown round={r} updatedAt={round.dataUpdatedAt} />
    </section>
  );
}

function StepHeader({ live }: { live: Live }) {
  const { t } = useTranslation();
  const step = live.step;
  if (!step) return null;
  return (
    <div className="step">
      <PhaseFlow current={step.phase} />
      <p className="step-count">{t("sessions.live.stepOf", { step: (live.current?.step ?? 0) + 1, steps: live.steps ?? 0 })}</p>
      <h2 className="step-title">{step.title}</h2>
      {live.status === "live" && <p className="hint">{t("sessions.live.minutesLeft", { count: live.remaining_minutes ?? 0 })}</p>}
      {live.next_title && live.status === "live" && <p className="hint">{t("sessions.live.next", { title: live.next_title })}</p>}
    </div>
  );
}

function SessionHomework({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const q = useQuery({
    queryKey: ["sessions", id, "homework"],
    queryFn: () => data(api.GET("/sessions/v1/sessions/{sessionId}/homework", { params: { path: { sessionId: id } } })),
    refetchInterval: pollWhile(useRealtimeStatus()),
  });
  const items = q.data?.homework ?? [];
  return (
    <section className="live-block" aria-labelledby="live-homework-title">
      <h2 id="live-homework-title">{t("sessions.home.homeworkTitle")}</h2>
      {items.length === 0 ? (
        <p className="empty">{t("sessions.live.noHomework")}</p>
      ) : (
        <ul className="list">
          {items.map((h) => (
            <li key={h.id}>
              <strong>{h.title}</strong>
              {h.due && <span className="hint">{t("sessions.homework.due", { date: formatDate(h.due, i18n.language) })}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function LiveView() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const user = useUser();
  const { session, live, draw } = useLiveSession(id);
  if (live.isPending || session.isPending) return <Loading />;
  if (!live.data)
    return (
      <section className="card">
        <ProblemNote error={live.error} onRetry={() => void live.refetch()} />
      </section>
    );
  const l = live.data;
  return (
    <section className="card wide live" aria-labelledby="live-title">
      <div className="title-row">
        <h1 id="live-title">{session.data?.title ?? t("sessions.live.title")}</h1>
        <StatusBadge status={l.status} />
      </div>
      <ConnectionNote failing={live.isError} />
      {(l.status === "live" || l.status === "ended") && (
        <p className="live-canvas">
          <Link className="button secondary" to={`/canvas?session=${encodeURIComponent(id)}`}>
            {t("canvas.openFromSession")}
          </Link>{" "}
          {l.status === "live" && (
            <Link className="button secondary" to={`/coach?session=${encodeURIComponent(id)}`}>
              {t("coach.fromSession")}
            </Link>
          )}
        </p>
      )}
      {l.status === "scheduled" && (
        <p className="notice">{t("sessions.live.waiting")}</p>
      )}
      {l.status === "cancelled" && <p className="notice">{t("sessions.live.cancelled")}</p>}
      {l.status === "ended" && (
        <div className="notice ended">
          <p>{t("sessions.live.ended")}</p>
          <Link to="/">{t("sessions.live.home")}</Link>
        </div>
      )}
      {l.status === "live" && <StepHeader live={l} />}
      {l.open_breakout_id && <BreakoutPanel id={id} roundId={l.open_breakout_id} />}
      {draw.data && user && <DrawPanel id={id} draw={draw.data} uid={user.uid} />}
      {l.status === "live" && user && (
        <JournalPanel sessionId={id} phase={l.step?.phase} picks={(draw.data?.picks ?? []).filter((p) => p.uid === user.uid)} />
      )}
      {(l.status === "live" || l.status === "ended") && <SessionHomework id={id} />}
    </section>
  );
}
