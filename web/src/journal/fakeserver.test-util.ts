// A small in-memory server of the sync contract, for the engine's tests:
// per-client lastMutationID, gaps, limits, and an unclean body change kept
// as a conflict version (its "merge" is the simplest one: equal bodies).
import { HttpProblem, type Transport } from "./journal";
import type { Entry, Mutation, PullAnswer, PushAnswer } from "./types";
import { apply } from "./local";

export class FakeServer {
  entries = new Map<string, Entry>();
  last = new Map<string, number>();
  version = 0;
  entryLimit = Infinity;
  pushes: Mutation[][] = [];
  offline = false;

  transport(): Transport {
    return {
      push: async (b) => {
        if (this.offline) throw new TypeError("Failed to fetch");
        return this.push(b.client_id, b.mutations);
      },
      pull: async (b) => {
        if (this.offline) throw new TypeError("Failed to fetch");
        return this.pull(b.client_id, b.cookie);
      },
    };
  }

  push(client: string, ms: Mutation[]): PushAnswer {
    this.pushes.push(ms);
    let last = this.last.get(client) ?? 0;
    const first = ms.find((m) => m.id > last);
    if (first && first.id > last + 1) throw new HttpProblem(409, { type: "https://x/problems/mutation-gap", last_mutation_id: last });
    for (const m of ms) {
      if (m.id <= last) continue;
      const live = [...this.entries.values()].filter((e) => !e.deleted).length;
      if (m.name === "createEntry" && !this.entries.has(m.args.id) && live >= this.entryLimit)
        throw new HttpProblem(403, { type: "https://x/problems/journal-limit", limit: "entries", mutation_id: m.id, last_mutation_id: last });
      this.applyOne(client, m);
      last = m.id;
      this.last.set(client, last);
    }
    return { last_mutation_id: last };
  }

  private applyOne(client: string, m: Mutation) {
    const cur = this.entries.get(m.args.id);
    let next: Entry | undefined;
    if (m.name === "updateEntry" && cur && typeof m.args.body === "string" && m.args.base_rev !== cur.rev && m.args.body !== cur.body) {
      const { body, ...rest } = m.args;
      next = apply(cur, { ...m, args: rest })!;
      next = { ...next, conflicts: [...next.conflicts, { id: `c${this.version}`, title: next.title, body: body as string, client_id: client, created_at: "" }] };
    } else next = apply(cur, m);
    if (!next || next === cur) return;
    this.version++;
    this.entries.set(m.args.id, { ...next, rev: (cur?.rev ?? 0) + 1, version: this.version, updated_at: new Date(1_700_000_000_000 + this.version).toISOString() });
  }

  pull(client: string, cookie: number): PullAnswer {
    const entries = [...this.entries.values()].filter((e) => e.version > cookie).sort((a, b) => a.version - b.version);
    return { cookie: this.version, last_mutation_id: this.last.get(client) ?? 0, entries, more: false };
  }
}
