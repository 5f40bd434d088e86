// Where the journal lives on this device: one IndexedDB database per person
// (journal-<uid>), so a second account in the same browser never sees the
// first one's entries, and signing out hides them without deleting them.
// Every change is one transaction over the entries, the queue and the meta:
// a word typed is either kept with its mutation or not at all.
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Entry, Mutation, Prompt, Usage, LimitProblem } from "./types";

/** Rec is an entry as this device holds it. */
export interface Rec {
  id: string;
  /** server is the entry as last pulled (the base of edits); absent until the create is pulled. */
  server?: Entry;
  /** local is what the person sees: server plus the edits not yet acknowledged. */
  local: Entry;
}

export interface Meta {
  clientId: string;
  cookie: number;
  /** nextMutationId is the id the next queued mutation gets (strictly +1 per client). */
  nextMutationId: number;
  lastSyncedAt?: string;
  usage?: Usage;
  limit?: LimitProblem;
}

export interface Write {
  put?: Rec[];
  enqueue?: Mutation[];
  /** replace rewrites queued mutations in place (same ids). */
  replace?: Mutation[];
  /** ackThrough drops the queued mutations with an id up to it. */
  ackThrough?: number;
  /** requeue replaces the whole queue (renumbered mutations the server has not seen). */
  requeue?: Mutation[];
  meta?: Partial<Meta>;
}

export interface Snapshot {
  meta: Meta;
  recs: Rec[];
  queue: Mutation[];
}

export interface Store {
  load(): Promise<Snapshot>;
  write(w: Write): Promise<void>;
  prompts(key: string): Promise<Prompt[] | undefined>;
  savePrompts(key: string, prompts: Prompt[]): Promise<void>;
  close(): void;
}

export function newClientId(): string {
  return crypto.randomUUID();
}

interface Schema extends DBSchema {
  entries: { key: string; value: Rec };
  queue: { key: number; value: Mutation };
  meta: { key: string; value: Meta };
  prompts: { key: string; value: { key: string; prompts: Prompt[] } };
}

const metaKey = "state";

/** openStore opens (creating on first use) the person's journal on this device. */
export async function openStore(uid: string): Promise<Store> {
  const db: IDBPDatabase<Schema> = await openDB<Schema>(`journal-${uid}`, 1, {
    upgrade(d) {
      d.createObjectStore("entries", { keyPath: "id" });
      d.createObjectStore("queue", { keyPath: "id" });
      d.createObjectStore("meta");
      d.createObjectStore("prompts", { keyPath: "key" });
    },
  });
  return {
    async load() {
      const tx = db.transaction(["entries", "queue", "meta"], "readwrite");
      let meta = await tx.objectStore("meta").get(metaKey);
      if (!meta) {
        meta = { clientId: newClientId(), cookie: 0, nextMutationId: 1 };
        await tx.objectStore("meta").put(meta, metaKey);
      }
      const [recs, queue] = await Promise.all([tx.objectStore("entries").getAll(), tx.objectStore("queue").getAll()]);
      await tx.done;
      return { meta, recs, queue };
    },
    async write(w) {
      const tx = db.transaction(["entries", "queue", "meta"], "readwrite");
      const entries = tx.objectStore("entries");
      const queue = tx.objectStore("queue");
      const metas = tx.objectStore("meta");
      const ops: Promise<unknown>[] = [];
      for (const r of w.put ?? []) ops.push(entries.put(r));
      if (w.requeue) {
        await queue.clear();
        for (const m of w.requeue) ops.push(queue.put(m));
      }
      for (const m of [...(w.enqueue ?? []), ...(w.replace ?? [])]) ops.push(queue.put(m));
      if (w.ackThrough !== undefined) ops.push(queue.delete(IDBKeyRange.upperBound(w.ackThrough)));
      if (w.meta) {
        const now = await metas.get(metaKey);
        ops.push(metas.put({ ...now!, ...w.meta }, metaKey));
      }
      await Promise.all([...ops, tx.done]);
    },
    async prompts(key) {
      return (await db.get("prompts", key))?.prompts;
    },
    async savePrompts(key, prompts) {
      await db.put("prompts", { key, prompts });
    },
    close: () => db.close(),
  };
}

/** memoryStore keeps everything in memory: for tests, and where IndexedDB is missing. */
export function memoryStore(clientId = newClientId()): Store & { snapshot(): Snapshot } {
  let meta: Meta = { clientId, cookie: 0, nextMutationId: 1 };
  const recs = new Map<string, Rec>();
  let queue: Mutation[] = [];
  const prompts = new Map<string, Prompt[]>();
  const copy = <T>(v: T): T => structuredClone(v);
  const snapshot = () => ({ meta: copy(meta), recs: copy([...recs.values()]), queue: copy(queue) });
  return {
    snapshot,
    async load() {
      return snapshot();
    },
    async write(w) {
      for (const r of w.put ?? []) recs.set(r.id, copy(r));
      if (w.requeue) queue = copy(w.requeue);
      for (const m of w.enqueue ?? []) queue.push(copy(m));
      for (const m of w.replace ?? []) queue = queue.map((q) => (q.id === m.id ? copy(m) : q));
      if (w.ackThrough !== undefined) queue = queue.filter((m) => m.id > w.ackThrough!);
      queue.sort((a, b) => a.id - b.id);
      if (w.meta) meta = { ...meta, ...copy(w.meta) };
    },
    async prompts(key) {
      return prompts.get(key);
    },
    async savePrompts(key, p) {
      prompts.set(key, p);
    },
    close() {},
  };
}
