import { useMemo, useState, type FormEvent } from "react";
import { Navigate, useNavigate } from "react-router";
import { useTranslation } from "react-i18next";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { refreshUser } from "../auth";
import { getMe, useMe } from "../me";
import { languages, setLanguage, type Language } from "../i18n";
import { fieldProps, formErrors, type FormErrors } from "../forms";
import { Card, FieldMessage, FormMessage, Loading, Submit } from "../components";
import { useUser } from "../session";
import { acceptPath, pendingInvitation } from "../organisation/pending";
import { joinErrors, useJoinWithCode } from "../organisation/JoinWithCode";

const roles = ["participant", "facilitator", "educator", "org_admin"] as const;
const shown = ["display_name", "role", "language", "timezone"] as const;

// Where a person goes once onboarded: staff to their organisation (to
// found one), everyone else home.
function destination(role?: string) {
  return role === "facilitator" || role === "org_admin" ? "/organisation" : "/";
}

// Onboarding: who the person is in Studio (the role decides the screens
// they see; language and time zone how text and dates are shown), an
// optional organisation code, then four short questions of their role.
export default function Welcome() {
  const me = useMe();
  const [codeFailed, setCodeFailed] = useState<FormErrors>();
  if (me.isPending) return <Loading />;
  if (me.isError) return <Profile />;
  if (!me.data.registered) return <Profile onCodeFailed={setCodeFailed} />;
  if (codeFailed) return <CodeRetry first={codeFailed} done={() => setCodeFailed(undefined)} />;
  const ob = me.data.onboarding;
  if (!ob || ob.completed || !ob.steps?.length) return <Navigate to={destination(me.data.role)} replace />;
  return <Steps key={ob.step} />;
}

