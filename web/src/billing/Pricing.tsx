// The pricing page (/pricing, open to everyone): the plans as declared in
// infra/billing/plans.yaml, monthly or yearly, in the person's number
// format, with what each gives a month. A signed-in person's plan is
// marked; upgrading goes to the payment page, and someone who already pays
// changes their plan in the billing portal (a second subscription would be
// refused).
import { useId, useState } from "react";
import { Link, useLocation } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation } from "@tanstack/react-query";
import { useUser } from "../session";
import { useMe } from "../me";
import { Loading } from "../components";
import { checkout, portal, useBilling, usePlans, type Billing, type Interval, type Plan } from "./api";
import { go, rememberCheckout } from "./checkout";
import { checkoutRefusal, currentLookupKey, forRole, formatBytes, formatPrice, intervals, offers, paidPersonal, rank, yearlySaving, type Offer } from "./model";
import { ProblemText } from "./parts";
import { intlLocale } from "../sessions/format";
import "./billing.css";

const billingPage = "/account/billing";

function Allowances({ offer }: { offer: Offer }) {
  const { t, i18n } = useTranslation();
  const num = new Intl.NumberFormat(intlLocale(i18n.language));
  const a = offer.allowances;
  return (
    <ul className="bill-allowances">
      <li>{t("billing.pricing.aiInteractions", { n: num.format(a.ai_interactions) })}</li>
      <li>{t("billing.pricing.contentUses", { n: num.format(a.content_uses) })}</li>
      <li>{t("billing.pricing.journal", { n: num.format(a.journal_entries), size: formatBytes(a.journal_bytes, i18n.language) })}</li>
      {offer.tier !== "free" && <li>{t(`billing.pricing.content.${offer.tier}`)}</li>}
    </ul>
  );
}

function Price({ plan, currency }: { plan?: Plan; currency: string }) {
  const { t, i18n } = useTranslation();
  if (!plan)
    return (
      <p className="bill-price">
        <span className="bill-amount">{formatPrice(0, currency, i18n.language)}</span>
      </p>
    );
  const amount = formatPrice(plan.amount, plan.currency, i18n.language);
  return (
    <>
      <p className="bill-price">
        <span className="bill-amount">{amount}</span>{" "}
        <span className="bill-per">{t(plan.per_seat ? `billing.pricing.perSeat.${plan.interval}` : `billing.pricing.per.${plan.interval}`)}</span>
      </p>
      {plan.per_seat && plan.min_seats > 1 && <p className="hint">{t("billing.pricing.minSeats", { n: plan.min_seats })}</p>}
    </>
  );
}

type Start = (plan: Plan, seats?: number) => void;

// Action is the one thing a column offers the person looking at it.
function Action({ offer, billing, signedIn, role, orgId, start, pending, manage }: {
  offer: Offer;
  billing?: Billing;
  signedIn: boolean;
  role?: string;
  orgId?: string;
  start: Start;
  pending: boolean;
  manage: () => void;
}) {
  const { t } = useTranslation();
  const location = useLocation();
  const seatsId = useId();
  const plan = offer.plan;
  const [seats, setSeats] = useState(() => Math.max(plan?.min_seats ?? 1, billing?.org?.seats.used ?? 0));
  const tierName = t(`tier.${offer.tier}`);
  if (offer.tier === "free" || !plan) return null;
  if (!plan.available) return <p className="bill-invitation">{t("billing.pricing.byInvitation")}</p>;
  if (!signedIn)
    return (
      <Link className="button" to="/sign-in" state={{ from: location.pathname }}>
        {t("billing.pricing.signInToChoose")}
      </Link>
    );
  if (plan.per_seat) {
    // An organisation's plan: its admin buys seats for it.
    if (billing?.org?.can_manage && billing.org.tier === offer.tier && billing.org.status !== "canceled")
      return (
        <Link className="button secondary" to="/organisation/billing">
          {t("billing.pricing.manageSeats")}
        </Link>
      );
    if (role !== "org_admin" || !orgId) return <p className="hint">{t("billing.pricing.orgOnly")}</p>;
    return (
      <form
        className="bill-seats-choice"
        onSubmit={(e) => {
          e.preventDefault();
          start(plan, seats);
        }}
      >
        <div className="field">
          <label htmlFor={seatsId}>{t("billing.pricing.seats")}</label>
          <input
            id={seatsId}
            type="number"
            inputMode="numeric"
            min={Math.max(plan.min_seats, billing?.org?.seats.used ?? 0)}
            max={10000}
            value={seats}
            onChange={(e) => setSeats(Math.floor(Number(e.target.value)))}
          />
        </div>
        <button type="submit" className="button" disabled={pending}>
          {t("billing.pricing.chooseFor", { plan: tierName })}
        </button>
      </form>
    );
  }
  const current = currentLookupKey(billing);
  if (current === plan.lookup_key) return null;
  if (!forRole(role, offer.tier)) return <p className="hint">{t("billing.pricing.notForRole")}</p>;
  if (paidPersonal(billing))
    return (
      <button type="button" className="button secondary" onClick={manage} disabled={pending}>
        {t("billing.pricing.change")}
      </button>
    );
  if (billing && rank(billing.tier) >= rank(offer.tier)) return <p className="hint">{t("billing.pricing.included")}</p>;
  return (
    <button type="button" className="button" onClick={() => start(plan)} disabled={pending}>
      {t("billing.pricing.upgrade", { plan: tierName })}
    </button>
  );
}

