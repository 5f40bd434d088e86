import { describe, expect, it } from "vitest";
import { authMessageKey, problemMessageKey } from "./problem";

const base = "https://studio.pointsofyou.ai/problems/";

describe("problemMessageKey", () => {
  it.each([
    ["a known type", { type: base + "validation", title: "Invalid", status: 400 }, "problem.validation"],
    ["sso-required", { type: base + "sso-required", title: "SSO", status: 403 }, "problem.sso-required"],
    ["rate limited", { type: base + "rate-limited", title: "Slow down", status: 429 }, "problem.rate-limited"],
    ["unknown type, 401", { type: base + "something-new", title: "x", status: 401 }, "problem.unauthenticated"],
    ["foreign type, 403", { type: "about:blank", title: "x", status: 403 }, "problem.forbidden"],
    ["foreign type, 404", { type: "about:blank", title: "x", status: 404 }, "problem.not-found"],
    ["foreign type, 429", { type: "about:blank", title: "x", status: 429 }, "problem.rate-limited"],
    ["foreign type, 502", { type: "about:blank", title: "Bad Gateway", status: 502 }, "problem.unavailable"],
    ["foreign type, 418", { type: "about:blank", title: "x", status: 418 }, "problem.bad-request"],
    ["offline", new TypeError("Failed to fetch"), "problem.network"],
    ["not a problem", "<html>oops</html>", "problem.unknown"],
    ["nothing", undefined, "problem.unknown"],
  ])("%s", (_, err, want) => {
    expect(problemMessageKey(err)).toBe(want);
  });
});

describe("authMessageKey", () => {
  it.each([
    ["auth/invalid-credential", "signIn.errors.invalid"],
    ["auth/user-not-found", "signIn.errors.invalid"],
    ["auth/user-disabled", "signIn.errors.disabled"],
    ["auth/too-many-requests", "problem.rate-limited"],
    ["auth/network-request-failed", "problem.network"],
    ["auth/internal-error", "problem.unknown"],
  ])("%s", (code, want) => {
    expect(authMessageKey({ code })).toBe(want);
  });
});
