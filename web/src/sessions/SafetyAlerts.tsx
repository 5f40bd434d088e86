// Support alerts in the facilitator's live control: when a participant's
// message to the coach in this session sounded like a crisis, the coach
// answered with resources and the facilitator sees who (never what they
// wrote), to check in with them. Polled every 15 s while the session is
// live; each alert is acknowledged once.
import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ackAlert, listAlerts, type Alert } from "../coach/api";
import { formatWhen, ProblemNote, useTimeZone } from "./lib";

export const alertPollMs = 15_000;

export function SafetyAlerts({ id, live }: { id: string; live: boolean }) {
  const { t, i18n } = useTranslation();
  const zone = useTimeZone();
  const queryClient = useQueryClient();
  const key = ["coach", "alerts", id];
  const alerts = useQuery({
    queryKey: key,
    queryFn: () => listAlerts(id),
    refetchInterval: live ? alertPollMs : false,
  });
  const ack = useMutation({
    mutationFn: (alertId: string) => ackAlert(id, alertId),
    onSuccess: (a) =>
      queryClient.setQueryData<{ alerts: Alert[] }>(key, (old) => old && { alerts: old.alerts.map((x) => (x.id === a.id ? { ...x, ...a, acknowledged: true } : x)) }),
  });
  // Alerts that arrive while the page is open are announced once.
  const seen = useRef<Set<string> | null>(null);
  const [announce, setAnnounce] = useState("");
  const list = alerts.data?.alerts ?? [];
  useEffect(() => {
    if (!alerts.data) return;
    const open = alerts.data.alerts.filter((a) => !a.acknowledged);
    if (seen.current) {
      const fresh = open.filter((a) => !seen.current!.has(a.id));
      if (fresh.length > 0) setAnnounce(fresh.map((a) => t("coach.alerts.announce", { name: a.display_name || t("coach.alerts.someone") })).join(" "));
    }
    seen.current = new Set(alerts.data.alerts.map((a) => a.id));
  }, [alerts.data, t]);
  const sorted = [...list].sort((a, b) => Number(a.acknowledged) - Number(b.acknowledged) || b.created_at.localeCompare(a.created_at));
  return (
    <section className="live-block support-alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t("coach.alerts.title")}</h2>
      <p className="visually-hidden" role="alert">
        {announce}
      </p>
      {alerts.isError && <ProblemNote error={alerts.error} onRetry={() => void alerts.refetch()} />}
      {alerts.isSuccess && sorted.length === 0 && <p className="hint">{t("coach.alerts.none")}</p>}
      {sorted.length > 0 && (
        <ul className="support-alert-list">
          {sorted.map((a) => {
            const name = a.display_name || t("coach.alerts.someone");
            return (
              <li key={a.id} className={a.acknowledged ? "support-alert done" : "support-alert"}>
                <div>
                  <p className="support-alert-text">{t("coach.alerts.alert", { name })}</p>
                  <p className="hint">
                    <time dateTime={a.created_at}>{formatWhen(a.created_at, zone, i18n.language, false)}</time>
                  </p>
                  {!a.acknowledged && <p className="hint">{t("coach.alerts.hint")}</p>}
                </div>
                {a.acknowledged ? (
                  <span className="badge">{t("coach.alerts.acknowledged")}</span>
                ) : (
                  <button type="button" className="button secondary small" disabled={ack.isPending} onClick={() => ack.mutate(a.id)} aria-label={t("coach.alerts.ackOf", { name })}>
                    {t("coach.alerts.ack")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {ack.isError && <ProblemNote error={ack.error} />}
    </section>
  );
}
