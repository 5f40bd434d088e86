import { describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import { journeyErrors, messageFor, newElementId, normalize, totalMinutes } from "./model";

describe("journey errors", () => {
  it("turns the API's timing problems into messages with their numbers", () => {
    expect(messageFor("phases", "the phases take 95 minutes, 5 more than session_minutes (90)")).toEqual({
      key: "journeys.errors.overSession",
      values: { total: 95, over: 5, session: 90 },
    });
    expect(messageFor("phases[1].duration_minutes", "is 10 minutes but its elements take 15 (5 over)")).toEqual({
      key: "journeys.errors.overPhase",
      values: { have: 10, need: 15, over: 5 },
    });
    expect(messageFor("phases[2].elements", "is empty; add an element or mark the phase skipped").key).toBe("journeys.errors.phaseEmpty");
    expect(messageFor("phases[0].elements[1].item_id", 'library item "x" is locked: it needs the enterprise tier (yours: free)').key).toBe(
      "journeys.errors.itemLocked",
    );
    expect(messageFor("name", "is required").key).toBe("journeys.errors.required.name");
  });

  it("places each field once and keeps a form message when nothing is placed", () => {
    const err = new ApiError({
      type: "https://studio.pointsofyou.ai/problems/validation",
      title: "Unprocessable",
      status: 422,
      errors: [
        { field: "phases", detail: "every phase is skipped; at least one must run" },
        { field: "phases", detail: "again" },
        { field: "goals[0]", detail: "is required" },
      ],
    });
    const e = journeyErrors(err);
    expect([...e.fields.keys()]).toEqual(["phases", "goals[0]"]);
    expect(e.fields.get("goals[0]")?.key).toBe("journeys.errors.invalid");
    expect(e.form).toBeUndefined();
    expect(journeyErrors(new ApiError({ type: "about:blank", title: "x", status: 503 })).form?.key).toBe("problem.unavailable");
  });
});

describe("journey model", () => {
  it("normalizes to the four phases in order with ids", () => {
    const j = normalize({ phases: [{ phase: "focus", duration_minutes: 10, elements: [{ kind: "inline", title: "A" }] }] });
    expect(j.phases?.map((p) => p.phase)).toEqual(["pause", "expand", "focus", "doing"]);
    expect(j.phases?.[2].elements?.[0].id).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);
    expect(totalMinutes({ ...j, phases: j.phases!.map((p, i) => ({ ...p, duration_minutes: 10, skipped: i === 3 })) })).toBe(30);
    expect(newElementId()).not.toBe(newElementId());
  });
});
