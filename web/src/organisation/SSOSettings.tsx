import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { fieldProps, formErrors, type FormErrors } from "../forms";
import { FieldMessage, FormMessage, Submit } from "../components";
import { isolate } from "../i18n";
import { useOrg } from "./context";
import { ErrorText } from "./shared";

type SSOType = "saml" | "oidc";

// Single sign-on: the organisation's identity provider, the email domains
// it claims (each proven by a DNS TXT record), and whether people of those
// domains must sign in through the provider.
export function SSOSettings() {
  const { t } = useTranslation();
  const { orgId, admin } = useOrg();
  const params = { path: { orgId } };
  const org = useQuery({
    queryKey: ["accounts", "org", orgId],
    queryFn: () => data(api.GET("/accounts/v1/orgs/{orgId}", { params })),
  });
  if (!admin) return <section className="card"><p className="error">{t("problem.forbidden")}</p></section>;
  if (org.isPending) return <section className="card"><p className="hint" role="status">{t("app.loading")}</p></section>;
  if (org.isError) return <section className="card"><ErrorText error={org.error} /></section>;
  return (
    <>
      <Provider current={org.data.sso} />
      <Domains domains={org.data.domains ?? []} claims={org.data.domain_claims ?? []} />
      <Requirement required={!!org.data.sso_required} ready={!!org.data.sso && (org.data.domain_claims ?? []).some((c) => c.status === "verified")} />
    </>
  );
}

function useRefreshOrg() {
  const { orgId } = useOrg();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["accounts", "org", orgId] });
}

