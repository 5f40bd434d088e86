// The billing API (/api/billing/v1, functions/billing): the shapes it
// answers with (from infra/openapi.yaml, through the generated schema) and
// one function per call.
import { useQuery } from "@tanstack/react-query";
import { api, data } from "../api/client";
import type { components } from "../api/schema";

type S = components["schemas"];

export type Tier = "free" | "professional" | "enterprise" | "official";
export type Interval = "month" | "year";
export type Scope = "personal" | "org";

/** Allowances are what a tier gives each month (and at once, for journal storage). */
export type Allowances = S["Allowances"];
export type Plans = S["BillingPlans"];
/** Plan is one declared price of a tier (infra/billing/plans.yaml); amount in cents, per seat when per_seat. */
export type Plan = Plans["plans"][number];
/** Billing is GET /v1/me: the tier that applies, where it comes from, seats and the month's usage. */
export type Billing = S["BillingMe"];
/** Entitlement is an entitlements/{subject} document as the API shows it. */
export type Entitlement = S["Entitlement"];
export type OrgBilling = NonNullable<Billing["org"]>;
/** Seats: allowed is the seats paid for (0: no limit). */
export type Seats = S["Seats"];
export type Meter = S["UsageMeter"];
export type Usage = Billing["usage"];
/** Invoice is one of Stripe's invoices; times in Unix seconds, as Stripe counts them. */
export type Invoice = S["Invoices"]["invoices"][number];
export type CheckoutBody = S["CheckoutRequest"];
export type PortalBody = S["PortalRequest"];

export const getPlans = () => data(api.GET("/billing/v1/plans"));
export const getBilling = () => data(api.GET("/billing/v1/me"));
export const checkout = (body: CheckoutBody) => data(api.POST("/billing/v1/checkout", { body }));
export const portal = (body: PortalBody) => data(api.POST("/billing/v1/portal", { body }));

export const listInvoices = (scope: Scope, orgId?: string) =>
  data(api.GET("/billing/v1/invoices", { params: { query: { scope, ...(scope === "org" && orgId ? { org_id: orgId } : {}) } } }));

export const setSeats = (orgId: string, seats: number) =>
  data(api.PUT("/billing/v1/orgs/{orgId}/seats", { params: { path: { orgId } }, body: { seats } }));

export const plansKey = ["billing", "plans"] as const;
export const billingKey = ["billing", "me"] as const;
export const invoicesKey = (scope: Scope, orgId?: string) => ["billing", "invoices", scope, orgId ?? ""] as const;

export function usePlans() {
  return useQuery({ queryKey: plansKey, queryFn: getPlans, staleTime: 10 * 60_000 });
}

export function useBilling(enabled = true) {
  return useQuery({ queryKey: billingKey, queryFn: getBilling, enabled });
}

export function useInvoices(scope: Scope, orgId?: string, enabled = true) {
  return useQuery({ queryKey: invoicesKey(scope, orgId), queryFn: () => listInvoices(scope, orgId), enabled });
}
