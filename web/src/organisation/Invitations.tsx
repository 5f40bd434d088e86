import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { fieldProps, formErrors, type FormErrors } from "../forms";
import { FieldMessage, FormMessage, Submit } from "../components";
import { isolate } from "../i18n";
import { useOrg } from "./context";
import { ErrorText } from "./shared";

type Role = "participant" | "facilitator" | "educator" | "org_admin";
const allRoles: Role[] = ["participant", "facilitator", "educator", "org_admin"];

// Invitations: invite by email, see who has not answered yet, send an
// invitation again or revoke it.
export function Invitations() {
  const { t, i18n } = useTranslation();
  const { orgId, admin } = useOrg();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<FormErrors>();
  const [status, setStatus] = useState<string>();
  const params = { path: { orgId } };
  const listKey = ["accounts", "org", orgId, "invitations"];
  const list = useQuery({
    queryKey: listKey,
    queryFn: () => data(api.GET("/accounts/v1/orgs/{orgId}/invitations", { params })),
  });
  const invite = useMutation({
    mutationFn: (body: { email: string; role: Role }) => data(api.POST("/accounts/v1/orgs/{orgId}/invitations", { params, body })),
    onSuccess: async (inv) => {
      setStatus(t("org.invited", { email: isolate(inv.email ?? "") }));
      await queryClient.invalidateQueries({ queryKey: listKey });
    },
    onError: (err) => setErrors(formErrors(err, ["email", "role"])),
  });
  const revoke = useMutation({
    mutationFn: (id: string) =>
      data(api.DELETE("/accounts/v1/orgs/{orgId}/invitations/{invitationId}", { params: { path: { orgId, invitationId: id } } })),
    onSuccess: async (_r, id) => {
      const inv = list.data?.invitations?.find((i) => i.id === id);
      setStatus(t("organisation.invitations.revoked", { email: isolate(inv?.email ?? "") }));
      await queryClient.invalidateQueries({ queryKey: listKey });
    },
  });
  // Sending again is a new invitation (a new link, seven more days); the
  // old link is revoked so only one stays valid.
  const resend = useMutation({
    mutationFn: async (inv: { id: string; email: string; role: Role }) => {
      await data(api.POST("/accounts/v1/orgs/{orgId}/invitations", { params, body: { email: inv.email, role: inv.role } }));
      await data(api.DELETE("/accounts/v1/orgs/{orgId}/invitations/{invitationId}", { params: { path: { orgId, invitationId: inv.id } } }));
    },
    onSuccess: async (_r, inv) => {
      setStatus(t("organisation.invitations.resent", { email: isolate(inv.email) }));
      await queryClient.invalidateQueries({ queryKey: listKey });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: listKey }),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setErrors(undefined);
    setStatus(undefined);
    invite.mutate(
      { email: String(f.get("email") ?? "").trim(), role: String(f.get("role") ?? "participant") as Role },
      { onSuccess: () => form.reset() },
    );
  }
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" });
  const invitations = list.data?.invitations ?? [];
  const actionError = revoke.error ?? resend.error;
  return (
    <>
      <section className="card" aria-labelledby="invite-title">
        <h2 id="invite-title">{t("organisation.invitations.title")}</h2>
        <p className="lead">{t("org.inviteLead")}</p>
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="invite-email">{t("org.inviteEmail")}</label>
            <input id="invite-email" name="email" type="email" autoComplete="off" required dir="ltr" {...fieldProps(errors, "email")} />
            <FieldMessage errors={errors} name="email" />
          </div>
          <div className="field">
            <label htmlFor="invite-role">{t("org.inviteRole")}</label>
            <select id="invite-role" name="role" defaultValue="participant" {...fieldProps(errors, "role")}>
              {(admin ? allRoles : (["participant"] as Role[])).map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
            <FieldMessage errors={errors} name="role" />
          </div>
          <FormMessage errors={errors} />
          <Submit pending={invite.isPending}>{t("org.invite")}</Submit>
        </form>
        <p className="status" role="status">
          {status ?? ""}
        </p>
        <h3>{t("org.pending")}</h3>
        {actionError && <ErrorText error={actionError} overrides={{ 409: "organisation.invitations.notPending" }} />}
        {list.isError ? (
          <ErrorText error={list.error} />
        ) : invitations.length === 0 ? (
          <p className="hint">{list.isPending ? t("app.loading") : t("org.noPending")}</p>
        ) : (
          <ul className="list org-rows" aria-label={t("org.pending")}>
            {invitations.map((inv) => (
              <li key={inv.id}>
                <div className="org-who">
                  <span dir="ltr" className="org-email">{inv.email}</span>
                  <span className="hint">
                    {inv.role && t(`role.${inv.role}`)}
                    {inv.expires_at && ` · ${t("org.expires", { date: date.format(new Date(inv.expires_at)) })}`}
                  </span>
                </div>
                <div className="org-row-actions">
                  <button
                    type="button"
                    className="button quiet"
                    disabled={resend.isPending || revoke.isPending}
                    aria-label={t("organisation.invitations.resendFor", { email: inv.email })}
                    onClick={() => resend.mutate({ id: inv.id!, email: inv.email!, role: inv.role as Role })}
                  >
                    {t("organisation.invitations.resend")}
                  </button>
                  <button
                    type="button"
                    className="button danger"
                    disabled={resend.isPending || revoke.isPending}
                    aria-label={t("organisation.invitations.revokeFor", { email: inv.email })}
                    onClick={() => revoke.mutate(inv.id!)}
                  >
                    {t("organisation.invitations.revoke")}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      {admin && <JoinCode />}
    </>
  );
}

// JoinCode: the organisation code people join with as participants,
// without an invitation mail.
function JoinCode() {
  const { t } = useTranslation();
  const { orgId } = useOrg();
  const queryClient = useQueryClient();
  const params = { path: { orgId } };
  const org = useQuery({
    queryKey: ["accounts", "org", orgId],
    queryFn: () => data(api.GET("/accounts/v1/orgs/{orgId}", { params })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["accounts", "org", orgId] });
  const rotate = useMutation({ mutationFn: () => data(api.POST("/accounts/v1/orgs/{orgId}/join-code", { params, body: {} })), onSuccess: refresh });
  const off = useMutation({ mutationFn: () => data(api.DELETE("/accounts/v1/orgs/{orgId}/join-code", { params })), onSuccess: refresh });
  const code = org.data?.join_code;
  const busy = rotate.isPending || off.isPending;
  return (
    <section className="card" aria-labelledby="code-title">
      <h2 id="code-title">{t("organisation.code.title")}</h2>
      <p className="lead">{t("organisation.code.lead")}</p>
      {org.isPending ? (
        <p className="hint">{t("app.loading")}</p>
      ) : code ? (
        <p className="org-code" aria-label={t("organisation.code.current")}>
          <code dir="ltr">{code}</code>
        </p>
      ) : (
        <p className="hint">{t("organisation.code.none")}</p>
      )}
      {(rotate.error ?? off.error) && <ErrorText error={rotate.error ?? off.error} />}
      <div className="actions">
        <button type="button" className="button secondary" disabled={busy} onClick={() => rotate.mutate()}>
          {code ? t("organisation.code.rotate") : t("organisation.code.create")}
        </button>
        {code && (
          <button type="button" className="button danger" disabled={busy} onClick={() => off.mutate()}>
            {t("organisation.code.off")}
          </button>
        )}
      </div>
      {code && <p className="hint org-space">{t("organisation.code.rotateHint")}</p>}
    </section>
  );
}
