// What a mutation does to an entry, played on this device: the local view
// of an entry is the server's copy with the mutations not yet acknowledged
// played over it, so pulled changes and unsynced edits show together.
import type { Entry, Fields, Mutation } from "./types";

export const fieldNames = ["title", "body", "mode", "session_id", "visibility", "tags", "card_refs", "mood", "prompt_id"] as const;

export function countWords(text: string): number {
  return text.split(/\s+/u).filter(Boolean).length;
}

const encoder = new TextEncoder();

export function byteSize(e: Pick<Entry, "title" | "body" | "conflicts">): number {
  return encoder.encode(e.title + e.body + e.conflicts.map((c) => c.title + c.body).join("")).length;
}

/** blank is a new entry's defaults: private, standalone, no mood. */
export function blank(id: string, now: string, fields: Partial<Fields> = {}): Entry {
  const e: Entry = {
    id,
    title: "",
    body: "",
    mode: "standalone",
    session_id: "",
    visibility: "private",
    tags: [],
    card_refs: [],
    mood: 0,
    prompt_id: "",
    created_at: now,
    updated_at: now,
    rev: 0,
    version: 0,
    deleted: false,
    conflicts: [],
    words: 0,
    bytes: 0,
    ...fields,
  };
  return measured(e);
}

function measured(e: Entry): Entry {
  return { ...e, words: countWords(e.title + " " + e.body), bytes: byteSize(e) };
}

function pickFields(args: Record<string, unknown>): Partial<Fields> {
  const out: Record<string, unknown> = {};
  for (const f of fieldNames) if (args[f] !== undefined) out[f] = args[f];
  return out as Partial<Fields>;
}

/** apply plays one mutation on an entry (undefined: not there yet). */
export function apply(e: Entry | undefined, m: Mutation): Entry | undefined {
  const a = m.args;
  switch (m.name) {
    case "createEntry":
      return e ?? blank(a.id, String(a.created_at ?? new Date().toISOString()), pickFields(a));
    case "updateEntry": {
      if (!e) return e;
      const changes = pickFields(a);
      // Words typed win over a delete the edit did not see.
      const undelete = e.deleted && changes.body !== undefined && changes.body !== e.body;
      if (e.deleted && !undelete) return e;
      return measured({ ...e, ...changes, deleted: e.deleted && !undelete });
    }
    case "deleteEntry":
      return e && { ...e, deleted: true };
    case "restoreEntry":
      return e && { ...e, deleted: false };
    case "resolveConflict": {
      if (!e) return e;
      const resolved = new Set((a.resolved as string[] | undefined) ?? []);
      return measured({
        ...e,
        body: String(a.body ?? e.body),
        title: typeof a.title === "string" ? a.title : e.title,
        conflicts: e.conflicts.filter((c) => !resolved.has(c.id)),
      });
    }
  }
}

/** view is the server copy with the pending mutations of that entry played over it. */
export function view(server: Entry | undefined, pending: readonly Mutation[]): Entry | undefined {
  let e = server;
  for (const m of pending) if (m.args.id === (server?.id ?? m.args.id)) e = apply(e, m);
  return e;
}

/**
 * coalesce folds an edit into the last queued mutation of the same entry
 * when that one has not left the device yet, so autosave while typing
 * queues one mutation, not one per second. It answers undefined when the
 * edit needs a mutation of its own.
 */
export function coalesce(last: Mutation | undefined, entryId: string, changes: Partial<Fields>): Mutation | undefined {
  if (!last || last.args.id !== entryId) return undefined;
  if (last.name !== "createEntry" && last.name !== "updateEntry") return undefined;
  return { ...last, args: { ...last.args, ...changes } };
}

/** changed lists the fields of next that differ from e. */
export function changed(e: Entry, next: Partial<Fields>): Partial<Fields> {
  const out: Record<string, unknown> = {};
  for (const f of fieldNames) {
    if (next[f] === undefined) continue;
    if (JSON.stringify(next[f]) !== JSON.stringify(e[f])) out[f] = next[f];
  }
  return out as Partial<Fields>;
}
