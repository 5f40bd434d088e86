// The month's coach answers: how many are used of the plan's limit, in a
// warning colour from 80 %, and once none are left, when they come back.
import { useTranslation } from "react-i18next";
import { intlLocale } from "../sessions/format";
import type { Credits, CreditsProblem } from "./api";

/** warningShare is the share of the limit from which the meter warns. */
export const warningShare = 0.8;

// creditsState says what the meter shows for the month's figures and,
// if the coach refused an answer for want of credits, its problem.
export function creditsState(c: Credits | undefined, exhausted?: CreditsProblem) {
  const limit = exhausted?.limit ?? c?.limit ?? 0;
  const used = exhausted ? Math.max(limit, c?.used ?? 0) : (c?.used ?? 0);
  const out = !!exhausted || (!!c && c.limit > 0 && c.remaining <= 0);
  const warning = out || !!c?.warning || (limit > 0 && used / limit >= warningShare);
  return { used: Math.min(used, limit || used), limit, out, warning, resetsAt: exhausted?.resets_at ?? c?.resets_at };
}

export function formatDay(iso: string | undefined, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "long" }).format(d);
}

export function CreditsMeter({ credits, exhausted }: { credits?: Credits; exhausted?: CreditsProblem }) {
  const { t, i18n } = useTranslation();
  if (!credits && !exhausted) return null;
  const s = creditsState(credits, exhausted);
  const num = new Intl.NumberFormat(intlLocale(i18n.language));
  const day = formatDay(s.resetsAt, i18n.language);
  return (
    <div className={s.warning ? "coach-credits warning" : "coach-credits"}>
      <div className="coach-credits-line">
        <span id="coach-credits-label">{t("coach.credits.label")}</span>
        <span className="coach-credits-figures">{t("coach.credits.used", { used: num.format(s.used), limit: num.format(s.limit) })}</span>
      </div>
      <meter aria-labelledby="coach-credits-label" min={0} max={s.limit || 1} value={s.used} low={Math.floor((s.limit || 1) * warningShare)} high={Math.max(1, (s.limit || 1) - 1)} optimum={0} />
      {s.out ? (
        <p className="coach-credits-out" role="alert">
          {day ? t("coach.credits.exhausted", { limit: num.format(s.limit), date: day }) : t("coach.credits.exhaustedNoDate", { limit: num.format(s.limit) })}
        </p>
      ) : (
        day && <p className="hint">{t(s.warning ? "coach.credits.warning" : "coach.credits.resets", { date: day })}</p>
      )}
    </div>
  );
}
