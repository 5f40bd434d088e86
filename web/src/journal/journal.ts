// The journal on this device and its sync with the server (no React): every
// change is written to IndexedDB with its mutation before anything else
// happens; sync pushes the queue in order and pulls until nothing is left,
// and the entries the person sees are the server's copies with their own
// unsynced edits played over them. The contract is functions/journal's:
// mutation ids strictly +1 per client, a retried push is harmless, a gap
// answers with where to resend from, a limit stops the queue at the
// mutation that would pass it.
import { apply, changed, coalesce, view } from "./local";
import type { Meta, Rec, Store, Write } from "./store";
import type { Entry, Fields, LimitProblem, Mutation, Prompt, PullAnswer, PushAnswer, Usage } from "./types";

/** The most mutations one push carries (the contract's limit). */
export const pushBatch = 500;

/** HttpProblem is a failed answer with its problem+json body. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown> & { type?: string },
  ) {
    super(typeof problem.title === "string" ? problem.title : `HTTP ${status}`);
  }
  is(slug: string): boolean {
    return typeof this.problem.type === "string" && this.problem.type.endsWith("/" + slug);
  }
}

export interface Transport {
  push(body: { client_id: string; mutations: Mutation[] }): Promise<PushAnswer>;
  pull(body: { client_id: string; cookie: number }): Promise<PullAnswer>;
}

export type EntryStatus = "synced" | "waiting" | "conflict";

export interface SyncState {
  syncing: boolean;
  /** error is the last sync's failure (offline: a TypeError), cleared by the next success. */
  error?: unknown;
  lastSyncedAt?: string;
  limit?: LimitProblem;
  usage?: Usage;
  pending: number;
}

export interface Options {
  now?: () => Date;
  newId?: () => string;
  /** onLocal runs after every local change is stored (to sync soon). */
  onLocal?: () => void;
}

export class Journal {
  private recs = new Map<string, Rec>();
  private queue: Mutation[] = [];
  private meta: Meta;
  /** Mutations up to this id are in a push without an answer yet: not to be rewritten. */
  private inflightThrough = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private running?: Promise<void>;
  private again = false;
  private listeners = new Set<() => void>();
  private error?: unknown;
  private syncing = false;
  /** version changes with every change, for useSyncExternalStore. */
  version = 0;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly onLocal: () => void;

  private constructor(
    private readonly store: Store,
    private readonly transport: Transport,
    snapshot: { meta: Meta; recs: Rec[]; queue: Mutation[] },
    opts: Options,
  ) {
    this.meta = snapshot.meta;
    for (const r of snapshot.recs) this.recs.set(r.id, r);
    this.queue = [...snapshot.queue].sort((a, b) => a.id - b.id);
    this.now = opts.now ?? (() => new Date());
    this.newId = opts.newId ?? (() => crypto.randomUUID());
    this.onLocal = opts.onLocal ?? (() => undefined);
  }

  static async open(store: Store, transport: Transport, opts: Options = {}): Promise<Journal> {
    return new Journal(store, transport, await store.load(), opts);
  }

