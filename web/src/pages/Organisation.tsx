import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { refreshUser } from "../auth";
import { fieldProps, formErrors, type FormErrors } from "../forms";
import { Card, FieldMessage, FormMessage, Submit } from "../components";

const orgTypes = ["corporate", "educational", "nonprofit", "healthcare"] as const;

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
        <Submit pending={create.isPending}>{t("org.create")}</Submit>
      </form>
    </Card>
  );
}

// The organisation console itself lives in organisation/ (members,
// invitations, single sign-on, privacy requests).
export default CreateOrg;
