import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { useOrg } from "./context";
import { ErrorText } from "./shared";

interface PrivacyRequest {
  id: string;
  kind: "export" | "erasure";
  status: "awaiting_confirmation" | "running" | "completed";
  uid?: string;
  created_at: string;
  due_at: string;
  days_left: number;
}

// The organisation's open data-subject requests (exports, erasures) with
// the one-month deadline the law sets. Who asked is shown by name when they
// are still a member; nothing of their data is shown here.
export function Requests() {
  const { t, i18n } = useTranslation();
  const { orgId, admin } = useOrg();
  const list = useQuery({
    queryKey: ["consent", "org", orgId, "requests"],
    queryFn: async () =>
      (await data(api.GET("/consent/v1/orgs/{orgId}/privacy-requests", { params: { path: { orgId } } }))) as {
        requests: PrivacyRequest[];
        deadline_days: number;
      },
    enabled: admin,
  });
  const members = useQuery({
    queryKey: ["accounts", "org", orgId, "members", "names"],
    queryFn: () => data(api.GET("/accounts/v1/orgs/{orgId}/members", { params: { path: { orgId }, query: { page_size: 100 } } })),
    enabled: admin,
  });
  if (!admin) return <section className="card"><p className="error">{t("problem.forbidden")}</p></section>;
  const names = new Map((members.data?.members ?? []).map((m) => [m.uid, m.display_name || m.email]));
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" });
  const requests = list.data?.requests ?? [];
  return (
    <section className="card" aria-labelledby="requests-title">
      <h2 id="requests-title">{t("organisation.requests.title")}</h2>
      <p className="lead">{t("organisation.requests.lead", { days: list.data?.deadline_days ?? 30 })}</p>
      {list.isError ? (
        <ErrorText error={list.error} />
      ) : list.isPending ? (
        <p className="hint" role="status">{t("app.loading")}</p>
      ) : requests.length === 0 ? (
        <p className="empty">{t("organisation.requests.none")}</p>
      ) : (
        <ul className="org-requests" aria-label={t("organisation.requests.title")}>
          {requests.map((r) => (
            <li key={r.id} className={r.days_left <= 7 ? "org-request org-soon" : "org-request"}>
              <div className="org-domain-head">
                <strong>{t(`organisation.requests.kinds.${r.kind}`)}</strong>
                <span className="badge">{t(`organisation.requests.states.${r.status}`)}</span>
              </div>
              <p className="hint">{(r.uid && names.get(r.uid)) || t("organisation.requests.someone")}</p>
              <p className="org-due">
                {t("organisation.requests.due", { date: date.format(new Date(r.due_at)), days: Math.max(0, r.days_left) })}
              </p>
              <p className="hint">{t("organisation.requests.opened", { date: date.format(new Date(r.created_at)) })}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