function Provider({ current }: { current?: { provider_id: string; type: SSOType; issuer: string; client_id?: string } }) {
  const { t } = useTranslation();
  const { orgId } = useOrg();
  const refresh = useRefreshOrg();
  const [type, setType] = useState<SSOType>(current?.type ?? "oidc");
  const [errors, setErrors] = useState<FormErrors>();
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: { provider_id: string; type: SSOType; issuer: string; client_id?: string }) =>
      data(api.PUT("/accounts/v1/orgs/{orgId}/sso", { params: { path: { orgId } }, body })),
    onSuccess: async () => {
      setSaved(true);
      await refresh();
    },
    onError: (err) => setErrors(formErrors(err, ["provider_id", "type", "issuer", "client_id"])),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setErrors(undefined);
    setSaved(false);
    const clientId = String(f.get("client_id") ?? "").trim();
    save.mutate({
      type,
      provider_id: String(f.get("provider_id") ?? "").trim(),
      issuer: String(f.get("issuer") ?? "").trim(),
      ...(type === "oidc" && clientId ? { client_id: clientId } : {}),
    });
  }
  return (
    <section className="card" aria-labelledby="sso-provider-title">
      <h2 id="sso-provider-title">{t("organisation.sso.providerTitle")}</h2>
      <p className="lead">{t("organisation.sso.providerLead")}</p>
      <form onSubmit={submit} noValidate>
        <fieldset className="field choices org-inline-choices">
          <legend>{t("organisation.sso.type")}</legend>
          {(["oidc", "saml"] as const).map((k) => (
            <label key={k} className="choice">
              <input type="radio" name="type" value={k} checked={type === k} onChange={() => setType(k)} />
              <span>
                <strong>{t(`organisation.sso.types.${k}`)}</strong>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="provider_id">{t("organisation.sso.providerId")}</label>
          <input id="provider_id" name="provider_id" dir="ltr" required defaultValue={current?.provider_id ?? ""} placeholder={`${type}.acme`} {...fieldProps(errors, "provider_id", "provider_id-hint")} />
          <p className="hint" id="provider_id-hint">{t("organisation.sso.providerIdHint", { prefix: `${type}.` })}</p>
          <FieldMessage errors={errors} name="provider_id" />
        </div>
        <div className="field">
          <label htmlFor="issuer">{type === "oidc" ? t("organisation.sso.issuerOidc") : t("organisation.sso.issuerSaml")}</label>
          <input id="issuer" name="issuer" dir="ltr" required defaultValue={current?.issuer ?? ""} {...fieldProps(errors, "issuer")} />
          <FieldMessage errors={errors} name="issuer" />
        </div>
        {type === "oidc" && (
          <div className="field">
            <label htmlFor="client_id">{t("organisation.sso.clientId")}</label>
            <input id="client_id" name="client_id" dir="ltr" required defaultValue={current?.client_id ?? ""} {...fieldProps(errors, "client_id")} />
            <FieldMessage errors={errors} name="client_id" />
          </div>
        )}
        <p className="hint org-space">{t("organisation.sso.noSecrets")}</p>
        <FormMessage errors={errors} />
        <p className="status" role="status">{saved ? t("organisation.sso.saved") : ""}</p>
        <Submit pending={save.isPending}>{t("organisation.sso.save")}</Submit>
      </form>
    </section>
  );
}

interface Claim {
  domain?: string;
  status?: "pending" | "verified";
  txt_record?: string;
  verified_at?: string;
}

function Domains({ domains, claims }: { domains: string[]; claims: Claim[] }) {
  const { t } = useTranslation();
  const { orgId } = useOrg();
  const refresh = useRefreshOrg();
  const [errors, setErrors] = useState<FormErrors>();
  const setDomains = useMutation({
    mutationFn: (next: string[]) => data(api.PATCH("/accounts/v1/orgs/{orgId}", { params: { path: { orgId } }, body: { domains: next } })),
    onSuccess: refresh,
    onError: (err) => setErrors(formErrors(err, ["domains"])),
  });
  function add(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const domain = String(new FormData(form).get("domain") ?? "").trim().toLowerCase();
    setErrors(undefined);
    if (!domain) return;
    if (domains.includes(domain)) return form.reset();
    setDomains.mutate([...domains, domain], { onSuccess: () => form.reset() });
  }
  // A field error (domains[i]) can only be about the one domain typed.
  const domainError: FormErrors | undefined =
    errors && (Object.keys(errors.fields).length > 0 || errors.form === "problem.validation") ? { fields: { domain: "organisation.sso.badDomain" } } : errors;
  return (
    <section className="card" aria-labelledby="sso-domains-title">
      <h2 id="sso-domains-title">{t("organisation.sso.domainsTitle")}</h2>
      <p className="lead">{t("organisation.sso.domainsLead")}</p>
      {claims.length === 0 ? (
        <p className="empty">{t("organisation.sso.noDomains")}</p>
      ) : (
        <ul className="org-domains" aria-label={t("organisation.sso.domainsTitle")}>
          {claims.map((c) => (
            <DomainRow key={c.domain} claim={c} onRemove={() => setDomains.mutate(domains.filter((d) => d !== c.domain))} removing={setDomains.isPending} />
          ))}
        </ul>
      )}
      <form onSubmit={add} noValidate className="org-add-domain">
        <div className="field">
          <label htmlFor="domain">{t("organisation.sso.addDomain")}</label>
          <input id="domain" name="domain" dir="ltr" placeholder="example.org" autoComplete="off" {...fieldProps(domainError, "domain")} />
          <FieldMessage errors={domainError} name="domain" />
        </div>
        {domainError?.form && <FormMessage errors={domainError} />}
        <button type="submit" className="button secondary" disabled={setDomains.isPending}>
          {t("organisation.sso.claim")}
        </button>
      </form>
    </section>
  );
}

function DomainRow({ claim, onRemove, removing }: { claim: Claim; onRemove: () => void; removing: boolean }) {
  const { t, i18n } = useTranslation();
  const { orgId } = useOrg();
  const refresh = useRefreshOrg();
  const verify = useMutation({
    mutationFn: () =>
      data(api.POST("/accounts/v1/orgs/{orgId}/domains/{domain}/verify", { params: { path: { orgId, domain: claim.domain! } }, body: {} })),
    onSuccess: refresh,
  });
  const verified = claim.status === "verified";
  const when = claim.verified_at ? new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" }).format(new Date(claim.verified_at)) : "";
  const id = `domain-${claim.domain?.replace(/\W/g, "-")}`;
  return (
    <li className="org-domain" aria-labelledby={`${id}-name`}>
      <div className="org-domain-head">
        <strong id={`${id}-name`} dir="ltr">{claim.domain}</strong>
        <span className={verified ? "badge org-ok" : "badge org-pending"}>
          {verified ? t("organisation.sso.verified") : t("organisation.sso.pending")}
        </span>
      </div>
      {verified ? (
        <p className="hint">{when && t("organisation.sso.verifiedOn", { date: when })}</p>
      ) : (
        <>
          <p className="hint">{t("organisation.sso.publish", { domain: isolate(claim.domain ?? "") })}</p>
          <pre className="org-txt" dir="ltr" tabIndex={0} aria-label={t("organisation.sso.txtFor", { domain: claim.domain })}>
            {claim.txt_record}
          </pre>
        </>
      )}
      {verify.isError && (
        <ErrorText error={verify.error} overrides={{ 409: "organisation.sso.notFoundYet", 503: "organisation.sso.dnsDown" }} />
      )}
      <div className="org-row-actions">
        {!verified && (
          <button type="button" className="button secondary" disabled={verify.isPending} onClick={() => verify.mutate()}>
            {verify.isPending ? t("organisation.sso.checking") : t("organisation.sso.verify")}
          </button>
        )}
        <button type="button" className="button quiet" disabled={removing} aria-label={t("organisation.sso.removeFor", { domain: claim.domain })} onClick={onRemove}>
          {t("organisation.sso.remove")}
        </button>
      </div>
    </li>
  );
}

function Requirement({ required, ready }: { required: boolean; ready: boolean }) {
  const { t } = useTranslation();
  const { orgId } = useOrg();
  const refresh = useRefreshOrg();
  // The box shows the choice at once; a refusal puts it back.
  const [on, setOn] = useState(required);
  const save = useMutation({
    mutationFn: (v: boolean) => data(api.PATCH("/accounts/v1/orgs/{orgId}", { params: { path: { orgId } }, body: { sso_required: v } })),
    onMutate: (v) => setOn(v),
    onError: () => setOn(required),
    onSuccess: refresh,
  });
  return (
    <section className="card" aria-labelledby="sso-required-title">
      <h2 id="sso-required-title">{t("organisation.sso.requiredTitle")}</h2>
      <p className="lead">{t("organisation.sso.requiredLead")}</p>
      <label className="choice">
        <input
          type="checkbox"
          checked={on}
          disabled={save.isPending || (!ready && !on)}
          aria-describedby="sso-required-hint"
          onChange={(e) => save.mutate(e.target.checked)}
        />
        <span>
          <strong>{t("organisation.sso.required")}</strong>
          <span className="hint" id="sso-required-hint">
            {ready || on ? t("organisation.sso.requiredHint") : t("organisation.sso.notReady")}
          </span>
        </span>
      </label>
      {save.isError && <ErrorText error={save.error} />}
    </section>
  );
}
