// The organisation's plan and seats (/organisation/billing, org admins):
// seats paid for and held, a form to change how many (never fewer than the
// people holding one: the API answers 409, shown as such), the billing
// portal and the organisation's invoices.
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Loading } from "../components";
import { useOrg } from "../organisation/context";
import { intlLocale } from "../sessions/format";
import { billingKey, portal, setSeats, useBilling, useInvoices, type Billing, type OrgBilling as Org } from "./api";
import { go, useCheckoutReturn } from "./checkout";
import { grace, seatsRefusal } from "./model";
import { GraceBanner, Invoices, ProblemText, ReturnNotice } from "./parts";
import "./billing.css";

const here = "/organisation/billing";

const refusalKeys = { inUse: "billing.seats.refused", noPlan: "billing.seats.noPlan", invalid: "billing.seats.notAllowed" } as const;

function SeatsForm({ org }: { org: Org }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const inputId = useId();
  const hintId = useId();
  const [seats, setValue] = useState(String(org.seats.allowed || org.seats.used || 1));
  const change = useMutation({
    mutationFn: (n: number) => setSeats(org.org_id, n),
    onSuccess: (r) => {
      queryClient.setQueryData<Billing>(billingKey, (b) => (b?.org ? { ...b, org: { ...b.org, seats: r.seats } } : b));
      void queryClient.invalidateQueries({ queryKey: ["billing"] });
    },
  });
  const n = Number(seats);
  const valid = Number.isInteger(n) && n >= 1 && n <= 10000;
  const num = new Intl.NumberFormat(intlLocale(i18n.language));
  function submit(e: FormEvent) {
    e.preventDefault();
    if (valid) change.mutate(n);
  }
  const refusal = change.isError ? seatsRefusal(change.error) : undefined;
  const bad = !valid || refusal === "inUse" || refusal === "invalid";
  return (
    <form className="bill-seats-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={inputId}>{t("billing.seats.label")}</label>
        <input
          id={inputId}
          type="number"
          inputMode="numeric"
          min={Math.max(1, org.seats.used)}
          max={10000}
          value={seats}
          aria-invalid={bad ? true : undefined}
          aria-describedby={hintId}
          onChange={(e) => {
            setValue(e.target.value);
            change.reset();
          }}
        />
        <p id={hintId} className={bad ? "field-error" : "hint"}>
          {!valid
            ? t("billing.seats.invalid")
            : refusal === "inUse"
              ? t("billing.seats.inUse", { used: num.format(org.seats.used) })
              : t("billing.seats.hint", { used: num.format(org.seats.used) })}
        </p>
      </div>
      <button type="submit" className="button" disabled={change.isPending}>
        {change.isPending ? t("app.saving") : t("billing.seats.submit")}
      </button>
      {(refusal === "inUse" || refusal === "noPlan" || refusal === "invalid") && (
        <p className="error" role="alert">
          {t(refusalKeys[refusal])}
        </p>
      )}
      {refusal === "other" && <ProblemText error={change.error} />}
      <p className="status" role="status">
        {change.isSuccess ? t("billing.seats.saved", { n: num.format(change.data.seats.allowed) }) : ""}
      </p>
    </form>
  );
}

function SeatsCard({ org, paying }: { org: Org; paying: boolean }) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const labelId = useId();
  const num = new Intl.NumberFormat(intlLocale(i18n.language));
  const { allowed, used } = org.seats;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("billing.seats.title")}</h2>
      {allowed > 0 ? (
        <div className={used >= allowed ? "bill-meter warning" : "bill-meter"}>
          <div className="bill-meter-line">
            <span id={labelId}>{t("billing.seats.used")}</span>
            <span className="bill-meter-figures">{t("billing.usage.figures", { used: num.format(used), allowed: num.format(allowed) })}</span>
          </div>
          <meter aria-labelledby={labelId} min={0} max={allowed} value={Math.min(used, allowed)} high={Math.max(1, allowed - 1)} optimum={0} />
          {used >= allowed && <p className="bill-meter-note">{t("billing.seats.full")}</p>}
        </div>
      ) : (
        <p>{t("billing.seats.unlimited", { used: num.format(used) })}</p>
      )}
      <p className="hint">{t("billing.seats.who")}</p>
      {org.can_manage && paying && <SeatsForm key={allowed} org={org} />}
    </section>
  );
}

export default function OrgBilling() {
  const { t } = useTranslation();
  const { orgId, admin } = useOrg();
  const back = useCheckoutReturn();
  const billing = useBilling();
  const invoicesId = useId();
  const org = billing.data?.org && billing.data.org.org_id === orgId ? billing.data.org : undefined;
  const invoices = useInvoices("org", orgId, !!org?.can_manage);
  const manage = useMutation({ mutationFn: async () => go((await portal({ scope: "org", org_id: orgId, return_path: here })).url) });
  if (!admin) return <p className="card">{t("billing.org.adminsOnly")}</p>;
  if (billing.isPending) return <Loading />;
  if (billing.isError)
    return (
      <section className="card">
        <ProblemText error={billing.error} retry={() => void billing.refetch()} />
      </section>
    );
  if (!org) return <p className="card">{t("billing.org.none")}</p>;
  // A subscription bought here always has seats (at least the plan's
  // minimum); a plan above free without them was given by an operator.
  const paying = org.tier !== "free" && org.status !== "canceled" && org.seats.allowed > 0;
  const granted = org.tier !== "free" && !paying && org.status !== "canceled";
  return (
    <div className="bill-org">
      <ReturnNotice state={back} />
      <GraceBanner grace={grace({ ...billing.data, personal: null })} onManage={() => manage.mutate()} pending={manage.isPending} />
      <section className="card">
        <h2>{t("billing.org.plan")}</h2>
        <p className="bill-tier">
          <span className="bill-tier-name">{t(`tier.${org.tier}`)}</span>
        </p>
        <p className="hint">{t(paying ? "billing.org.paying" : granted ? "billing.org.granted" : "billing.org.notPaying")}</p>
        {!granted && (
          <div className="bill-actions">
            {paying ? (
              <button type="button" className="button secondary" onClick={() => manage.mutate()} disabled={manage.isPending}>
                {t("billing.manage")}
              </button>
            ) : (
              <Link className="button" to="/pricing">
                {t("billing.account.seePlans")}
              </Link>
            )}
          </div>
        )}
        {manage.isError && <ProblemText error={manage.error} />}
      </section>
      <SeatsCard org={org} paying={paying} />
      {paying && (
        <section className="card" aria-labelledby={invoicesId}>
          <h2 id={invoicesId}>{t("billing.invoices.title")}</h2>
          {invoices.isPending ? (
            <p role="status">{t("app.loading")}</p>
          ) : invoices.isError ? (
            <ProblemText error={invoices.error} retry={() => void invoices.refetch()} />
          ) : (
            <Invoices invoices={invoices.data.invoices} />
          )}
        </section>
      )}
    </div>
  );
}
