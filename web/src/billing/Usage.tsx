// The month's usage of the plan's allowances (AI interactions, content
// uses): a meter each, in the warning colour from 80 %, and the day the
// counts start again.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { intlLocale } from "../sessions/format";
import type { Meter, Usage } from "./api";
import { meterState } from "./model";
import { formatDay } from "./format";

function UsageMeter({ name, meter }: { name: "ai_interactions" | "content_uses"; meter: Meter }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const s = meterState(meter);
  const num = new Intl.NumberFormat(intlLocale(i18n.language));
  const percent = new Intl.NumberFormat(intlLocale(i18n.language), { style: "percent" }).format(s.share);
  return (
    <div className={s.warning ? "bill-meter warning" : "bill-meter"}>
      <div className="bill-meter-line">
        <span id={`${id}-label`}>{t(`billing.usage.${name}`)}</span>
        <span className="bill-meter-figures">{t("billing.usage.figures", { used: num.format(s.used), allowed: num.format(s.allowed) })}</span>
      </div>
      <meter
        aria-labelledby={`${id}-label`}
        aria-describedby={s.warning ? `${id}-note` : undefined}
        aria-valuetext={t("billing.usage.valueText", { used: num.format(s.used), allowed: num.format(s.allowed), percent })}
        min={0}
        max={s.allowed || 1}
        value={Math.min(s.used, s.allowed || 1)}
        low={Math.floor((s.allowed || 1) * 0.8)}
        high={Math.max(1, (s.allowed || 1) - 1)}
        optimum={0}
      />
      {s.warning && (
        <p id={`${id}-note`} className="bill-meter-note">
          {s.out ? t("billing.usage.out") : t("billing.usage.warning", { percent })}
        </p>
      )}
    </div>
  );
}

export function UsageMeters({ usage, headingLevel = 2 }: { usage: Usage; headingLevel?: 2 | 3 }) {
  const { t, i18n } = useTranslation();
  const H = headingLevel === 2 ? "h2" : "h3";
  const headingId = useId();
  const day = formatDay(usage.resets_at, i18n.language);
  return (
    <section className="card bill-usage" aria-labelledby={headingId}>
      <H id={headingId}>{t("billing.usage.title")}</H>
      <UsageMeter name="ai_interactions" meter={usage.ai_interactions} />
      <UsageMeter name="content_uses" meter={usage.content_uses} />
      {day && <p className="hint">{t("billing.usage.resets", { date: day })}</p>}
    </section>
  );
}
