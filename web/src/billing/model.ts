// Pure rules of the billing screens: prices in the person's own number
// format, the plans of one billing interval in tier order, the meters'
// warnings, the grace period and the checkout's return.
import { intlLocale } from "../sessions/format";
import { ApiError } from "../api/problem";
import type { Allowances, Billing, Interval, Meter, Plan, Tier } from "./api";

export const tierOrder: readonly Tier[] = ["free", "professional", "enterprise", "official"];

/** warningShare is the share of an allowance from which a meter warns. */
export const warningShare = 0.8;

// The free plan has no price, so the plans list may not carry it; its
// allowances are the product's (REQUIREMENTS §12), shown for comparison.
export const freeAllowances: Allowances = { ai_interactions: 50, content_uses: 100, journal_entries: 100, journal_bytes: 10 << 20 };

/**
 * formatPrice writes amount (in the currency's minor unit, as Stripe
 * counts) in lang's number format: "$29", "29 $US", "29,00 $". Whole
 * amounts drop their zero cents.
 */
export function formatPrice(amount: number, currency: string, lang: string): string {
  const code = currency.toUpperCase();
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return `${amount} ${code}`;
  }
  const value = amount / 10 ** digits;
  const whole = amount % 10 ** digits === 0;
  return new Intl.NumberFormat(intlLocale(lang), {
    style: "currency",
    currency: code,
    minimumFractionDigits: whole ? 0 : digits,
    maximumFractionDigits: digits,
  }).format(value);
}

/** formatBytes writes a journal's storage allowance: "10 MB", "1 GB". */
export function formatBytes(bytes: number, lang: string): string {
  const gb = bytes / 2 ** 30;
  const [value, unit] = gb >= 1 ? [gb, "gigabyte"] : [bytes / 2 ** 20, "megabyte"];
  return new Intl.NumberFormat(intlLocale(lang), { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: 1 }).format(value);
}

/** Offer is what one column of the pricing page shows: a tier and its price at the chosen interval. */
export interface Offer {
  tier: Tier;
  plan?: Plan;
  allowances: Allowances;
}

/**
 * offers lists the tiers in order with the plan of interval for each, the
 * free tier first with its declared allowances (it has no price, so the
 * plans do not list it). A tier with no plan at that interval is left out.
 */
export function offers(plans: readonly Plan[], interval: Interval): Offer[] {
  return tierOrder.flatMap((tier): Offer[] => {
    if (tier === "free") return [{ tier, plan: undefined, allowances: freeAllowances }];
    const plan = plans.find((p) => p.tier === tier && p.interval === interval);
    return plan ? [{ tier, plan, allowances: plan.allowances }] : [];
  });
}

/** intervals lists the billing intervals the plans are sold at, monthly first. */
export function intervals(plans: readonly Plan[]): Interval[] {
  return (["month", "year"] as const).filter((i) => plans.some((p) => p.interval === i));
}

/**
 * yearlySaving is the share a yearly plan saves over twelve months of the
 * same tier's monthly one (0.17 for $290 against $29), or 0.
 */
export function yearlySaving(plans: readonly Plan[], tier: Tier): number {
  const m = plans.find((p) => p.tier === tier && p.interval === "month");
  const y = plans.find((p) => p.tier === tier && p.interval === "year");
  if (!m || !y || m.amount <= 0 || m.currency !== y.currency) return 0;
  const saving = 1 - y.amount / (12 * m.amount);
  return saving > 0 ? Math.round(saving * 100) / 100 : 0;
}

/** MeterState is what a usage meter shows. */
export interface MeterState {
  used: number;
  allowed: number;
  share: number;
  warning: boolean;
  out: boolean;
}

export function meterState(m: Meter): MeterState {
  const allowed = Math.max(0, m.allowed);
  const used = Math.max(0, m.used);
  const share = allowed > 0 ? Math.min(1, used / allowed) : 0;
  const out = allowed > 0 && used >= allowed;
  return { used, allowed, share, warning: out || m.warning || (allowed > 0 && used / allowed >= warningShare), out };
}

