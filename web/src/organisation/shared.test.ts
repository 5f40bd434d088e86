import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { joinErrors } from "./JoinWithCode";
import { statusOf } from "./shared";

const problem = (status: number, slug = "not-found") =>
  new ApiError({ type: `https://studio.pointsofyou.ai/problems/${slug}`, title: "x", status });

describe("joining with an organisation code", () => {
  it("puts an unknown code and a second join beside the code field", () => {
    expect(joinErrors(problem(404))).toEqual({ fields: { code: "organisation.join.unknown" } });
    expect(joinErrors(problem(400, "validation"))).toEqual({ fields: { code: "organisation.join.unknown" } });
    expect(joinErrors(problem(409, "conflict"))).toEqual({ fields: { code: "organisation.join.already" } });
  });

  it("keeps other failures as one message for the form", () => {
    expect(joinErrors(problem(403, "sso-required"))).toEqual({ fields: {}, form: "problem.sso-required" });
    expect(joinErrors(new TypeError("Failed to fetch"))).toEqual({ fields: {}, form: "problem.network" });
  });

  it("reads the status of a failure", () => {
    expect(statusOf(problem(409))).toBe(409);
    expect(statusOf(new Error("x"))).toBe(0);
  });
});
