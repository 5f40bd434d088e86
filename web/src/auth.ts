// Firebase Auth, configured from Hosting's /__/firebase/init.json: the local
// Hosting emulator adds emulators.auth there, so the same build signs in
// against the Auth emulator locally and Google's Identity Platform deployed.
// The browser uses Firebase for Auth only; data goes through /api.
import { initializeApp } from "firebase/app";
import {
  browserLocalPersistence,
  connectAuthEmulator,
  initializeAuth,
  onIdTokenChanged,
  signInWithEmailAndPassword,
  signOut as fbSignOut,
  type Auth,
  type User,
} from "firebase/auth";

interface InitJSON {
  apiKey: string;
  authDomain?: string;
  projectId: string;
  emulators?: { auth?: string };
}

let authPromise: Promise<Auth> | undefined;

export function getAuth(): Promise<Auth> {
  authPromise ??= (async () => {
    const res = await fetch("/__/firebase/init.json");
    if (!res.ok) throw new Error(`init.json: ${res.status}`);
    const init = (await res.json()) as InitJSON;
    const app = initializeApp({ apiKey: init.apiKey, authDomain: init.authDomain, projectId: init.projectId });
    // No popup/redirect resolver: password sign-in needs no iframe.
    const auth = initializeAuth(app, { persistence: browserLocalPersistence });
    if (init.emulators?.auth) connectAuthEmulator(auth, init.emulators.auth, { disableWarnings: true });
    await auth.authStateReady();
    return auth;
  })();
  return authPromise;
}

export async function idToken(): Promise<string | undefined> {
  const auth = await getAuth();
  return auth.currentUser ? auth.currentUser.getIdToken() : undefined;
}

export async function signIn(email: string, password: string): Promise<User> {
  const cred = await signInWithEmailAndPassword(await getAuth(), email, password);
  return cred.user;
}

export async function signOut(): Promise<void> {
  await fbSignOut(await getAuth());
}

export async function watchUser(cb: (u: User | null) => void): Promise<() => void> {
  return onIdTokenChanged(await getAuth(), cb);
}
