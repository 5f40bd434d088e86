// The journey as the builder edits it, and the API's validation turned
// into messages placed beside the field they concern.
import type { components } from "../api/schema";
import { ApiError, problemMessageKey, type Problem } from "../api/problem";

export type Journey = components["schemas"]["Journey"];
export type Phase = components["schemas"]["JourneyPhase"];
export type Element = components["schemas"]["JourneyElement"];
export type PhaseName = "pause" | "expand" | "focus" | "doing";

export const phaseNames: PhaseName[] = ["pause", "expand", "focus", "doing"];
export const energyModes = ["lift", "cocoon", "grounding", "in_the_rhythm"] as const;
export const timeframes = ["single", "half-day", "full-day", "multi-day", "weekly", "monthly"] as const;
export const inlineTypes = ["welcome", "objectives", "sensitivity", "pause", "points_of_view", "focus_action", "closure", "exercise", "prompt", "canvas"] as const;

// The step a new authored element starts as, by phase.
export const defaultInlineType: Record<PhaseName, Element["type"]> = {
  pause: "pause",
  expand: "points_of_view",
  focus: "focus_action",
  doing: "closure",
};

// elementTypeForItem mirrors shared/journey.ElementTypeForItem.
export function elementTypeForItem(itemType: string): Element["type"] | undefined {
  switch (itemType) {
    case "photo_card":
      return "card";
    case "word_card":
      return "word";
    case "question_card":
    case "prompt":
      return "prompt";
    case "exercise":
    case "journey_element":
      return "exercise";
    case "deck":
      return "deck";
    case "session_protocol":
      return "template";
    case "canvas_template":
      return "canvas";
  }
  return undefined;
}

// newElementId makes an id the API accepts (^[a-z0-9][a-z0-9_-]{0,63}$),
// so an element keeps its identity while autosaves are in flight.
export function newElementId(): string {
  const rnd = globalThis.crypto?.randomUUID?.() ?? Math.random().toString(16).slice(2) + Date.now().toString(16);
  return "el-" + rnd.replace(/-/g, "").slice(0, 12);
}

// normalize gives a journey exactly the four phases, each with lists, as
// the server stores it.
export function normalize(j: Journey): Journey {
  const phases = phaseNames.map((name) => {
    const p = j.phases?.find((x) => x.phase === name) ?? { phase: name };
    return { ...p, phase: name, elements: (p.elements ?? []).map((e) => ({ ...e, id: e.id || newElementId() })), objectives: p.objectives ?? [] };
  });
  return { ...j, goals: j.goals ?? [], phases };
}

export function phaseMinutes(p: Phase): number {
  return (p.elements ?? []).reduce((s, e) => s + (e.duration_minutes ?? 0), 0);
}

export function totalMinutes(j: Journey): number {
  return (j.phases ?? []).reduce((s, p) => s + (p.skipped ? 0 : (p.duration_minutes ?? 0)), 0);
}

// A message for one field: an i18n key and its values.
export interface Message {
  key: string;
  values?: Record<string, string | number>;
}

export interface JourneyErrors {
  // fields maps an API field path ("phases[1].duration_minutes") to its message.
  fields: Map<string, Message>;
  // form is what belongs to no shown field.
  form?: Message;
}

const numbers = (s: string) => (s.match(/-?\d+/g) ?? []).map(Number);

// messageFor turns one API field error into a message in the person's
// language; the detail is English for developers and never shown as is.
export function messageFor(field: string, detail: string): Message {
  const leaf = field.replace(/\[\d+\]/g, "").split(".").pop() ?? field;
  if (field === "phases") {
    if (/more than session_minutes/.test(detail)) {
      const [total, over, session] = numbers(detail);
      return { key: "journeys.errors.overSession", values: { total, over, session } };
    }
    if (/every phase is skipped/.test(detail)) return { key: "journeys.errors.allSkipped" };
    return { key: "journeys.errors.phases" };
  }
  if (leaf === "duration_minutes" && /elements take/.test(detail)) {
    const [have, need, over] = numbers(detail);
    return { key: "journeys.errors.overPhase", values: { have, need, over } };
  }
  if (leaf === "item_id") {
    if (/locked|tier|licence/.test(detail)) return { key: "journeys.errors.itemLocked" };
    if (/not published/.test(detail)) return { key: "journeys.errors.itemUnpublished" };
    if (/cannot be a journey element/.test(detail)) return { key: "journeys.errors.itemUnusable" };
    return { key: "journeys.errors.itemMissing" };
  }
  if (leaf === "elements" && /is empty/.test(detail)) return { key: "journeys.errors.phaseEmpty" };
  if (/is required/.test(detail)) return { key: `journeys.errors.required.${leaf}`, values: {} };
  if (/at least 1 minute/.test(detail)) return { key: "journeys.errors.minutesRequired" };
  if (leaf === "session_minutes") return { key: "journeys.errors.sessionRange" };
  if (/characters; at most/.test(detail)) return { key: "journeys.errors.tooLong" };
  if (/minutes; at most|must not be negative/.test(detail)) return { key: "journeys.errors.minutesRange" };
  return { key: "journeys.errors.invalid" };
}

// requiredLeaves are the fields whose "is required" has its own message.
export const requiredLeaves = ["name", "timeframe", "session_minutes", "energy_mode", "title", "type", "id", "kind", "item_id"];

export function journeyErrors(err: unknown): JourneyErrors {
  const problem = (err instanceof ApiError ? err.problem : err) as Problem | undefined;
  const fields = new Map<string, Message>();
  for (const e of problem?.errors ?? []) {
    const field = e.field ?? e.pointer?.replace(/^\//, "") ?? "";
    if (!field || fields.has(field)) continue;
    let m = messageFor(field, e.detail ?? "");
    if (m.key.startsWith("journeys.errors.required.") && !requiredLeaves.includes(m.key.split(".").pop()!)) m = { key: "journeys.errors.invalid" };
    fields.set(field, m);
  }
  return { fields, form: fields.size === 0 ? { key: problemMessageKey(problem) } : undefined };
}

// fieldId is a DOM id for a field path, for aria-describedby and links.
export function fieldId(path: string): string {
  return "f-" + path.replace(/[^a-zA-Z0-9]+/g, "-").replace(/-$/, "");
}
