import { useState, type FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { signIn } from "../auth";
import { authMessageKey } from "../api/problem";
import { useUser } from "../session";

export function SignIn() {
  const { t } = useTranslation();
  const user = useUser();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? "/";
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  if (user) return <Navigate to={from} replace />;

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await signIn(String(form.get("email")), String(form.get("password")));
      navigate(from, { replace: true });
    } catch (err) {
      setError(authMessageKey(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t("signIn.title")}</h1>
      <p className="lead">{t("signIn.lead")}</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="email">{t("signIn.email")}</label>
          <input id="email" name="email" type="email" autoComplete="username" required dir="ltr" />
        </div>
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
