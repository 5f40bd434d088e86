// The organisation console (/organisation/…): invitations and the
// organisation code, members and their roles, single sign-on, and the
// organisation's open data-subject requests. Facilitators invite
// participants and see members; the rest is for org admins (the API
// decides either way).
import { Navigate, NavLink, Outlet, Route, Routes } from "react-router";
import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { Loading } from "../components";
import CreateOrg from "../pages/Organisation";
import { ErrorText, useMe } from "./shared";
import { Invitations } from "./Invitations";
import { Members } from "./Members";
import { SSOSettings } from "./SSOSettings";
import { Requests } from "./Requests";
import { AcceptInvitation } from "./AcceptInvitation";
import { JoinWithCode } from "./JoinWithCode";
// The organisation's plan and seats belong to the billing screens.
import OrgBilling from "../billing/OrgBilling";
import "./organisation.css";

const staffRoles = new Set(["facilitator", "educator", "org_admin"]);

function Shell() {
  const { t } = useTranslation();
  const me = useMe();
  const orgId = me.data?.org;
  const org = useQuery({
    queryKey: ["accounts", "org", orgId],
    queryFn: () => data(api.GET("/accounts/v1/orgs/{orgId}", { params: { path: { orgId: orgId! } } })),
    enabled: !!orgId,
  });
  if (me.isPending) return <Loading />;
  if (me.isError) return <section className="card"><ErrorText error={me.error} /></section>;
  if (!me.data.registered) return <Navigate to="/welcome" replace />;
  const role = me.data.role ?? "participant";
  if (!orgId) return role === "facilitator" || role === "org_admin" ? <CreateOrg /> : <Navigate to="/organisation/join" replace />;
  if (!staffRoles.has(role)) return <Navigate to="/" replace />;
  const admin = role === "org_admin";
  const tabs: [string, string][] = [
    ["invitations", "organisation.tabs.invitations"],
    ["members", "organisation.tabs.members"],
    ...(admin
      ? ([
          ["sso", "organisation.tabs.sso"],
          ["requests", "organisation.tabs.requests"],
          ["billing", "billing.org.tab"],
        ] as [string, string][])
      : []),
  ];
  return (
    <div className="org">
      <header className="org-head">
        <h1>{org.data?.name ?? t("org.title")}</h1>
        <p className="hint">{t(`role.${role}`)}</p>
      </header>
      <nav className="org-tabs" aria-label={t("organisation.tabs.label")}>
        <ul>
          {tabs.map(([to, key]) => (
            <li key={to}>
              <NavLink to={`/organisation/${to}`}>{t(key)}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet context={{ orgId, role, admin }} />
    </div>
  );
}

export default function OrganisationArea({ page }: { page?: "accept" }) {
  // The invitation link is opened signed out too: App mounts this page
  // outside the signed-in routes.
  if (page === "accept") return <AcceptInvitation />;
  return (
    <Routes>
      <Route path="join" element={<JoinWithCode />} />
      <Route element={<Shell />}>
        <Route index element={<Navigate to="invitations" replace />} />
        <Route path="invitations" element={<Invitations />} />
        <Route path="members" element={<Members />} />
        <Route path="sso" element={<SSOSettings />} />
        <Route path="requests" element={<Requests />} />
        <Route path="billing" element={<OrgBilling />} />
      </Route>
      <Route path="*" element={<Navigate to="/organisation" replace />} />
    </Routes>
  );
}
