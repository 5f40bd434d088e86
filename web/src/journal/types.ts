// The journal's shapes, as the sync contract (functions/journal, /api/journal)
// states them: entries and usage from infra/openapi.yaml, the mutations
// (whose args the schema leaves open) written out here.
import type { components } from "../api/schema";

export type Mode = "standalone" | "in_session";
export type Visibility = "private" | "shared_with_facilitator";
export type Phase = "pause" | "expand" | "focus" | "doing";

export type Entry = components["schemas"]["JournalEntry"];
export type CardRef = Entry["card_refs"][number];
export type ConflictVersion = Entry["conflicts"][number];

/** The fields a person edits; the rest the server keeps. */
export type Fields = Pick<Entry, "title" | "body" | "mode" | "session_id" | "visibility" | "tags" | "card_refs" | "mood" | "prompt_id">;

export type MutationName = "createEntry" | "updateEntry" | "deleteEntry" | "restoreEntry" | "resolveConflict";

export interface Mutation {
  id: number;
  name: MutationName;
  args: Record<string, unknown> & { id: string };
}

export type Usage = components["schemas"]["JournalUsage"];

export interface PushAnswer {
  last_mutation_id: number;
  errors?: { mutation_id: number; problem: unknown }[];
  usage?: Usage;
}

export interface PullAnswer {
  cookie: number;
  last_mutation_id: number;
  last_mutation_id_changes?: Record<string, number>;
  entries: Entry[];
  more: boolean;
}

/** The 403 the server answers when a mutation would pass the tier's limit. */
export interface LimitProblem {
  type: string;
  status: number;
  title?: string;
  limit: "entries" | "bytes";
  mutation_id: number;
  last_mutation_id: number;
  usage?: Usage;
}

export interface Prompt {
  id: string;
  text: string;
  phase?: Phase;
  card_id?: string;
  source: "library" | "ai" | "builtin";
}

export interface SearchResult {
  entry: Entry;
  score: number;
  snippet: string;
}

export const limits = { title: 200, body: 100_000, tags: 20, tag: 40, cardRefs: 20 } as const;
