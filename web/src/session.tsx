// The signed-in person, as Firebase Auth knows them; undefined until Auth
// has restored any earlier sign-in.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import type { User } from "firebase/auth";
import { watchUser } from "./auth";

const UserContext = createContext<User | null | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    watchUser(setUser)
      .then((s) => (cancelled ? s() : (stop = s)))
      .catch(() => setUser(null));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, []);
  return <UserContext.Provider value={user}>{children}</UserContext.Provider>;
}

export function useUser() {
  return useContext(UserContext);
}
