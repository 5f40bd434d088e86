// The person's plan and billing (/account/billing): which plan applies and
// where it comes from, the month's usage, a failed payment's grace period,
// the billing portal (change plan, cancel, payment method) and the
// invoices. The payment page returns here.
import { useId } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation } from "@tanstack/react-query";
import { Loading } from "../components";
import { portal, useBilling, useInvoices, type Billing } from "./api";
import { go, useCheckoutReturn } from "./checkout";
import { formatDay } from "./format";
import { grace, paidPersonal } from "./model";
import { GraceBanner, Invoices, ProblemText, ReturnNotice } from "./parts";
import { UsageMeters } from "./Usage";
import "./billing.css";

const here = "/account/billing";

// source says where the plan that applies comes from.
function source(b: Billing): "own" | "org" | "granted" | "free" {
  if (paidPersonal(b) && b.personal?.tier === b.tier) return "own";
  if (b.org && b.org.tier === b.tier && b.tier !== "free") return "org";
  if (b.tier !== "free") return "granted";
  return "free";
}

function PlanCard({ b, manage, pending }: { b: Billing; manage: () => void; pending: boolean }) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const p = b.personal;
  const own = paidPersonal(b);
  const end = formatDay(p?.current_period_end, i18n.language);
  const from = source(b);
  return (
    <section className="card bill-plan-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("billing.account.plan")}</h2>
      <p className="bill-tier">
        <span className="bill-tier-name">{t(`tier.${b.tier}`)}</span>
      </p>
      <p className="hint">{t(`billing.account.source.${from}`)}</p>
      {own && end && <p>{t(p?.cancel_at_period_end ? "billing.account.endsOn" : "billing.account.renewsOn", { date: end })}</p>}
      <div className="bill-actions">
        <Link className={own ? "button secondary" : "button"} to="/pricing">
          {t(own ? "billing.account.comparePlans" : "billing.account.seePlans")}
        </Link>
        {p?.source === "billing" && (
          <button type="button" className="button secondary" onClick={manage} disabled={pending}>
            {t("billing.manage")}
          </button>
        )}
      </div>
      {own && <p className="hint">{t("billing.account.portalHint")}</p>}
    </section>
  );
}

export default function Account() {
  const { t } = useTranslation();
  const headingId = useId();
  const invoicesId = useId();
  const back = useCheckoutReturn();
  const billing = useBilling();
  const hasOwn = !!billing.data?.personal && billing.data.personal.source === "billing";
  const invoices = useInvoices("personal", undefined, hasOwn);
  const manage = useMutation({ mutationFn: async () => go((await portal({ scope: "personal", return_path: here })).url) });
  const orgManage = useMutation({
    mutationFn: async () => go((await portal({ scope: "org", org_id: billing.data?.org?.org_id, return_path: here })).url),
  });
  return (
    <div className="bill-page">
      <header className="bill-head">
        <h1 id={headingId}>{t("billing.account.title")}</h1>
      </header>
      <ReturnNotice state={back} />
      {billing.isPending ? (
        <Loading />
      ) : billing.isError ? (
        <section className="card">
          <ProblemText error={billing.error} retry={() => void billing.refetch()} />
        </section>
      ) : (
        <>
          <GraceBanner
            grace={grace(billing.data)}
            onManage={() => (grace(billing.data)?.scope === "org" ? orgManage.mutate() : manage.mutate())}
            pending={manage.isPending || orgManage.isPending}
          />
          {(manage.isError || orgManage.isError) && (
            <section className="card">
              <ProblemText error={manage.error ?? orgManage.error} />
            </section>
          )}
          <div className="bill-columns">
            <PlanCard b={billing.data} manage={() => manage.mutate()} pending={manage.isPending} />
            <UsageMeters usage={billing.data.usage} />
          </div>
          {billing.data.org?.can_manage && (
            <section className="card">
              <h2>{t("billing.account.orgTitle")}</h2>
              <p>{t("billing.account.orgLead", { plan: t(`tier.${billing.data.org.tier}`) })}</p>
              <Link to="/organisation/billing">{t("billing.account.orgLink")}</Link>
            </section>
          )}
          <section className="card" aria-labelledby={invoicesId}>
            <h2 id={invoicesId}>{t("billing.invoices.title")}</h2>
            {!hasOwn ? (
              <p className="hint">{t("billing.invoices.none")}</p>
            ) : invoices.isPending ? (
              <p role="status">{t("app.loading")}</p>
            ) : invoices.isError ? (
              <ProblemText error={invoices.error} retry={() => void invoices.refetch()} />
            ) : (
              <Invoices invoices={invoices.data.invoices} />
            )}
          </section>
        </>
      )}
    </div>
  );
}
