import { describe, expect, it } from "vitest";
import { formErrors } from "./forms";
import { ApiError } from "./api/problem";

const validation = (errors: { field?: string; pointer?: string; detail?: string }[]) =>
  new ApiError({ type: "https://studio.pointsofyou.ai/problems/validation", title: "Invalid", status: 400, errors });

describe("formErrors", () => {
  it("places each field error next to its field", () => {
    const got = formErrors(validation([{ field: "timezone" }, { pointer: "/display_name" }]), ["timezone", "display_name"]);
    expect(got).toEqual({ fields: { timezone: "fieldErrors.timezone", display_name: "fieldErrors.display_name" }, form: undefined });
  });
  it("keeps a form message for errors of fields not shown", () => {
    const got = formErrors(validation([{ field: "timezone" }, { field: "domains" }]), ["timezone"]);
    expect(got).toEqual({ fields: { timezone: "fieldErrors.timezone" }, form: "problem.validation" });
  });
  it("turns any other failure into one human message", () => {
    expect(formErrors(new ApiError({ type: "https://studio.pointsofyou.ai/problems/forbidden", title: "x", status: 403 }), ["email"])).toEqual({
      fields: {},
      form: "problem.forbidden",
    });
    expect(formErrors(new TypeError("Failed to fetch"), [])).toEqual({ fields: {}, form: "problem.network" });
  });
});
