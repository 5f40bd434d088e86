// The signed-in person, as Firebase Auth knows them; undefined until Auth
// has restored any earlier sign-in.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import type { User } from "firebase/auth";
import { watchUser } from "./auth";

// Each token change is a new context value: Firebase keeps the same User
// object when it reloads it (a verified email, new claims), and the pages
// must see those changes.
const UserContext = createContext<{ user: User | null | undefined }>({ user: undefined });

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<{ user: User | null | undefined }>({ user: undefined });
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    watchUser((user) => setState({ user }))
      .then((s) => (cancelled ? s() : (stop = s)))
      .catch(() => setState({ user: null }));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, []);
  return <UserContext.Provider value={state}>{children}</UserContext.Provider>;
}

export function useUser() {
  return useContext(UserContext).user;
}

