import { useState } from "react";
import { Navigate } from "react-router";
import { useTranslation } from "react-i18next";
import { refreshUser, resendVerification } from "../auth";
import { authMessageKey } from "../api/problem";
import { Card } from "../components";
import { isolate } from "../i18n";
import { useUser } from "../session";

// The page between sign-up and onboarding: the API accepts a profile only
// from a verified address, so the person opens the emailed link, then
// continues (the account is reloaded to see the change).
export default function VerifyEmail() {
  const { t } = useTranslation();
  const user = useUser();
  const [status, setStatus] = useState<{ key: string; error?: boolean }>();
  const [busy, setBusy] = useState(false);

  if (user === null) return <Navigate to="/sign-in" replace />;
  if (user?.emailVerified) return <Navigate to="/" replace />;

  async function run(action: () => Promise<unknown>, done: () => string | undefined) {
    setBusy(true);
    setStatus(undefined);
    try {
      await action();
      const key = done();
      if (key) setStatus({ key });
    } catch (err) {
      setStatus({ key: authMessageKey(err), error: true });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title={t("verify.title")} lead={t("verify.lead", { email: isolate(user?.email ?? "") })} narrow>
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => void run(refreshUser, () => (user?.emailVerified ? undefined : "verify.notYet"))}
        >
          {t("verify.continue")}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={() => void run(resendVerification, () => "verify.sent")}>
          {t("verify.resend")}
        </button>
      </div>
      <p className={status?.error ? "error" : "status"} role={status?.error ? "alert" : "status"}>
        {status ? t(status.key) : ""}
      </p>
    </Card>
  );
}
