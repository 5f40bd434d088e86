// The service worker keeps the last answers of the API (a NetworkFirst
// cache) so the app can show them offline. They belong to whoever was signed
// in: when nobody is, they go, so a shared device shows no one's data to the
// next person.
export const apiCacheName = "api";

export async function clearApiCache(): Promise<void> {
  if (typeof caches === "undefined") return;
  await caches.delete(apiCacheName);
}