/** Grace is a failed payment's period of full access, for the banner. */
export interface Grace {
  scope: "personal" | "org";
  until?: string;
  canManage: boolean;
}

/**
 * grace says whether a paid plan that applies to the person is past due:
 * their own first, then their organisation's (only its admins can pay it).
 */
export function grace(b: Billing | undefined): Grace | undefined {
  if (!b) return undefined;
  if (b.personal?.status === "past_due") return { scope: "personal", until: b.personal.grace_until ?? undefined, canManage: true };
  if (b.org?.status === "past_due") return { scope: "org", until: b.org.grace_until ?? undefined, canManage: b.org.can_manage };
  return undefined;
}

/** paidPersonal says whether the person pays for a plan of their own that has not ended. */
export function paidPersonal(b: Billing | undefined): boolean {
  const p = b?.personal;
  return !!p && p.source === "billing" && p.tier !== "free" && p.status !== "canceled";
}

/** currentLookupKey is the plan the person's own subscription is on, if any. */
export function currentLookupKey(b: Billing | undefined): string | undefined {
  return paidPersonal(b) ? b?.personal?.price : undefined;
}

// roleTiers mirrors shared/entitlements: the tiers each role may hold
// (REQUIREMENTS §1). A plan above them would be paid for and never apply,
// so the pricing page does not offer it.
const roleTiers: Record<string, readonly Tier[]> = {
  facilitator: ["professional", "enterprise", "official"],
  participant: ["free", "professional"],
  educator: ["professional", "enterprise"],
  org_admin: ["enterprise"],
};

/** forRole says whether a person of role can hold tier (unknown roles: yes, the API decides). */
export function forRole(role: string | undefined, tier: Tier): boolean {
  const tiers = role ? roleTiers[role] : undefined;
  return !tiers || tiers.includes(tier);
}

/** rank orders tiers (free 0 … official 3; unknown -1). */
export function rank(tier: string | undefined): number {
  return tierOrder.indexOf(tier as Tier);
}

export type CheckoutReturn = "success" | "cancel";

/** checkoutReturn reads ?checkout=success|cancel, which the return path of a checkout carries. */
export function checkoutReturn(search: string): CheckoutReturn | undefined {
  const v = new URLSearchParams(search).get("checkout");
  return v === "success" || v === "cancel" ? v : undefined;
}

/** SeatsRefusal is why a seat change was refused, as the page words it. */
export type SeatsRefusal = "inUse" | "noPlan" | "invalid" | "other";

/**
 * seatsRefusal reads a failed seat change: fewer seats than staff holding
 * one (409 seats-in-use), no plan with seats to change (another 409), a
 * count the plan does not allow (the seats field's error), or anything else.
 */
export function seatsRefusal(err: unknown): SeatsRefusal {
  const p = err instanceof ApiError ? (err.problem as { type?: string; status?: number; detail?: string; errors?: { field?: string }[] }) : undefined;
  if (!p) return "other";
  if (p.type?.endsWith("/seats-in-use") || (p.status === 409 && /seats in use/i.test(p.detail ?? ""))) return "inUse";
  if (p.status === 409) return "noPlan";
  if (p.errors?.some((e) => e.field === "seats")) return "invalid";
  return "other";
}

/**
 * checkoutRefusal reads a refused checkout: a subscription already running
 * for the person or organisation (409 subscription-exists: change it in the
 * portal), or fewer seats than staff holding one (409 seats-in-use).
 */
export function checkoutRefusal(err: unknown): "exists" | "seatsInUse" | undefined {
  const p = err instanceof ApiError ? (err.problem as { type?: string; status?: number }) : undefined;
  if (p?.status !== 409) return undefined;
  return p.type?.endsWith("/seats-in-use") ? "seatsInUse" : "exists";
}
