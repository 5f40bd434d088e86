import { useMemo, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { refreshUser } from "../auth";
import { languages, setLanguage, type Language } from "../i18n";
import { fieldProps, formErrors, type FormErrors } from "../forms";
import { Card, FieldMessage, FormMessage } from "../components";
import { useUser } from "../session";

const roles = ["participant", "facilitator", "educator", "org_admin"] as const;
const shown = ["display_name", "role", "language", "timezone"] as const;

// Onboarding: who the person is in Studio. The role decides the screens they
// see; language and time zone how dates and text are shown to them.
export default function Welcome() {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<FormErrors>();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = useMemo(() => {
    const all = Intl.supportedValuesOf?.("timeZone") ?? [];
    return all.includes(zone) ? all : [zone, ...all];
  }, [zone]);
  const names = useMemo(() => new Intl.DisplayNames([i18n.language], { type: "language" }), [i18n.language]);

  const save = useMutation({
    mutationFn: (body: { display_name: string; role: (typeof roles)[number]; language: Language; timezone: string }) =>
      data(api.PUT("/accounts/v1/me/profile", { body })),
    onSuccess: async (me, body) => {
      // A new role is a new claim in the ID token.
      if (me.refresh_token) await refreshUser();
      await setLanguage(body.language);
      queryClient.setQueryData(["accounts", "me"], me);
      navigate(body.role === "facilitator" || body.role === "org_admin" ? "/organisation" : "/", { replace: true });
    },
    onError: (err) => setErrors(formErrors(err, shown)),
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setErrors(undefined);
    save.mutate({
      display_name: String(f.get("display_name") ?? "").trim(),
      role: String(f.get("role") ?? "") as (typeof roles)[number],
      language: String(f.get("language")) as Language,
      timezone: String(f.get("timezone")),
    });
  }

  return (
    <Card title={t("welcome.title")} lead={t("welcome.lead")}>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="display_name">{t("welcome.displayName")}</label>
          <input id="display_name" name="display_name" autoComplete="name" required maxLength={100} defaultValue={user?.displayName ?? ""} {...fieldProps(errors, "display_name")} />
          <FieldMessage errors={errors} name="display_name" />
        </div>
        <fieldset className="field choices" {...fieldProps(errors, "role")}>
          <legend>{t("welcome.role")}</legend>
          {roles.map((r) => (
            <label key={r} className="choice">
              <input type="radio" name="role" value={r} required />
              <span>
                <strong>{t(`role.${r}`)}</strong>
                <span className="hint">{t(`welcome.roleHint.${r}`)}</span>
              </span>
            </label>
          ))}
          <FieldMessage errors={errors} name="role" />
        </fieldset>
        <div className="field">
          <label htmlFor="language">{t("welcome.language")}</label>
          <select id="language" name="language" defaultValue={i18n.resolvedLanguage} {...fieldProps(errors, "language")}>
            {languages.map((l) => (
              <option key={l} value={l}>
                {names.of(l)}
              </option>
            ))}
          </select>
          <FieldMessage errors={errors} name="language" />
        </div>
        <div className="field">
          <label htmlFor="timezone">{t("welcome.timezone")}</label>
          <select id="timezone" name="timezone" defaultValue={zone} dir="ltr" {...fieldProps(errors, "timezone")}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z.replaceAll("_", " ")}
              </option>
            ))}
          </select>
          <FieldMessage errors={errors} name="timezone" />
        </div>
        <FormMessage errors={errors} />
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? t("app.saving") : t("welcome.submit")}
        </button>
      </form>
    </Card>
  );
}
