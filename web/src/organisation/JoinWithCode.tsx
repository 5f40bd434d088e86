import { useState, type FormEvent } from "react";
import { Link, Navigate } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { refreshUser } from "../auth";
import { Card, FieldMessage, FormMessage, Loading, Submit } from "../components";
import { fieldProps, type FormErrors } from "../forms";
import { problemMessageKey } from "../api/problem";
import { problemOf, statusOf, useMe } from "./shared";

// joinErrors places a failed join: an unknown code belongs to the field.
export function joinErrors(err: unknown): FormErrors {
  const s = statusOf(err);
  if (s === 404 || s === 400) return { fields: { code: "organisation.join.unknown" } };
  if (s === 409) return { fields: { code: "organisation.join.already" } };
  return { fields: {}, form: problemMessageKey(problemOf(err)) };
}

export function useJoinWithCode() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => data(api.POST("/accounts/v1/orgs/join", { body: { code } })),
    onSuccess: async () => {
      await refreshUser();
      await queryClient.invalidateQueries({ queryKey: ["accounts"] });
    },
  });
}

// JoinWithCode: a person without an organisation joins one with the code
// their facilitator or organisation gave them.
export function JoinWithCode() {
  const { t } = useTranslation();
  const me = useMe();
  const join = useJoinWithCode();
  const [errors, setErrors] = useState<FormErrors>();
  if (me.isPending) return <Loading />;
  if (me.data && !me.data.registered) return <Navigate to="/welcome" replace />;
  if (join.isSuccess) {
    return (
      <Card title={t("organisation.accept.joinedTitle")} lead={t("organisation.accept.joined", { role: t(`role.${join.data.role ?? "participant"}`) })} narrow>
        <Link className="button" to="/">
          {t("organisation.accept.continue")}
        </Link>
      </Card>
    );
  }
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setErrors(undefined);
    join.mutate(String(new FormData(e.currentTarget).get("code") ?? "").trim(), { onError: (err) => setErrors(joinErrors(err)) });
  }
  return (
    <Card title={t("organisation.join.title")} lead={me.data?.org ? t("organisation.join.leadMember") : t("organisation.join.lead")} narrow>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="code">{t("organisation.join.code")}</label>
          <input id="code" name="code" dir="ltr" autoComplete="off" autoCapitalize="characters" spellCheck={false} required maxLength={40} placeholder="ABCDE-23456" {...fieldProps(errors, "code")} />
          <FieldMessage errors={errors} name="code" />
        </div>
        <FormMessage errors={errors} />
        <Submit pending={join.isPending}>{t("organisation.join.submit")}</Submit>
      </form>
    </Card>
  );
}
