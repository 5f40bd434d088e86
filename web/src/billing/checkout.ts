// Leaving for the payment page and coming back. Stripe's checkout (locally
// the suite's stub page) sends the person back to the return path with
// ?checkout=success or ?checkout=cancel. The plan applies once the payment's
// webhook reached the billing function, which may be a moment after the
// person is back; then a fresh ID token carries the new tier's claims and
// every screen that depends on the tier asks again.
import { useEffect, useRef, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { getAuth } from "../auth";
import { getBilling, type Billing, type Tier } from "./api";
import { checkoutReturn, rank } from "./model";

const pendingKey = "billing.checkout";

/** Pending is what the app remembers across the trip to the payment page. */
export interface Pending {
  tier: Tier;
  lookup_key: string;
}

export function rememberCheckout(p: Pending) {
  globalThis.sessionStorage?.setItem(pendingKey, JSON.stringify(p));
}

export function pendingCheckout(): Pending | undefined {
  try {
    const raw = globalThis.sessionStorage?.getItem(pendingKey);
    const p = raw ? (JSON.parse(raw) as Pending) : undefined;
    return p && typeof p.tier === "string" && typeof p.lookup_key === "string" ? p : undefined;
  } catch {
    return undefined;
  }
}

export function forgetCheckout() {
  globalThis.sessionStorage?.removeItem(pendingKey);
}

/** go leaves the app for url (the payment page or the billing portal). */
export function go(url: string) {
  window.location.assign(url);
}

/**
 * applied says whether b shows the plan the person paid for as the tier
 * that applies: the tier their claims carry once the token is refreshed
 * (the entitlement alone may be written a moment before it).
 */
export function applied(b: Billing, p: Pending | undefined): boolean {
  return rank(b.tier) >= Math.max(1, rank(p?.tier));
}

/**
 * waitApplied asks for the person's billing until it shows the plan paid
 * for, every interval ms, at most tries times; it returns the last answer
 * and whether the plan applies.
 */
export async function waitApplied(
  p: Pending | undefined,
  opts: { tries?: number; interval?: number; get?: () => Promise<Billing>; sleep?: (ms: number) => Promise<void> } = {},
): Promise<{ billing?: Billing; ok: boolean }> {
  const { tries = 30, interval = 1000, get = getBilling, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = opts;
  let last: Billing | undefined;
  for (let i = 0; i < tries; i++) {
    try {
      last = await get();
      if (applied(last, p)) return { billing: last, ok: true };
    } catch {
      // a passing failure: ask again
    }
    if (i < tries - 1) await sleep(interval);
  }
  return { billing: last, ok: false };
}

/** refreshed takes a new ID token (the new tier's claims) and has every tier-dependent screen ask again. */
export async function refreshed(queryClient: QueryClient) {
  const auth = await getAuth();
  await auth.currentUser?.getIdToken(true);
  await Promise.all(
    [["accounts"], ["billing"], ["content"], ["coach"], ["journal"]].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
  );
}

export type ReturnState = "none" | "waiting" | "done" | "late" | "canceled";

/**
 * useCheckoutReturn handles the way back from the payment page on the page
 * it returns to: it waits for the plan, refreshes the token and the screens,
 * and takes ?checkout off the address so a reload does not do it again.
 */
export function useCheckoutReturn(): ReturnState {
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [state, setState] = useState<ReturnState>("none");
  const started = useRef(false);
  const back = checkoutReturn(location.search);
  useEffect(() => {
    if (!back || started.current) return;
    started.current = true;
    const p = pendingCheckout();
    const clean = () => {
      const q = new URLSearchParams(location.search);
      q.delete("checkout");
      const search = q.toString();
      navigate({ pathname: location.pathname, search: search ? `?${search}` : "" }, { replace: true });
    };
    if (back === "cancel") {
      forgetCheckout();
      setState("canceled");
      clean();
      return;
    }
    setState("waiting");
    void (async () => {
      const { billing, ok } = await waitApplied(p);
      if (billing) queryClient.setQueryData(["billing", "me"], billing);
      await refreshed(queryClient).catch(() => undefined);
      forgetCheckout();
      setState(ok ? "done" : "late");
      clean();
    })();
  }, [back, location.pathname, location.search, navigate, queryClient]);
  return state;
}
