// Firebase Auth, configured from Hosting's /__/firebase/init.json: the local
// Hosting emulator adds emulators.auth there, so the same build signs in
// against the Auth emulator locally and Google's Identity Platform deployed.
// The browser uses Firebase for Auth only; data goes through /api.
import { initializeApp } from "firebase/app";
import {
  browserLocalPersistence,
  confirmPasswordReset,
  connectAuthEmulator,
  createUserWithEmailAndPassword,
  initializeAuth,
  onIdTokenChanged,
  sendEmailVerification,
  sendPasswordResetEmail,
  signInWithEmailAndPassword,
  signOut as fbSignOut,
  verifyPasswordResetCode,
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
let emulated = false;

export function getAuth(): Promise<Auth> {
  authPromise ??= (async () => {
    const res = await fetch("/__/firebase/init.json");
    if (!res.ok) throw new Error(`init.json: ${res.status}`);
    const init = (await res.json()) as InitJSON;
    const app = initializeApp({ apiKey: init.apiKey, authDomain: init.authDomain, projectId: init.projectId });
    // No popup/redirect resolver: password sign-in needs no iframe.
    const auth = initializeAuth(app, { persistence: browserLocalPersistence });
    if (init.emulators?.auth) connectAuthEmulator(auth, init.emulators.auth, { disableWarnings: true });
    emulated = !!init.emulators?.auth;
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

// signUp creates the account and sends the verification email: the API
// accepts a profile only from a verified address.
export async function signUp(email: string, password: string): Promise<User> {
  const auth = await getAuth();
  auth.languageCode = document.documentElement.lang || null;
  const cred = await createUserWithEmailAndPassword(auth, email, password);
  await sendEmailVerification(cred.user);
  return cred.user;
}

export async function resendVerification(): Promise<void> {
  const auth = await getAuth();
  if (auth.currentUser) await sendEmailVerification(auth.currentUser);
}

// refreshUser reloads the account (emailVerified) and takes a new ID token,
// so that the API sees a verified address or changed role claims at once.
export async function refreshUser(): Promise<User | null> {
  const auth = await getAuth();
  const u = auth.currentUser;
  if (!u) return null;
  await u.reload();
  await u.getIdToken(true);
  return u;
}

// requestPasswordReset mails a reset link. The project's email template
// points the link at this app's /reset-password (Firebase adds mode and
// oobCode); the continue URL brings the person back to sign in.
export async function requestPasswordReset(email: string): Promise<void> {
  const auth = await getAuth();
  auth.languageCode = document.documentElement.lang || null;
  await sendPasswordResetEmail(auth, email, { url: `${location.origin}/sign-in` });
}

// resetEmail checks a reset link's code and returns the account's address.
export async function resetEmail(oobCode: string): Promise<string> {
  return verifyPasswordResetCode(await getAuth(), oobCode);
}

// resetPassword sets the new password with the link's code, then signs in
// with it.
export async function resetPassword(oobCode: string, email: string, password: string): Promise<User> {
  await confirmPasswordReset(await getAuth(), oobCode, password);
  return signIn(email, password);
}

// isEmulated says whether Auth is the local emulator, which has no
// identity providers to redirect to.
export async function isEmulated(): Promise<boolean> {
  await getAuth();
  return emulated;
}

// ssoRedirect sends the person to their organisation's identity provider
// and finishSSO completes the sign-in when they come back (sso.ts, loaded
// only then).
export async function ssoRedirect(providerId: string): Promise<void> {
  const sso = await import("./organisation/sso");
  globalThis.sessionStorage?.setItem(ssoFlag, "1");
  await sso.redirect(await getAuth(), providerId);
}

const ssoFlag = "ssoRedirect";

export async function finishSSO(): Promise<User | null> {
  if (!globalThis.sessionStorage?.getItem(ssoFlag)) return null;
  globalThis.sessionStorage.removeItem(ssoFlag);
  const sso = await import("./organisation/sso");
  return sso.result(await getAuth());
}

export async function signOut(): Promise<void> {
  await fbSignOut(await getAuth());
}

export async function watchUser(cb: (u: User | null) => void): Promise<() => void> {
  return onIdTokenChanged(await getAuth(), cb);
}
