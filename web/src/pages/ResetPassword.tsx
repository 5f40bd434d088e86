import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { requestPasswordReset } from "../auth";
import { authMessageKey } from "../api/problem";
import { Card } from "../components";

export default function ResetPassword() {
  const { t } = useTranslation();
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get("email"));
    setBusy(true);
    setError(undefined);
    try {
      await requestPasswordReset(email);
      setSent(true);
    } catch (err) {
      // The same answer whether or not the address has an account, so the
      // page does not tell who is registered.
      const code = String((err as { code?: unknown } | null)?.code ?? "");
      if (code === "auth/user-not-found") setSent(true);
      else setError(code === "auth/invalid-email" || code === "auth/missing-email" ? "signUp.errors.email" : authMessageKey(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title={t("reset.title")} lead={t("reset.lead")} narrow>
      {sent ? (
        <p className="status" role="status">
          {t("reset.sent")}
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="email">{t("signIn.email")}</label>
            <input id="email" name="email" type="email" autoComplete="email" required dir="ltr" aria-invalid={error ? true : undefined} aria-describedby={error ? "email-error" : undefined} />
            {error && (
              <p className="field-error" id="email-error" role="alert">
                {t(error)}
              </p>
            )}
          </div>
          <button type="submit" className="button" disabled={busy}>
            {t("reset.submit")}
          </button>
        </form>
      )}
      <p className="alt">
        <Link to="/sign-in">{t("reset.back")}</Link>
      </p>
    </Card>
  );
}
