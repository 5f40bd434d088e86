import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { requestPasswordReset, resetEmail, resetPassword } from "../auth";
import { authMessageKey } from "../api/problem";
import { Card } from "../components";
import { isolate } from "../i18n";

// /reset-password asks for the link; opened from the link itself
// (?mode=resetPassword&oobCode=…) it sets the new password.
export default function ResetPassword() {
  const [params] = useSearchParams();
  const code = params.get("mode") === "resetPassword" ? params.get("oobCode") : null;
  return code ? <NewPassword code={code} /> : <RequestLink />;
}

function RequestLink() {
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

// linkError names what is wrong with a reset link's code.
function linkError(err: unknown): string {
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  if (code === "auth/expired-action-code" || code === "auth/invalid-action-code" || code === "auth/user-not-found") return "reset.linkInvalid";
  if (code === "auth/weak-password") return "signUp.errors.weak";
  return authMessageKey(err);
}

function NewPassword({ code }: { code: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [email, setEmail] = useState<string>();
  const [invalid, setInvalid] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    resetEmail(code).then(
      (e) => live && setEmail(e),
      (err) => live && setInvalid(linkError(err)),
    );
    return () => {
      live = false;
    };
  }, [code]);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const password = String(new FormData(e.currentTarget).get("password") ?? "");
    if (password.length < 6) return setError("signUp.errors.weak");
    setBusy(true);
    setError(undefined);
    try {
      await resetPassword(code, email!, password);
      navigate("/", { replace: true });
    } catch (err) {
      const key = linkError(err);
      if (key === "reset.linkInvalid") setInvalid(key);
      else setError(key);
      setBusy(false);
    }
  }

  if (invalid) {
    return (
      <Card title={t("reset.newTitle")} narrow>
        <p className="error" role="alert">{t(invalid)}</p>
        <p className="alt">
          <Link to="/reset-password">{t("reset.again")}</Link>
        </p>
      </Card>
    );
  }
  return (
    <Card title={t("reset.newTitle")} lead={email ? t("reset.newLead", { email: isolate(email) }) : t("app.loading")} narrow>
      <form onSubmit={submit} noValidate>
        <input type="email" name="username" autoComplete="username" value={email ?? ""} readOnly hidden />
        <div className="field">
          <label htmlFor="password">{t("reset.newPassword")}</label>
          <input id="password" name="password" type="password" autoComplete="new-password" required minLength={6} dir="ltr" aria-invalid={error ? true : undefined} aria-describedby={error ? "password-hint password-error" : "password-hint"} />
          <p className="hint" id="password-hint">{t("signUp.passwordHint")}</p>
          {error && (
            <p className="field-error" id="password-error" role="alert">
              {t(error)}
            </p>
          )}
        </div>
        <button type="submit" className="button" disabled={busy || !email}>
          {busy ? t("app.saving") : t("reset.save")}
        </button>
      </form>
    </Card>
  );
}
