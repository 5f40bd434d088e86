// Single sign-on through an Identity Platform SAML or OIDC provider, by
// redirect. Loaded only when an address needs it.
import { browserPopupRedirectResolver, getRedirectResult, OAuthProvider, SAMLAuthProvider, signInWithRedirect, type Auth, type User } from "firebase/auth";

export async function redirect(auth: Auth, providerId: string): Promise<void> {
  const provider = providerId.startsWith("saml.") ? new SAMLAuthProvider(providerId) : new OAuthProvider(providerId);
  await signInWithRedirect(auth, provider, browserPopupRedirectResolver);
}

export async function result(auth: Auth): Promise<User | null> {
  const cred = await getRedirectResult(auth, browserPopupRedirectResolver);
  return cred?.user ?? null;
}