function Profile({ onCodeFailed }: { onCodeFailed?: (e: FormErrors) => void }) {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const join = useJoinWithCode();
  const [errors, setErrors] = useState<FormErrors>();
  const invitation = pendingInvitation();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = useMemo(() => {
    const all = Intl.supportedValuesOf?.("timeZone") ?? [];
    return all.includes(zone) ? all : [zone, ...all];
  }, [zone]);
  const names = useMemo(() => new Intl.DisplayNames([i18n.language], { type: "language" }), [i18n.language]);

  const save = useMutation({
    mutationFn: async (v: { body: { display_name: string; role: (typeof roles)[number]; language: Language; timezone: string }; code: string }) => {
      const me = await data(api.PUT("/accounts/v1/me/profile", { body: v.body }));
      // A new role is a new claim in the ID token.
      if (me.refresh_token) await refreshUser();
      return me;
    },
    onSuccess: async (me, v) => {
      await setLanguage(v.body.language);
      if (v.code) {
        try {
          await join.mutateAsync(v.code);
        } catch (err) {
          onCodeFailed?.(joinErrors(err));
        }
      }
      await queryClient.invalidateQueries({ queryKey: ["accounts", "me"] });
      if (invitation) navigate(acceptPath(invitation), { replace: true });
      else if (!me.onboarding?.steps?.length) navigate(destination(me.role), { replace: true });
    },
    onError: (err) => setErrors(formErrors(err, shown)),
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setErrors(undefined);
    save.mutate({
      body: {
        display_name: String(f.get("display_name") ?? "").trim(),
        role: String(f.get("role") ?? "") as (typeof roles)[number],
        language: String(f.get("language")) as Language,
        timezone: String(f.get("timezone")),
      },
      code: String(f.get("org_code") ?? "").trim(),
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
        {invitation ? (
          <p className="hint">{t("welcome.invitationWaiting")}</p>
        ) : (
          <div className="field">
            <label htmlFor="org_code">{t("welcome.orgCode")}</label>
            <input id="org_code" name="org_code" dir="ltr" autoComplete="off" autoCapitalize="characters" spellCheck={false} maxLength={40} placeholder="ABCDE-23456" aria-describedby="org_code-hint" />
            <p className="hint" id="org_code-hint">{t("welcome.orgCodeHint")}</p>
          </div>
        )}
        <FormMessage errors={errors} />
        <Submit pending={save.isPending}>{t("welcome.submit")}</Submit>
      </form>
    </Card>
  );
}

// CodeRetry: the profile is saved but the organisation code did not work;
// the person corrects it or goes on without.
function CodeRetry({ first, done }: { first: FormErrors; done: () => void }) {
  const { t } = useTranslation();
  const join = useJoinWithCode();
  const [errors, setErrors] = useState<FormErrors>(first);
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    join.mutate(String(new FormData(e.currentTarget).get("org_code") ?? "").trim(), {
      onSuccess: done,
      onError: (err) => setErrors(joinErrors(err)),
    });
  }
  const fieldErrors: FormErrors = { fields: errors.fields.code ? { org_code: errors.fields.code } : {}, form: errors.form };
  return (
    <Card title={t("welcome.codeTitle")} lead={t("welcome.codeLead")} narrow>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="org_code">{t("organisation.join.code")}</label>
          <input id="org_code" name="org_code" dir="ltr" autoComplete="off" required maxLength={40} {...fieldProps(fieldErrors, "org_code")} />
          <FieldMessage errors={fieldErrors} name="org_code" />
        </div>
        <FormMessage errors={fieldErrors} />
        <div className="actions">
          <button type="submit" className="button" disabled={join.isPending}>
            {t("organisation.join.submit")}
          </button>
          <button type="button" className="button secondary" onClick={done}>
            {t("welcome.codeSkip")}
          </button>
        </div>
      </form>
    </Card>
  );
}

type Value = string | string[] | boolean;

// Steps: the role's onboarding questions, one step at a time. Each step
// is saved on its own, so a person can stop and come back.
function Steps() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = queryClient.getQueryData<{ role?: string; onboarding?: OnboardingView }>(["accounts", "me"]);
  const ob = me!.onboarding!;
  const step = ob.steps!.find((s) => s.number === ob.step)!;
  const saved = ob.data?.[step.name ?? ""] as Record<string, Value> | undefined;
  const [errors, setErrors] = useState<FormErrors>();
  const names = (step.fields ?? []).map((f) => f.name ?? "");
  const save = useMutation({
    mutationFn: (body: Record<string, Value>) =>
      data(api.PUT("/accounts/v1/me/onboarding/steps/{step}", { params: { path: { step: step.number! } }, body })),
    onSuccess: (next) => {
      queryClient.setQueryData(["accounts", "me"], { ...me, onboarding: next });
      if (next.completed) navigate(destination(me?.role), { replace: true });
    },
    onError: (err) => setErrors(formErrors(err, names)),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setErrors(undefined);
    const body: Record<string, Value> = {};
    const missing: Record<string, string> = {};
    for (const field of step.fields ?? []) {
      const name = field.name!;
      if (field.kind === "bool") body[name] = f.get(name) === "on";
      else if (field.kind === "list") body[name] = f.getAll(name).map(String);
      else if (f.get(name)) body[name] = String(f.get(name));
      else missing[name] = "welcome.steps.choose";
    }
    if (Object.keys(missing).length > 0) return setErrors({ fields: missing });
    save.mutate(body);
  }
  const total = ob.total ?? 4;
  return (
    <Card title={t(`welcome.steps.names.${step.name}`)} lead={t("welcome.steps.lead")}>
      <p className="hint onboarding-progress">
        <span>{t("welcome.steps.progress", { step: step.number, total })}</span>
        <progress max={total} value={step.number ?? 1} aria-label={t("welcome.steps.progress", { step: step.number, total })} />
      </p>
      <form onSubmit={submit} noValidate>
        {(step.fields ?? []).map((field) => {
          const name = field.name!;
          const prior = saved?.[name];
          if (field.kind === "bool") {
            return (
              <div className="field" key={name}>
                <label className="choice">
                  <input type="checkbox" name={name} defaultChecked={prior === true} />
                  <span>
                    <strong>{t(`welcome.steps.fields.${name}.label`)}</strong>
                    <span className="hint">{t(`welcome.steps.fields.${name}.hint`)}</span>
                  </span>
                </label>
              </div>
            );
          }
          const multiple = field.kind === "list";
          return (
            <fieldset className="field choices" key={name} {...fieldProps(errors, name)}>
              <legend>{t(`welcome.steps.fields.${name}.label`)}</legend>
              {(field.values ?? []).map((v) => (
                <label key={v} className="choice">
                  <input
                    type={multiple ? "checkbox" : "radio"}
                    name={name}
                    value={v}
                    defaultChecked={multiple ? Array.isArray(prior) && prior.includes(v) : prior === v}
                  />
                  <span>{valueLabel(t, name, v)}</span>
                </label>
              ))}
              <FieldMessage errors={errors} name={name} />
            </fieldset>
          );
        })}
        <FormMessage errors={errors} />
        <div className="actions">
          <Submit pending={save.isPending}>{step.number === total ? t("welcome.steps.finish") : t("welcome.steps.next")}</Submit>
          <button type="button" className="button quiet" onClick={() => navigate(destination(me?.role), { replace: true })}>
            {t("welcome.steps.later")}
          </button>
        </div>
      </form>
    </Card>
  );
}

type OnboardingView = NonNullable<Awaited<ReturnType<typeof getMe>>["onboarding"]>;

// valueLabel names a choice: organisation types and group sizes have
// labels of their own elsewhere or need none.
function valueLabel(t: (k: string) => string, field: string, v: string) {
  if (field === "org_type") return t(`org.types.${v}`);
  if (field === "group_size") return v;
  return t(`welcome.steps.fields.${field}.values.${v}`);
}
