import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { finishSSO, isEmulated, signIn, ssoRedirect } from "../auth";
import { api, data } from "../api/client";
import { authMessageKey } from "../api/problem";
import { isolate } from "../i18n";
import { useUser } from "../session";

interface SSO {
  email: string;
  providerId: string;
  emulated: boolean;
}

// discover asks whether the address's organisation requires its own
// single sign-on; any failure means "no" (the password form stays, and the
// API still refuses a password sign-in where SSO is required).
async function discover(email: string): Promise<SSO | null> {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return null;
  try {
    const d = await data(api.GET("/accounts/v1/sso/discover", { params: { query: { email } } }));
    if (!d.sso_required || !d.provider_id) return null;
    return { email, providerId: d.provider_id, emulated: await isEmulated() };
  } catch {
    return null;
  }
}

export function SignIn() {
  const { t } = useTranslation();
  const user = useUser();
  const navigate = useNavigate();
  const state = useLocation().state as { from?: string; notice?: string } | null;
  const from = state?.from ?? "/";
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [sso, setSSO] = useState<SSO | null>(null);
  // The last address checked and its answer, so a submit right after the
  // blur waits for the same answer instead of asking again.
  const checked = useRef<{ email: string; answer: Promise<SSO | null> }>(undefined);

  useEffect(() => {
    finishSSO().catch((err) => setError(authMessageKey(err)));
  }, []);

  if (user) return <Navigate to={from} replace />;

  async function check(email: string): Promise<SSO | null> {
    email = email.trim().toLowerCase();
    if (checked.current?.email !== email) {
      const answer = discover(email);
      checked.current = { email, answer };
      void answer.then((found) => checked.current?.email === email && setSSO(found));
    }
    return checked.current.answer;
  }

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      if (await check(String(form.get("email")))) return;
      await signIn(String(form.get("email")), String(form.get("password")));
      navigate(from, { replace: true });
    } catch (err) {
      setError(authMessageKey(err));
    } finally {
      setBusy(false);
    }
  }

  async function redirect() {
    if (!sso || sso.emulated) return;
    setBusy(true);
    try {
      await ssoRedirect(sso.providerId);
    } catch (err) {
      setError(authMessageKey(err));
      setBusy(false);
    }
  }

  return (
    <section className="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t("signIn.title")}</h1>
      <p className="lead">{t("signIn.lead")}</p>
      {state?.notice && (
        <p className="status" role="status">
          {state.notice}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="email">{t("signIn.email")}</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            dir="ltr"
            aria-describedby={sso ? "sso-notice" : undefined}
            onBlur={(e) => void check(e.currentTarget.value)}
            onChange={(e) => {
              if (sso && e.currentTarget.value.trim().toLowerCase() !== sso.email) setSSO(null);
            }}
          />
        </div>
        {sso ? (
          <div className="sso-notice" id="sso-notice" role="status">
            <h2>{t("signIn.sso.title")}</h2>
            <p>{t("signIn.sso.lead", { email: isolate(sso.email) })}</p>
            {sso.emulated ? (
              <p className="hint">{t("signIn.sso.local", { provider: isolate(sso.providerId) })}</p>
            ) : (
              <button type="button" className="button" disabled={busy} onClick={() => void redirect()}>
                {t("signIn.sso.continue")}
              </button>
            )}
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor="password">{t("signIn.password")}</label>
              <input id="password" name="password" type="password" autoComplete="current-password" required dir="ltr" />
            </div>
            {error && (
              <p className="error" role="alert">
                {t(error)}
              </p>
            )}
            <button type="submit" className="button" disabled={busy}>
              {busy ? t("signIn.submitting") : t("signIn.submit")}
            </button>
          </>
        )}
      </form>
      <p className="alt">
        <Link to="/reset-password">{t("signIn.forgot")}</Link>
      </p>
      <p className="alt">
        {t("signIn.noAccount")} <Link to="/sign-up">{t("signUp.title")}</Link>
      </p>
    </section>
  );
}
