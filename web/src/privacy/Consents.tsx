import { useId } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, problemMessageKey } from "../api/problem";
import { decide, getPolicy, getReceipts, getState, purposes, verifyReceipts, type Entry, type Policy, type Purpose, type Receipt } from "./api";

function problemKey(err: unknown) {
  return problemMessageKey(err instanceof ApiError ? err.problem : err);
}

// Consents: every purpose is off until the person turns it on; each
// decision writes a receipt, and withdrawing is one click, like giving.
export function Consents() {
  const { t } = useTranslation();
  const state = useQuery({ queryKey: ["consent", "state"], queryFn: getState });
  const receipts = useQuery({ queryKey: ["consent", "receipts"], queryFn: getReceipts });
  const policies = useQueries({
    queries: purposes.map((p) => ({ queryKey: ["consent", "policy", p], queryFn: () => getPolicy(p), retry: false, staleTime: 10 * 60_000 })),
  });
  if (state.isError) {
    return (
      <section className="card">
        <p className="error" role="alert">{t(problemKey(state.error))}</p>
      </section>
    );
  }
  if (state.isPending) return <p className="card" role="status">{t("app.loading")}</p>;
  // Every purpose is listed; one never decided has no receipt (seq 0).
  const entries = state.data.purposes ?? [];
  return (
    <>
      <ul className="privacy-purposes" aria-label={t("privacy.consents.label")}>
        {purposes.map((p, i) => (
          <PurposeCard
            key={p}
            purpose={p}
            entry={entries.find((e) => e.purpose === p && !e.org && e.receipt_seq > 0)}
            policy={policies[i].data}
            policyMissing={policies[i].isError}
            receipts={(receipts.data?.receipts ?? []).filter((r) => r.purpose === p)}
            receiptsLoading={receipts.isPending}
          />
        ))}
      </ul>
      <VerifyChain count={receipts.data?.receipts.length ?? 0} />
    </>
  );
}

function PurposeCard({ purpose, entry, policy, policyMissing, receipts, receiptsLoading }: {
  purpose: Purpose;
  entry?: Entry;
  policy?: Policy;
  policyMissing: boolean;
  receipts: Receipt[];
  receiptsLoading: boolean;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const granted = !!entry?.granted;
  const change = useDecision(purpose, policy);
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
  const text = policy && (policy.texts[i18n.language] ?? policy.texts.en);
  const title = t(`privacy.purposes.${purpose}.title`);
  const history = [...receipts].reverse();
  return (
    <li className="card privacy-purpose" aria-labelledby={`${id}-title`}>
      <div className="privacy-purpose-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <span className={granted ? "badge privacy-on" : "badge"}>{granted ? t("privacy.consents.on") : t("privacy.consents.off")}</span>
      </div>
      <p>{t(`privacy.purposes.${purpose}.summary`)}</p>
      {policy && text ? (
        <details className="privacy-policy">
          <summary>{t("privacy.consents.policy", { version: policy.version })}</summary>
          <p lang={policy.texts[i18n.language] ? i18n.language : "en"}>{text}</p>
          <p className="hint">{t("privacy.consents.published", { date: when.format(new Date(policy.published_at)) })}</p>
        </details>
      ) : policyMissing ? (
        <p className="hint">{t("privacy.consents.noPolicy")}</p>
      ) : null}
      <p className="hint">
        {entry
          ? t(granted ? "privacy.consents.grantedOn" : "privacy.consents.withdrawnOn", { date: when.format(new Date(entry.at)) })
          : t("privacy.consents.never")}
      </p>
      {change.isError && <p className="error" role="alert">{t(problemKey(change.error))}</p>}
      <p className="status" role="status">
        {change.isSuccess ? t(granted ? "privacy.consents.grantedNow" : "privacy.consents.withdrawnNow", { purpose: title }) : ""}
      </p>
      <div className="actions">
        {granted ? (
          <button type="button" className="button secondary" disabled={change.isPending} onClick={() => change.mutate("withdraw")} aria-label={t("privacy.consents.withdrawFor", { purpose: title })}>
            {t("privacy.consents.withdraw")}
          </button>
        ) : (
          <button type="button" className="button" disabled={change.isPending || !policy} onClick={() => change.mutate("grant")} aria-label={t("privacy.consents.grantFor", { purpose: title })}>
            {t("privacy.consents.grant")}
          </button>
        )}
      </div>
      <details className="privacy-history">
        <summary>{t("privacy.consents.history", { count: receipts.length })}</summary>
        {receiptsLoading ? (
          <p className="hint">{t("app.loading")}</p>
        ) : history.length === 0 ? (
          <p className="hint">{t("privacy.consents.noReceipts")}</p>
        ) : (
          <ol className="privacy-receipts" aria-label={t("privacy.consents.receiptsOf", { purpose: title })}>
            {history.map((r) => (
              <li key={r.seq}>
                <span className={r.decision === "grant" ? "badge privacy-on" : "badge"}>
                  {r.decision === "grant" ? t("privacy.consents.granted") : t("privacy.consents.withdrawn")}
                </span>
                <span>{when.format(new Date(r.at))}</span>
                <span className="hint">
                  {t("privacy.consents.receiptLine", { seq: r.seq, version: r.policy_version })}
                  {r.org ? ` · ${t("privacy.consents.forOrg", { org: r.org })}` : ""}
                </span>
                <code className="privacy-hash" dir="ltr" title={r.hash}>{r.hash.slice(0, 12)}</code>
              </li>
            ))}
          </ol>
        )}
      </details>
    </li>
  );
}

// useDecision grants or withdraws one purpose in the language of the text
// the person was shown; the receipt it writes joins the purpose's history.
// Other screens that offer a purpose where it matters (the coach's memory)
// use it too, so a decision is the same wherever it is made.
export function useDecision(purpose: Purpose, policy: Policy | undefined) {
  const { i18n } = useTranslation();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (d: "grant" | "withdraw") => decide(purpose, d, policyLocale(policy, i18n.language)),
    onSuccess: async (res) => {
      queryClient.setQueryData(["consent", "state"], { purposes: res.purposes });
      await queryClient.invalidateQueries({ queryKey: ["consent", "receipts"] });
      queryClient.removeQueries({ queryKey: ["consent", "verify"] });
    },
  });
}

// policyLocale is the language of the text the person was shown.
function policyLocale(policy: Policy | undefined, lang: string) {
  return policy?.texts[lang] ? lang : "en";
}

function VerifyChain({ count }: { count: number }) {
  const { t } = useTranslation();
  const verify = useQuery({ queryKey: ["consent", "verify"], queryFn: verifyReceipts, enabled: false });
  return (
    <section className="card" aria-labelledby="verify-title">
      <h2 id="verify-title">{t("privacy.verify.title")}</h2>
      <p>{t("privacy.verify.lead")}</p>
      <button type="button" className="button secondary" disabled={verify.isFetching || count === 0} onClick={() => void verify.refetch()}>
        {verify.isFetching ? t("privacy.verify.checking") : t("privacy.verify.submit")}
      </button>
      <p className={verify.data && !verify.data.intact ? "error" : "status"} role="status">
        {verify.isError
          ? t(problemKey(verify.error))
          : verify.data
            ? verify.data.intact
              ? t("privacy.verify.intact", { count: verify.data.receipts })
              : t("privacy.verify.broken")
            : count === 0
              ? t("privacy.verify.none")
              : ""}
      </p>
    </section>
  );
}
