// Turns what went wrong (an API problem+json body, a network failure, a
// Firebase Auth error) into an i18n key, so that no page shows a raw error.
import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];

const problemBase = "https://studio.pointsofyou.ai/problems/";

// The problem types the API answers with (shared/httpapi), each with a message.
export const problemKeys = [
  "bad-request",
  "validation",
  "unauthenticated",
  "forbidden",
  "not-found",
  "conflict",
  "precondition-failed",
  "precondition-required",
  "too-large",
  "unsupported-media-type",
  "rate-limited",
  "method-not-allowed",
  "sso-required",
  "sole-admin",
  "domain-not-proven",
  "internal",
  "unavailable",
] as const;

type ProblemKey = `problem.${(typeof problemKeys)[number] | "network" | "unknown"}`;

function isProblem(v: unknown): v is Problem {
  return typeof v === "object" && v !== null && typeof (v as Problem).type === "string" && typeof (v as Problem).status === "number";
}

// The message key for an API failure: by the problem's stable type first,
// then by its status class; anything else (no body, not JSON) is unknown.
export function problemMessageKey(err: unknown): ProblemKey {
  if (err instanceof TypeError) return "problem.network"; // fetch rejects with TypeError when offline
  if (isProblem(err)) {
    const slug = err.type.startsWith(problemBase) ? err.type.slice(problemBase.length) : "";
    if ((problemKeys as readonly string[]).includes(slug)) return `problem.${slug}` as ProblemKey;
    if (err.status === 401) return "problem.unauthenticated";
    if (err.status === 403) return "problem.forbidden";
    if (err.status === 404) return "problem.not-found";
    if (err.status === 429) return "problem.rate-limited";
    if (err.status >= 500) return "problem.unavailable";
    if (err.status >= 400) return "problem.bad-request";
  }
  return "problem.unknown";
}

// Firebase Auth errors carry a code such as "auth/invalid-credential".
export function authMessageKey(err: unknown): string {
  const code = typeof err === "object" && err !== null ? String((err as { code?: unknown }).code ?? "") : "";
  switch (code) {
    case "auth/invalid-credential":
    case "auth/invalid-login-credentials":
    case "auth/wrong-password":
    case "auth/user-not-found":
    case "auth/invalid-email":
      return "signIn.errors.invalid";
    case "auth/user-disabled":
      return "signIn.errors.disabled";
    case "auth/too-many-requests":
      return "problem.rate-limited";
    case "auth/network-request-failed":
      return "problem.network";
    default:
      return "problem.unknown";
  }
}

// ApiError carries a failed answer through TanStack Query to the page.
export class ApiError extends Error {
  constructor(readonly problem: unknown) {
    super(isProblem(problem) ? problem.title : "API request failed");
  }
}
