// The app's one realtime socket, configured from the canvas API's
// /v1/config (the gateway's address) and the Firebase ID token.
import { useEffect, useRef, useState } from "react";
import { onIdTokenChanged } from "firebase/auth";
import { getAuth, idToken } from "../auth";
import { RealtimeClient, type Frame, type Status } from "./client";

export type { Frame, Status } from "./client";
export { RealtimeClient } from "./client";

let client: RealtimeClient | undefined;
let configured: Promise<string> | undefined;

async function gatewayURL(): Promise<string> {
  configured ??= (async () => {
    const token = await idToken();
    const res = await fetch("/api/canvas/v1/config", { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!res.ok) throw new Error(`config ${res.status}`);
    const body = (await res.json()) as { realtime_url?: string };
    if (!body.realtime_url) throw new Error("config without realtime_url");
    return body.realtime_url;
  })();
  // A failed look-up is asked again at the next attempt.
  configured.catch(() => (configured = undefined));
  return configured;
}

export function realtime(): RealtimeClient {
  client ??= new RealtimeClient({
    url: gatewayURL,
    token: async (refresh) => {
      const auth = await getAuth();
      return auth.currentUser ? auth.currentUser.getIdToken(refresh) : undefined;
    },
    onToken: (cb) => {
      let stop: (() => void) | undefined;
      let done = false;
      void getAuth().then((auth) => {
        if (done) return;
        stop = onIdTokenChanged(auth, (u) => {
          if (!u) cb(undefined);
          else void u.getIdToken().then(cb, () => cb(undefined));
        });
      });
      return () => {
        done = true;
        stop?.();
      };
    },
  });
  return client;
}

/**
 * useChannel follows channel while mounted (nothing when channel is
 * empty) and returns the socket's status; onFrame sees every frame of it.
 */
export function useChannel(channel: string | undefined, onFrame: (f: Frame) => void): Status {
  const ref = useRef(onFrame);
  ref.current = onFrame;
  const [status, setStatus] = useState<Status>(() => (client ? client.status : "idle"));
  useEffect(() => {
    if (!channel) return;
    const c = realtime();
    setStatus(c.status);
    const stopStatus = c.onStatus(setStatus);
    const stop = c.subscribe(channel, (f) => ref.current(f));
    return () => {
      stop();
      stopStatus();
    };
  }, [channel]);
  return status;
}

// useRealtimeStatus is the socket's status, for screens that poll only
// while it is down.
export function useRealtimeStatus(): Status {
  const [status, setStatus] = useState<Status>(() => (client ? client.status : "idle"));
  useEffect(() => {
    const c = realtime();
    setStatus(c.status);
    return c.onStatus(setStatus);
  }, []);
  return status;
}
