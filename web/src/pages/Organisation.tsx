import { useState, type FormEvent } from "react";
import { Navigate } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { ApiError, problemMessageKey } from "../api/problem";
import { refreshUser } from "../auth";
import { fieldProps, formErrors, type FormErrors } from "../forms";
import { Card, FieldMessage, FormMessage, Loading } from "../components";
import { isolate } from "../i18n";

const orgTypes = ["corporate", "educational", "nonprofit", "healthcare"] as const;

function useMe() {
  return useQuery({ queryKey: ["accounts", "me"], queryFn: () => data(api.GET("/accounts/v1/me")) });
}

// CreateOrg: a facilitator or an org admin without an organisation founds
// one and becomes its admin.
function CreateOrg() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<FormErrors>();
  const create = useMutation({
    mutationFn: (body: { name: string; type: (typeof orgTypes)[number] }) => data(api.POST("/accounts/v1/orgs", { body })),
    onSuccess: async () => {
      // The founder is now the organisation's admin: new claims.
      await refreshUser();
      await queryClient.invalidateQueries({ queryKey: ["accounts"] });
    },
    onError: (err) => setErrors(formErrors(err, ["name", "type"])),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setErrors(undefined);
    create.mutate({ name: String(f.get("name") ?? "").trim(), type: String(f.get("type")) as (typeof orgTypes)[number] });
  }
  return (
    <Card title={t("org.createTitle")} lead={t("org.createLead")}>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="name">{t("org.name")}</label>
          <input id="name" name="name" required maxLength={100} autoComplete="organization" {...fieldProps(errors, "name")} />
          <FieldMessage errors={errors} name="name" />
        </div>
        <div className="field">
          <label htmlFor="type">{t("org.type")}</label>
          <select id="type" name="type" defaultValue="corporate" {...fieldProps(errors, "type")}>
            {orgTypes.map((o) => (
              <option key={o} value={o}>
                {t(`org.types.${o}`)}
              </option>
            ))}
          </select>
          <FieldMessage errors={errors} name="type" />
        </div>
        <FormMessage errors={errors} />
        <button type="submit" className="button" disabled={create.isPending}>
          {create.isPending ? t("app.saving") : t("org.create")}
        </button>
      </form>
    </Card>
  );
}

// Invitations: invite by email and see who has not answered yet.
function Invitations({ orgId, canInviteStaff }: { orgId: string; canInviteStaff: boolean }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<FormErrors>();
  const [sentTo, setSentTo] = useState<string>();
  const params = { path: { orgId } };
  const org = useQuery({ queryKey: ["accounts", "org", orgId], queryFn: () => data(api.GET("/accounts/v1/orgs/{orgId}", { params })) });
  const list = useQuery({
    queryKey: ["accounts", "org", orgId, "invitations"],
    queryFn: () => data(api.GET("/accounts/v1/orgs/{orgId}/invitations", { params })),
  });
  const invite = useMutation({
    mutationFn: (body: { email: string; role: "participant" | "facilitator" | "educator" | "org_admin" }) =>
      data(api.POST("/accounts/v1/orgs/{orgId}/invitations", { params, body })),
    onSuccess: async (inv, _body) => {
      setSentTo(inv.email);
      await queryClient.invalidateQueries({ queryKey: ["accounts", "org", orgId, "invitations"] });
    },
    onError: (err) => setErrors(formErrors(err, ["email", "role"])),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setErrors(undefined);
    setSentTo(undefined);
    invite.mutate(
      { email: String(f.get("email") ?? "").trim(), role: String(f.get("role") ?? "participant") as "participant" },
      { onSuccess: () => form.reset() },
    );
  }
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" });
  const invitations = list.data?.invitations ?? [];
  return (
    <Card title={org.data?.name ?? t("org.title")} lead={t("org.inviteLead")}>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="invite-email">{t("org.inviteEmail")}</label>
          <input id="invite-email" name="email" type="email" autoComplete="off" required dir="ltr" {...fieldProps(errors, "email")} />
          <FieldMessage errors={errors} name="email" />
        </div>
        <div className="field">
          <label htmlFor="invite-role">{t("org.inviteRole")}</label>
          <select id="invite-role" name="role" defaultValue="participant" {...fieldProps(errors, "role")}>
            {(canInviteStaff ? (["participant", "facilitator", "educator", "org_admin"] as const) : (["participant"] as const)).map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
          <FieldMessage errors={errors} name="role" />
        </div>
        <FormMessage errors={errors} />
        <p className="status" role="status">
          {sentTo ? t("org.invited", { email: isolate(sentTo) }) : ""}
        </p>
        <button type="submit" className="button" disabled={invite.isPending}>
          {invite.isPending ? t("app.saving") : t("org.invite")}
        </button>
      </form>
      <h2>{t("org.pending")}</h2>
      {list.isError ? (
        <p className="error">{t(problemMessageKey(list.error instanceof ApiError ? list.error.problem : list.error))}</p>
      ) : invitations.length === 0 ? (
        <p className="hint">{list.isPending ? t("app.loading") : t("org.noPending")}</p>
      ) : (
        <ul className="list" aria-label={t("org.pending")}>
          {invitations.map((inv) => (
            <li key={inv.id}>
              <span dir="ltr">{inv.email}</span>
              <span className="hint">
                {inv.role && t(`role.${inv.role}`)}
                {inv.expires_at && ` · ${t("org.expires", { date: date.format(new Date(inv.expires_at)) })}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export default function Organisation() {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) {
    return (
      <section className="card" role="alert">
        <p className="error">{t(problemMessageKey(me.error instanceof ApiError ? me.error.problem : me.error))}</p>
      </section>
    );
  }
  if (!me.data.registered) return <Navigate to="/welcome" replace />;
  const role = me.data.role;
  if (role !== "facilitator" && role !== "org_admin") return <Navigate to="/" replace />;
  if (!me.data.org) return <CreateOrg />;
  return <Invitations orgId={me.data.org} canInviteStaff={role === "org_admin"} />;
}
