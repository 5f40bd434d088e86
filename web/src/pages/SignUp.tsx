import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { signUp } from "../auth";
import { authMessageKey } from "../api/problem";
import { fieldProps, type FormErrors } from "../forms";
import { Card, FieldMessage, FormMessage } from "../components";
import { useUser } from "../session";

// Firebase Auth's sign-up failures that belong to one field.
function signUpErrors(err: unknown): FormErrors {
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  if (code === "auth/email-already-in-use") return { fields: { email: "signUp.errors.exists" } };
  if (code === "auth/invalid-email" || code === "auth/missing-email") return { fields: { email: "signUp.errors.email" } };
  if (code === "auth/weak-password" || code === "auth/missing-password") return { fields: { password: "signUp.errors.weak" } };
  return { fields: {}, form: authMessageKey(err) };
}

export default function SignUp() {
  const { t } = useTranslation();
  const user = useUser();
  const navigate = useNavigate();
  const [errors, setErrors] = useState<FormErrors>();
  const [busy, setBusy] = useState(false);

  if (user && !busy) return <Navigate to="/" replace />;

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setErrors(undefined);
    try {
      await signUp(String(form.get("email")), String(form.get("password")));
      navigate("/verify-email", { replace: true });
    } catch (err) {
      setErrors(signUpErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title={t("signUp.title")} lead={t("signUp.lead")} narrow>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="email">{t("signIn.email")}</label>
          <input id="email" name="email" type="email" autoComplete="email" required dir="ltr" {...fieldProps(errors, "email")} />
          <FieldMessage errors={errors} name="email" />
        </div>
        <div className="field">
          <label htmlFor="password">{t("signIn.password")}</label>
          <input id="password" name="password" type="password" autoComplete="new-password" required minLength={6} dir="ltr" {...fieldProps(errors, "password", "password-hint")} />
          <p className="hint" id="password-hint">{t("signUp.passwordHint")}</p>
          <FieldMessage errors={errors} name="password" />
        </div>
        <FormMessage errors={errors} />
        <button type="submit" className="button" disabled={busy}>
          {busy ? t("signUp.submitting") : t("signUp.submit")}
        </button>
      </form>
      <p className="alt">
        {t("signUp.haveAccount")} <Link to="/sign-in">{t("signIn.title")}</Link>
      </p>
    </Card>
  );
}