export default function Pricing() {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const signedIn = !!user?.emailVerified;
  const me = useMe(signedIn);
  const registered = !!me.data?.registered;
  const plans = usePlans();
  const billing = useBilling(signedIn && registered);
  const [interval, setChosen] = useState<Interval | undefined>();
  const headingId = useId();
  const buy = useMutation({
    mutationFn: async ({ plan, seats }: { plan: Plan; seats?: number }) => {
      const org = plan.per_seat;
      const r = await checkout({
        lookup_key: plan.lookup_key,
        scope: org ? "org" : "personal",
        ...(org ? { org_id: me.data?.org, seats } : {}),
        return_path: org ? "/organisation/billing" : billingPage,
      });
      rememberCheckout({ tier: plan.tier, lookup_key: plan.lookup_key });
      go(r.url);
    },
  });
  const manage = useMutation({
    mutationFn: async () => go((await portal({ scope: "personal", return_path: billingPage })).url),
  });
  if (plans.isPending) return <Loading />;
  if (plans.isError)
    return (
      <section className="card">
        <h1>{t("billing.pricing.title")}</h1>
        <ProblemText error={plans.error} retry={() => void plans.refetch()} />
      </section>
    );
  const all = plans.data.plans;
  const choices = intervals(all);
  const shown = interval ?? (currentPlanInterval(billing.data, all) || choices[0] || "month");
  const current = currentLookupKey(billing.data);
  const tierNow = billing.data?.tier ?? (signedIn ? me.data?.tier : undefined);
  const saving = Math.max(0, ...all.map((p) => yearlySaving(all, p.tier)));
  const percent = new Intl.NumberFormat(intlLocale(i18n.language), { style: "percent" });
  const num = new Intl.NumberFormat(intlLocale(i18n.language));
  const list = offers(all, shown);
  return (
    <section className="bill-page" aria-labelledby={headingId}>
      <header className="bill-head">
        <h1 id={headingId}>{t("billing.pricing.title")}</h1>
        <p className="lead">{t("billing.pricing.lead")}</p>
      </header>
      {choices.length > 1 && (
        <fieldset className="bill-interval">
          <legend className="visually-hidden">{t("billing.pricing.interval")}</legend>
          {choices.map((i) => (
            <label key={i} className={shown === i ? "bill-chip on" : "bill-chip"}>
              <input type="radio" name="interval" value={i} checked={shown === i} onChange={() => setChosen(i)} />
              {t(`billing.pricing.intervals.${i}`)}
              {i === "year" && saving > 0 && <span className="bill-save">{t("billing.pricing.save", { percent: percent.format(saving) })}</span>}
            </label>
          ))}
        </fieldset>
      )}
      {(buy.isError || manage.isError) && (
        <div className="card bill-alert">
          {checkoutRefusal(buy.error) === "exists" ? (
            <>
              <p role="alert">{t("billing.pricing.already")}</p>
              <button type="button" className="button secondary" onClick={() => manage.mutate()}>
                {t("billing.manage")}
              </button>
            </>
          ) : checkoutRefusal(buy.error) === "seatsInUse" ? (
            <p role="alert">{t("billing.pricing.tooFewSeats", { n: num.format(billing.data?.org?.seats.used ?? 0) })}</p>
          ) : (
            <ProblemText error={buy.error ?? manage.error} />
          )}
        </div>
      )}
      <ul className="bill-plans" aria-label={t("billing.pricing.plans")}>
        {list.map((o) => {
          const mine = o.plan ? current === o.plan.lookup_key || (!current && tierNow === o.tier) : tierNow === o.tier;
          const id = `plan-${o.tier}`;
          return (
            <li key={o.tier} className={mine ? "card bill-plan current" : "card bill-plan"} aria-labelledby={id}>
              <div className="bill-plan-head">
                <h2 id={id}>{t(`tier.${o.tier}`)}</h2>
                {mine && <span className="badge bill-current">{t("billing.pricing.current")}</span>}
              </div>
              <p className="hint">{t(`billing.pricing.for.${o.tier}`)}</p>
              <Price plan={o.plan} currency={plans.data.currency} />
              <Allowances offer={o} />
              <div className="bill-plan-action">
                <Action
                  offer={o}
                  billing={billing.data}
                  signedIn={signedIn && registered}
                  role={me.data?.role}
                  orgId={me.data?.org}
                  start={(plan, seats) => buy.mutate({ plan, seats })}
                  pending={buy.isPending || manage.isPending || buy.isSuccess}
                  manage={() => manage.mutate()}
                />
              </div>
            </li>
          );
        })}
      </ul>
      <p className="hint bill-foot">{t("billing.pricing.taxes")}</p>
      {signedIn && registered && (
        <p className="alt">
          <Link to={billingPage}>{t("billing.account.title")}</Link>
        </p>
      )}
    </section>
  );
}

// currentPlanInterval opens the page at the interval the person pays by.
function currentPlanInterval(b: Billing | undefined, plans: readonly Plan[]): Interval | undefined {
  const key = currentLookupKey(b);
  return plans.find((p) => p.lookup_key === key)?.interval;
}
