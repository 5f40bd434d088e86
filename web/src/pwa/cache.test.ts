import { afterEach, describe, expect, it, vi } from "vitest";
import { apiCacheName, clearApiCache } from "./cache";

describe("clearApiCache", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("deletes the service worker's API cache and nothing else", async () => {
    const deleted: string[] = [];
    vi.stubGlobal("caches", { delete: async (name: string) => (deleted.push(name), true) });
    await clearApiCache();
    expect(deleted).toEqual([apiCacheName]);
  });

  it("does nothing where there is no Cache Storage", async () => {
    vi.stubGlobal("caches", undefined);
    await expect(clearApiCache()).resolves.toBeUndefined();
  });
});
