import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate } from "react-router";
import { useMe } from "../me";
import { ApiError, problemMessageKey } from "../api/problem";

// My sessions and homework load with the sessions area's code, keeping
// the shell small.
// Their code is fetched as soon as the home page opens, while the profile
// is on its way, not after it.
const loadPanels = () => import("../sessions/HomePanels");
const HomePanels = lazy(loadPanels);

export function Home() {
  void loadPanels();
  const { t, i18n } = useTranslation();
  const me = useMe();

  if (me.isPending) return <p className="card" role="status">{t("app.loading")}</p>;
  if (me.isError) {
    const key = problemMessageKey(me.error instanceof ApiError ? me.error.problem : me.error);
    return (
      <section className="card" role="alert">
        <p className="error">{t(key)}</p>
        <button type="button" className="button" onClick={() => void me.refetch()}>
          {t("home.retry")}
        </button>
      </section>
    );
  }

  const m = me.data;
  if (!m.registered) return <Navigate to="/welcome" replace />;
  const rows: [string, string | undefined][] = [
    ["home.role", m.role && t(`role.${m.role}`)],
    ["home.tier", m.tier && t(`tier.${m.tier}`)],
    ["home.org", m.org_name ?? m.org],
    ["home.language", m.language && new Intl.DisplayNames([i18n.language], { type: "language" }).of(m.language)],
    ["home.timezone", m.timezone],
  ];
  return (
    <div className="home">
      <h1 id="home-title" className="home-title">
        {t("home.title", { name: m.display_name ?? "" })}
      </h1>
      <Suspense fallback={<p className="card" role="status">{t("app.loading")}</p>}>
        <HomePanels role={m.role}>
          <section className="card home-profile" aria-labelledby="home-profile-title">
            <h2 id="home-profile-title">{t("sessions.home.aboutYou")}</h2>
            <p className="lead">{t("home.lead")}</p>
            <dl className="facts">
              {rows.map(([label, value]) => (
                <div key={label}>
                  <dt>{t(label)}</dt>
                  <dd>{value || t("home.none")}</dd>
                </div>
              ))}
            </dl>
            <p className="alt">
              <Link to="/account/billing">{t("billing.link")}</Link>
            </p>
            {m.role === "facilitator" || m.role === "org_admin" ? (
              <p className="alt">
                <Link to="/organisation">{m.org ? t("home.manageOrg") : t("home.createOrg")}</Link>
              </p>
            ) : (
              !m.org && (
                <p className="alt">
                  <Link to="/organisation/join">{t("home.joinWithCode")}</Link>
                </p>
              )
            )}
          </section>
        </HomePanels>
      </Suspense>
    </div>
  );
}
