import { describe, expect, it } from "vitest";
import { FakeServer } from "./fakeserver.test-util";
import { HttpProblem, Journal, pushBatch } from "./journal";
import { memoryStore } from "./store";

let n = 0;
const newId = () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;

async function device(server: FakeServer, clientId?: string) {
  const store = memoryStore(clientId);
  const j = await Journal.open(store, server.transport(), { newId });
  return { j, store };
}

describe("Journal", () => {
  it("keeps an entry written offline and syncs it once online", async () => {
    const server = new FakeServer();
    server.offline = true;
    const { j, store } = await device(server);
    const e = await j.create({ title: "Morning", body: "First words" });
    expect(store.snapshot().queue.map((m) => m.name)).toEqual(["createEntry"]);
    await expect(j.sync()).rejects.toThrow(TypeError);
    expect(j.status(e.id)).toBe("waiting");
    // A new page on the same device reads it back from the store.
    const again = await Journal.open(store, server.transport());
    expect(again.entry(e.id)?.body).toBe("First words");
    server.offline = false;
    await again.sync();
    expect(again.status(e.id)).toBe("synced");
    expect(server.entries.get(e.id)?.body).toBe("First words");
    const other = await device(server);
    await other.j.sync();
    expect(other.j.entry(e.id)?.title).toBe("Morning");
  });

  it("folds autosaves into the unsent mutation", async () => {
    const server = new FakeServer();
    const { j, store } = await device(server);
    const e = await j.create();
    for (const body of ["a", "ab", "abc"]) await j.edit(e.id, { body });
    const q = store.snapshot().queue;
    expect(q).toHaveLength(1);
    expect(q[0].args.body).toBe("abc");
    await j.sync();
    await j.edit(e.id, { body: "abcd" });
    await j.edit(e.id, { title: "T" });
    const q2 = store.snapshot().queue;
    expect(q2).toHaveLength(1);
    expect(q2[0]).toMatchObject({ id: 2, name: "updateEntry", args: { base_rev: 1, base_body: "abc", body: "abcd", title: "T" } });
  });

  it("numbers mutations strictly +1 and a retried push is harmless", async () => {
    const server = new FakeServer();
    const { j, store } = await device(server);
    const a = await j.create({ body: "a" });
    const b = await j.create({ body: "b" });
    await j.remove(a.id);
    expect(store.snapshot().queue.map((m) => m.id)).toEqual([1, 2, 3]);
    const sent = store.snapshot().queue;
    await j.sync();
    expect(server.push(j.clientId, sent).last_mutation_id).toBe(3);
    expect(server.entries.get(a.id)?.deleted).toBe(true);
    expect(server.entries.get(b.id)?.rev).toBe(1);
    expect(store.snapshot().meta.nextMutationId).toBe(4);
  });

  it("resends from the server's count after a gap", async () => {
    const server = new FakeServer();
    const { j, store } = await device(server);
    await store.write({ meta: { nextMutationId: 7 } });
    const k = await Journal.open(store, server.transport(), { newId });
    const e = await k.create({ body: "gap" });
    expect(store.snapshot().queue[0].id).toBe(7);
    await k.sync();
    expect(server.entries.get(e.id)?.body).toBe("gap");
    expect(server.last.get(k.clientId)).toBe(1);
    expect(store.snapshot().meta.nextMutationId).toBe(2);
    void j;
  });

  it("stops at the limit, keeps the words, and lets a delete through first", async () => {
    const server = new FakeServer();
    server.entryLimit = 1;
    const { j, store } = await device(server);
    const a = await j.create({ body: "one" });
    const b = await j.create({ body: "two" });
    await j.sync();
    expect(j.state().limit).toMatchObject({ limit: "entries", mutation_id: 2 });
    expect(j.status(b.id)).toBe("waiting");
    expect(j.entry(b.id)?.body).toBe("two");
    const pushes = server.pushes.length;
    await j.sync();
    expect(server.pushes.length).toBe(pushes);
    await j.remove(a.id);
    expect(store.snapshot().queue.map((m) => [m.id, m.name])).toEqual([
      [2, "deleteEntry"],
      [3, "createEntry"],
    ]);
    await j.sync();
    expect(j.state().limit).toBeUndefined();
    expect(server.entries.get(b.id)?.body).toBe("two");
    expect(server.entries.get(a.id)?.deleted).toBe(true);
  });

  it("plays unsynced edits over pulled entries", async () => {
    const server = new FakeServer();
    const one = await device(server);
    const two = await device(server);
    const e = await one.j.create({ title: "t", body: "shared" });
    await one.j.sync();
    await two.j.sync();
    await two.j.edit(e.id, { title: "from two" });
    await one.j.edit(e.id, { body: "changed on one" });
    await one.j.sync();
    server.offline = true;
    await expect(two.j.sync()).rejects.toThrow();
    server.offline = false;
    // Pull only: what two sees is the server's body and its own title.
    const rebased = await Journal.open(two.store, { push: async () => ({ last_mutation_id: 0 }), pull: server.transport().pull });
    await rebased.sync();
    expect(rebased.entry(e.id)).toMatchObject({ title: "from two", body: "changed on one" });
    expect(rebased.status(e.id)).toBe("waiting");
  });

  it("shows a conflict and resolves it", async () => {
    const server = new FakeServer();
    const one = await device(server);
    const two = await device(server);
    const e = await one.j.create({ body: "base" });
    await one.j.sync();
    await two.j.sync();
    await one.j.edit(e.id, { body: "one's words" });
    await two.j.edit(e.id, { body: "two's words" });
    await one.j.sync();
    await two.j.sync();
    expect(two.j.status(e.id)).toBe("conflict");
    const c = two.j.entry(e.id)!.conflicts[0];
    expect(c.body).toBe("two's words");
    await two.j.resolve(e.id, { body: "one's words and two's words", resolved: [c.id] });
    await two.j.sync();
    await one.j.sync();
    expect(one.j.entry(e.id)).toMatchObject({ body: "one's words and two's words", conflicts: [] });
    expect(two.j.status(e.id)).toBe("synced");
  });

  it("restores a deleted entry", async () => {
    const server = new FakeServer();
    const { j } = await device(server);
    const e = await j.create({ body: "keep me" });
    await j.remove(e.id);
    expect(j.entry(e.id)?.deleted).toBe(true);
    await j.restore(e.id);
    await j.sync();
    expect(server.entries.get(e.id)?.deleted).toBe(false);
  });

  it("pushes at most the batch size at once", async () => {
    const server = new FakeServer();
    const { j } = await device(server);
    const e = await j.create();
    // Distinct mutations: each delete/restore pair is two.
    for (let i = 0; i < 300; i++) {
      await j.remove(e.id);
      await j.restore(e.id);
    }
    await j.sync();
    expect(server.pushes.map((p) => p.length)).toEqual([pushBatch, 101]);
    expect(j.state().pending).toBe(0);
  });

  it("keeps the queue when the server fails", async () => {
    const server = new FakeServer();
    const { j } = await device(server);
    await j.create({ body: "x" });
    const failing = await Journal.open(memoryStore(), {
      push: async () => {
        throw new HttpProblem(503, { type: "about:blank" });
      },
      pull: server.transport().pull,
    });
    await failing.create({ body: "y" });
    await expect(failing.sync()).rejects.toThrow(HttpProblem);
    expect(failing.state().pending).toBe(1);
  });
});
