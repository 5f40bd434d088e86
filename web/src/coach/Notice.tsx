// What the coach can and cannot see, said plainly at the top of the chat,
// with the one choice that changes it: the coach_memory consent, given or
// withdrawn right here through the consent API, with a receipt like every
// decision on the privacy page.
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { getPolicy, getState } from "../privacy/api";
import { useDecision } from "../privacy/Consents";
import { configKey, problemKey } from "./api";

const seenKey = "coach.notice.seen";

function MemorySwitch({ fallback }: { fallback: boolean }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const state = useQuery({ queryKey: ["consent", "state"], queryFn: getState });
  const policy = useQuery({ queryKey: ["consent", "policy", "coach_memory"], queryFn: () => getPolicy("coach_memory"), retry: false, staleTime: 10 * 60_000 });
  const change = useDecision("coach_memory", policy.data);
  const entry = state.data?.purposes?.find((e) => e.purpose === "coach_memory" && !e.org && e.receipt_seq > 0);
  const on = state.data ? !!entry?.granted : fallback;
  const text = policy.data && (policy.data.texts[i18n.language] ?? policy.data.texts.en);
  const purpose = t("privacy.purposes.coach_memory.title");
  function toggle() {
    change.mutate(on ? "withdraw" : "grant", {
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: configKey }),
    });
  }
  return (
    <div className="coach-memory">
      <div className="coach-switch-row">
        <span id="coach-memory-label" className="coach-switch-label">
          {t("coach.notice.memory")}
        </span>
        <button
          type="button"
          role="switch"
          className="coach-switch"
          aria-checked={on}
          aria-labelledby="coach-memory-label"
          aria-describedby="coach-memory-hint"
          disabled={change.isPending || state.isPending || (!on && !policy.data)}
          onClick={toggle}
        >
          <span className="coach-switch-knob" aria-hidden="true" />
          <span className="coach-switch-state" aria-hidden="true">
            {on ? t("privacy.consents.on") : t("privacy.consents.off")}
          </span>
        </button>
      </div>
      <p id="coach-memory-hint" className="hint">
        {on ? t("coach.notice.memoryOn") : t("coach.notice.memoryOff")}
      </p>
      {policy.data && text && (
        <details className="coach-policy">
          <summary>{t("privacy.consents.policy", { version: policy.data.version })}</summary>
          <p lang={policy.data.texts[i18n.language] ? i18n.language : "en"}>{text}</p>
        </details>
      )}
      {policy.isError && <p className="hint">{t("privacy.consents.noPolicy")}</p>}
      {(change.isError || state.isError) && (
        <p className="error" role="alert">
          {t(problemKey(change.error ?? state.error))}
        </p>
      )}
      <p className="status" role="status">
        {change.isSuccess ? t(on ? "privacy.consents.grantedNow" : "privacy.consents.withdrawnNow", { purpose }) : ""}
      </p>
      {change.isSuccess && (
        <p className="hint">
          <Link to="/privacy">{t("coach.notice.receipts")}</Link>
        </p>
      )}
    </div>
  );
}

export function CoachNotice({ memory }: { memory: boolean }) {
  const { t } = useTranslation();
  // Open the first time, so nobody talks to the coach without having seen it.
  const [open] = useState(() => globalThis.localStorage?.getItem(seenKey) !== "1");
  return (
    <details
      className="coach-notice"
      open={open}
      onToggle={(e) => {
        if (!(e.currentTarget as HTMLDetailsElement).open) globalThis.localStorage?.setItem(seenKey, "1");
      }}
    >
      <summary>{t("coach.notice.title")}</summary>
      <div className="coach-notice-body">
        <ul className="coach-notice-list">
          <li>{t("coach.notice.sees")}</li>
          <li>{memory ? t("coach.notice.earlierOn") : t("coach.notice.earlierOff")}</li>
          <li>{t("coach.notice.never")}</li>
          <li>{t("coach.notice.licensed")}</li>
          <li>{t("coach.notice.notTherapist")}</li>
          <li>{t("coach.notice.crisis")}</li>
        </ul>
        <MemorySwitch fallback={memory} />
      </div>
    </details>
  );
}
