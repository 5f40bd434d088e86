// An invitation opened before the person could accept it (signed out, no
// profile yet) is remembered in this browser until it is accepted or
// found unusable, so sign-up and onboarding lead back to it.
const key = "pendingInvitation";

export function rememberInvitation(token: string) {
  globalThis.localStorage?.setItem(key, token);
}

export function pendingInvitation(): string | null {
  return globalThis.localStorage?.getItem(key) ?? null;
}

export function forgetInvitation() {
  globalThis.localStorage?.removeItem(key);
}

export function acceptPath(token: string) {
  return `/organisation/invitations/accept?token=${encodeURIComponent(token)}`;
}
