import { useEffect, useState } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { refreshUser } from "../auth";
import { Card, Loading } from "../components";
import { isolate } from "../i18n";
import { useUser } from "../session";
import { ErrorText, problemOf, statusOf, useMe } from "./shared";
import { acceptPath, forgetInvitation, pendingInvitation, rememberInvitation } from "./pending";
import "./organisation.css";

// The page an invitation mail links to. Signed out, it explains how to
// go on (sign in or create an account with the invited address); signed
// in with a profile, it joins the organisation.
export function AcceptInvitation() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get("token") ?? pendingInvitation() ?? "";
  const user = useUser();
  const me = useMe(!!user?.emailVerified);
  const queryClient = useQueryClient();
  const [joined, setJoined] = useState<{ role: string; onboarded: boolean }>();

  useEffect(() => {
    if (token && !joined) rememberInvitation(token);
  }, [token, joined]);

  const accept = useMutation({
    mutationFn: () => data(api.POST("/accounts/v1/invitations/accept", { body: { token } })),
    onSuccess: async (res) => {
      forgetInvitation();
      // The new organisation and role are claims of a fresh ID token.
      await refreshUser();
      await queryClient.invalidateQueries({ queryKey: ["accounts"] });
      setJoined({ role: res.role ?? "participant", onboarded: !!me.data?.onboarding?.completed });
    },
    onError: (err) => {
      // A link that can never work is not kept for later.
      const s = statusOf(err);
      if (s === 404 || s === 409) forgetInvitation();
    },
  });

  if (!token) {
    return (
      <Card title={t("organisation.accept.title")} narrow>
        <p className="error">{t("organisation.accept.noToken")}</p>
      </Card>
    );
  }
  if (user === undefined) return <Loading />;
  const here = acceptPath(token);
  if (user === null) {
    return (
      <Card title={t("organisation.accept.title")} lead={t("organisation.accept.signedOut")} narrow>
        <div className="actions">
          <Link className="button" to="/sign-up">
            {t("signUp.title")}
          </Link>
          <Link className="button secondary" to="/sign-in" state={{ from: here }}>
            {t("signIn.title")}
          </Link>
        </div>
        <p className="hint org-space">{t("organisation.accept.sameAddress")}</p>
      </Card>
    );
  }
  if (!user.emailVerified) return <Navigate to="/verify-email" replace />;
  if (me.isPending) return <Loading />;
  if (me.isError) return <Card title={t("organisation.accept.title")} narrow><ErrorText error={me.error} /></Card>;
  // The invitation needs a profile first; onboarding comes back here.
  if (!me.data.registered) return <Navigate to="/welcome" replace />;

  if (joined) {
    return (
      <Card title={t("organisation.accept.joinedTitle")} lead={t("organisation.accept.joined", { role: t(`role.${joined.role}`) })} narrow>
        <p className="status" role="status">{t("organisation.accept.joinedStatus")}</p>
        <Link className="button" to={joined.onboarded ? "/" : "/welcome"}>
          {t("organisation.accept.continue")}
        </Link>
      </Card>
    );
  }
  const p = problemOf(accept.error) as { type?: string } | undefined;
  const sso = p?.type?.endsWith("/sso-required");
  return (
    <Card title={t("organisation.accept.title")} lead={t("organisation.accept.lead", { email: isolate(user.email ?? "") })} narrow>
      {accept.isError && (
        <ErrorText
          error={accept.error}
          overrides={sso ? {} : { 403: "organisation.accept.otherAddress", 404: "organisation.accept.invalid", 409: "organisation.accept.used" }}
        />
      )}
      <button type="button" className="button" disabled={accept.isPending || accept.isError} onClick={() => accept.mutate()}>
        {accept.isPending ? t("app.saving") : t("organisation.accept.submit")}
      </button>
      {accept.isError && (
        <p className="alt">
          <Link to="/" onClick={() => forgetInvitation()}>{t("organisation.accept.home")}</Link>
        </p>
      )}
    </Card>
  );
}
