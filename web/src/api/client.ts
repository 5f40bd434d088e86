// The typed API client: paths, parameters and bodies come from
// infra/openapi.yaml (schema.d.ts, generated), so a route the Go functions
// do not serve does not compile. Every request goes through Hosting (/api).
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError } from "./problem";
import { idToken } from "../auth";

const auth: Middleware = {
  async onRequest({ request }) {
    const token = await idToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "/api" });
api.use(auth);

// data returns an answer's body or throws an ApiError with its problem, for
// use as a TanStack Query queryFn.
export async function data<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (error !== undefined || !response.ok) throw new ApiError(error || { type: "about:blank", title: response.statusText, status: response.status });
  return data as T;
}