  get clientId(): string {
    return this.meta.clientId;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed() {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  /** entries are the local views, deleted ones included (for undo), newest change first. */
  entries(): Entry[] {
    return [...this.recs.values()].map((r) => r.local).sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.created_at.localeCompare(a.created_at));
  }

  entry(id: string): Entry | undefined {
    return this.recs.get(id)?.local;
  }

  /** server is the entry as last pulled. */
  server(id: string): Entry | undefined {
    return this.recs.get(id)?.server;
  }

  status(id: string): EntryStatus {
    if (this.recs.get(id)?.local.conflicts.length) return "conflict";
    return this.queue.some((m) => m.args.id === id) ? "waiting" : "synced";
  }

  state(): SyncState {
    return {
      syncing: this.syncing,
      error: this.error,
      lastSyncedAt: this.meta.lastSyncedAt,
      limit: this.meta.limit,
      usage: this.meta.usage,
      pending: this.queue.length,
    };
  }

  /** pendingMutations is a copy of the queue, oldest first. */
  pendingMutations(): Mutation[] {
    return structuredClone(this.queue);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private stamp(e: Entry): Entry {
    return { ...e, updated_at: this.now().toISOString() };
  }

  /** enqueue writes the entry and its mutation in one transaction. */
  private async enqueue(rec: Rec, name: Mutation["name"], args: Mutation["args"]): Promise<void> {
    const m: Mutation = { id: this.meta.nextMutationId, name, args };
    const w: Write = { put: [rec], meta: { nextMutationId: m.id + 1 } };
    // A delete while the queue is stopped at the limit goes first, so it
    // can free the room the stopped mutation needs; the queue's unsent
    // mutations are renumbered (the server has seen none of them).
    const limit = this.meta.limit;
    let queue = [...this.queue, m];
    if (limit && name === "deleteEntry") {
      const head = queue.filter((q) => q.id < limit.mutation_id);
      const tail = queue.filter((q) => q.id >= limit.mutation_id && q !== m);
      queue = [...head, m, ...tail].map((q, i) => ({ ...q, id: (head[0]?.id ?? limit.mutation_id) + i }));
      w.requeue = queue;
      w.meta = { nextMutationId: m.id + 1, limit: undefined };
    } else w.enqueue = [m];
    await this.store.write(w);
    this.queue = queue;
    this.recs.set(rec.id, rec);
    this.meta = { ...this.meta, ...w.meta };
    this.changed();
    this.onLocal();
  }

  /** create starts an entry (private unless stated) and answers it. */
  create(fields: Partial<Fields> = {}): Promise<Entry> {
    return this.serial(async () => {
      const id = this.newId();
      const created_at = this.now().toISOString();
      const args = { id, created_at, title: "", body: "", mode: "standalone", session_id: "", visibility: "private", tags: [], card_refs: [], mood: 0, prompt_id: "", ...fields };
      const m: Mutation = { id: 0, name: "createEntry", args };
      const local = apply(undefined, m)!;
      await this.enqueue({ id, local }, "createEntry", args);
      return local;
    });
  }

  /** edit changes some fields; while typing, edits fold into the last unsent mutation of the entry. */
  edit(id: string, next: Partial<Fields>): Promise<void> {
    return this.serial(async () => {
      const rec = this.recs.get(id);
      if (!rec) throw new Error("no such entry");
      const changes = changed(rec.local, next);
      if (Object.keys(changes).length === 0) return;
      const local = this.stamp(apply(rec.local, { id: 0, name: "updateEntry", args: { id, ...changes } })!);
      const last = this.queue.at(-1);
      const folded = last && last.id > this.inflightThrough ? coalesce(last, id, changes) : undefined;
      if (folded) {
        const updated = { ...rec, local };
        await this.store.write({ put: [updated], replace: [folded] });
        this.queue = [...this.queue.slice(0, -1), folded];
        this.recs.set(id, updated);
        this.changed();
        this.onLocal();
        return;
      }
      await this.enqueue({ ...rec, local }, "updateEntry", { id, ...this.base(rec), ...changes });
    });
  }

  /** base is what an edit is made on: the server's copy, or the create still on its way. */
  private base(rec: Rec): { base_rev: number; base_body: string } {
    if (rec.server) return { base_rev: rec.server.rev, base_body: rec.server.body };
    const create = this.queue.find((m) => m.name === "createEntry" && m.args.id === rec.id);
    return { base_rev: 1, base_body: String(create?.args.body ?? rec.local.body) };
  }

  remove(id: string): Promise<void> {
    return this.serial(async () => {
      const rec = this.recs.get(id);
      if (!rec || rec.local.deleted) return;
      await this.enqueue({ ...rec, local: this.stamp({ ...rec.local, deleted: true }) }, "deleteEntry", { id, base_rev: this.base(rec).base_rev });
    });
  }

  restore(id: string): Promise<void> {
    return this.serial(async () => {
      const rec = this.recs.get(id);
      if (!rec || !rec.local.deleted) return;
      await this.enqueue({ ...rec, local: this.stamp({ ...rec.local, deleted: false }) }, "restoreEntry", { id });
    });
  }

  /** resolve settles conflict versions with the body (and title) the person chose. */
  resolve(id: string, choice: { body: string; title?: string; resolved: string[] }): Promise<void> {
    return this.serial(async () => {
      const rec = this.recs.get(id);
      if (!rec) return;
      const args = { id, base_rev: this.base(rec).base_rev, body: choice.body, resolved: choice.resolved, ...(choice.title !== undefined ? { title: choice.title } : {}) };
      const local = this.stamp(apply(rec.local, { id: 0, name: "resolveConflict", args })!);
      await this.enqueue({ ...rec, local }, "resolveConflict", args);
    });
  }

  /** cachedPrompts are the prompts last fetched for a key (phase, card, language), for offline. */
  cachedPrompts(key: string) {
    return this.store.prompts(key);
  }

  savePrompts(key: string, prompts: Prompt[]) {
    return this.store.savePrompts(key, prompts);
  }

  /** usage keeps the latest usage the server reported. */
  async setUsage(usage: Usage): Promise<void> {
    await this.serial(() => this.store.write({ meta: { usage } }));
    this.meta = { ...this.meta, usage };
    this.changed();
  }

  /** close lets go of the store (the person signed out). */
  close() {
    this.listeners.clear();
    this.store.close();
  }

  /** retryLimit lets the queue try the mutation the limit stopped (after an upgrade, say). */
  retryLimit(): Promise<void> {
    return this.serial(async () => {
      await this.store.write({ meta: { limit: undefined } });
      this.meta = { ...this.meta, limit: undefined };
      this.changed();
    });
  }

  /** sync pushes, then pulls; a call while one runs makes that one go round again. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      this.syncing = true;
      this.changed();
      try {
        do {
          this.again = false;
          await this.push();
          await this.pull();
        } while (this.again);
        this.error = undefined;
        const lastSyncedAt = this.now().toISOString();
        await this.serial(() => this.store.write({ meta: { lastSyncedAt } }));
        this.meta = { ...this.meta, lastSyncedAt };
      } catch (err) {
        this.error = err;
        throw err;
      } finally {
        this.syncing = false;
        this.running = undefined;
        this.changed();
      }
    })();
    return this.running;
  }

  private async push(): Promise<void> {
    for (;;) {
      const batch = this.queue.slice(0, pushBatch);
      if (batch.length === 0) return;
      if (this.meta.limit && batch[0].id >= this.meta.limit.mutation_id) return;
      const through = batch[batch.length - 1].id;
      this.inflightThrough = through;
      let answer: PushAnswer;
      try {
        answer = await this.transport.push({ client_id: this.meta.clientId, mutations: batch });
      } catch (err) {
        this.inflightThrough = 0;
        if (err instanceof HttpProblem && err.status === 409 && err.is("mutation-gap")) {
          await this.ack(Number(err.problem.last_mutation_id ?? 0));
          continue;
        }
        if (err instanceof HttpProblem && err.status === 403 && err.is("journal-limit")) {
          const limit = err.problem as unknown as LimitProblem;
          await this.ack(limit.last_mutation_id, { limit, ...(limit.usage ? { usage: limit.usage } : {}) });
          return;
        }
        throw err;
      }
      this.inflightThrough = 0;
      await this.ack(answer.last_mutation_id, answer.usage ? { usage: answer.usage } : {});
      // The server stopped short of the batch: leave the rest for the next round.
      if (answer.last_mutation_id < through) return;
    }
  }

  /**
   * ack drops the mutations the server has applied. Should the server be
   * ahead of the queue's numbering (it knows mutations this device no
   * longer has) or behind it with a hole, the unsent mutations are
   * renumbered to follow the server's count.
   */
  private ack(last: number, meta: Partial<Meta> = {}): Promise<void> {
    return this.serial(async () => {
      const rest = this.queue.filter((m) => m.id > last);
      const w: Write = { ackThrough: last, meta };
      if (rest.length && rest[0].id !== last + 1) {
        const renumbered = rest.map((m, i) => ({ ...m, id: last + 1 + i }));
        w.requeue = renumbered;
        w.meta = { ...meta, nextMutationId: last + 1 + rest.length };
        this.queue = renumbered;
      } else {
        this.queue = rest;
        if (!rest.length && this.meta.nextMutationId <= last) w.meta = { ...meta, nextMutationId: last + 1 };
      }
      await this.store.write(w);
      this.meta = { ...this.meta, ...w.meta };
      this.changed();
    });
  }

  private async pull(): Promise<void> {
    for (;;) {
      const answer = await this.transport.pull({ client_id: this.meta.clientId, cookie: this.meta.cookie });
      await this.ack(answer.last_mutation_id, { cookie: answer.cookie });
      await this.serial(async () => {
        const put: Rec[] = [];
        for (const server of answer.entries) {
          const pending = this.queue.filter((m) => m.args.id === server.id);
          put.push({ id: server.id, server, local: view(server, pending) ?? server });
        }
        if (put.length) await this.store.write({ put });
        for (const r of put) this.recs.set(r.id, r);
        this.changed();
      });
      if (!answer.more) return;
    }
  }
}
