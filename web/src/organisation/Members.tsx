import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { isolate } from "../i18n";
import { useUser } from "../session";
import { useOrg } from "./context";
import { ErrorText } from "./shared";

type Role = "participant" | "facilitator" | "educator" | "org_admin";
const roles: Role[] = ["participant", "facilitator", "educator", "org_admin"];

interface Member {
  uid?: string;
  role?: Role;
  email?: string;
  display_name?: string;
  joined_at?: string;
}

// Members and their roles. An org admin changes a role or removes a
// member; the organisation always keeps one admin (the API answers 409
// sole-admin otherwise).
export function Members() {
  const { t } = useTranslation();
  const { orgId, admin } = useOrg();
  const queryKey = ["accounts", "org", orgId, "members"];
  const pages = useInfiniteQuery({
    queryKey,
    initialPageParam: "",
    queryFn: ({ pageParam }) =>
      data(
        api.GET("/accounts/v1/orgs/{orgId}/members", {
          params: { path: { orgId }, query: { page_size: 50, ...(pageParam ? { page_token: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  const members = pages.data?.pages.flatMap((p) => (p.members ?? []) as Member[]) ?? [];
  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">{t("organisation.members.title")}</h2>
      <p className="lead">{admin ? t("organisation.members.leadAdmin") : t("organisation.members.lead")}</p>
      {pages.isError ? (
        <ErrorText error={pages.error} />
      ) : pages.isPending ? (
        <p className="hint" role="status">{t("app.loading")}</p>
      ) : members.length === 0 ? (
        <p className="empty">{t("organisation.members.none")}</p>
      ) : (
        <ul className="org-members" aria-label={t("organisation.members.title")}>
          {members.map((m) => (
            <MemberRow key={m.uid} member={m} admin={admin} />
          ))}
        </ul>
      )}
      {pages.hasNextPage && (
        <button type="button" className="button secondary" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          {pages.isFetchingNextPage ? t("app.loading") : t("organisation.members.more")}
        </button>
      )}
    </section>
  );
}

function MemberRow({ member, admin }: { member: Member; admin: boolean }) {
  const { t, i18n } = useTranslation();
  const { orgId } = useOrg();
  const user = useUser();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>(member.role ?? "participant");
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string>();
  const path = { orgId, uid: member.uid! };
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["accounts", "org", orgId, "members"] });
  const change = useMutation({
    mutationFn: (r: Role) => data(api.PATCH("/accounts/v1/orgs/{orgId}/members/{uid}", { params: { path }, body: { role: r } })),
    onSuccess: async (res) => {
      setDone(t("organisation.members.changed", { name: isolate(name), role: t(`role.${res.role ?? role}`) }));
      await refresh();
    },
    onError: () => setRole(member.role ?? "participant"),
  });
  const remove = useMutation({
    mutationFn: () => data(api.DELETE("/accounts/v1/orgs/{orgId}/members/{uid}", { params: { path } })),
    onSuccess: refresh,
  });
  const name = member.display_name || member.email || "";
  const me = user?.uid === member.uid;
  const id = `member-${member.uid}`;
  const joined = member.joined_at ? new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" }).format(new Date(member.joined_at)) : "";
  const error = change.error ?? remove.error;
  return (
    <li className="org-member" aria-labelledby={`${id}-name`}>
      <div className="org-who">
        <strong id={`${id}-name`}>
          {name}
          {me && <span className="badge org-you">{t("organisation.members.you")}</span>}
        </strong>
        <span dir="ltr" className="hint org-email">{member.email}</span>
        {joined && <span className="hint">{t("organisation.members.joined", { date: joined })}</span>}
      </div>
      {admin ? (
        <div className="org-member-actions">
          <label htmlFor={`${id}-role`} className="visually-hidden">
            {t("organisation.members.roleOf", { name })}
          </label>
          <select
            id={`${id}-role`}
            value={role}
            disabled={change.isPending}
            onChange={(e) => {
              const next = e.target.value as Role;
              setRole(next);
              setDone(undefined);
              change.reset();
              change.mutate(next);
            }}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
          {confirming ? (
            <span className="org-confirm" role="group" aria-label={t("organisation.members.removeConfirm", { name })}>
              <span>{t("organisation.members.removeConfirm", { name: isolate(name) })}</span>
              <button type="button" className="button danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
                {t("organisation.members.removeYes")}
              </button>
              <button type="button" className="button quiet" onClick={() => setConfirming(false)}>
                {t("organisation.cancel")}
              </button>
            </span>
          ) : (
            <button
              type="button"
              className="button quiet"
              aria-label={t("organisation.members.removeFor", { name })}
              onClick={() => {
                remove.reset();
                setConfirming(true);
              }}
            >
              {t("organisation.members.remove")}
            </button>
          )}
        </div>
      ) : (
        <span className="badge">{member.role && t(`role.${member.role}`)}</span>
      )}
      <div className="org-member-status">
        {error ? (
          <ErrorText error={error} overrides={{ 409: "organisation.members.soleAdmin" }} />
        ) : (
          <p className="status" role="status">{done ?? ""}</p>
        )}
      </div>
    </li>
  );
}
