import { lazy, Suspense, useEffect, useId, useRef, useState } from "react";
import { Link, Navigate, NavLink, Route, Routes, useLocation } from "react-router";
import { useTranslation } from "react-i18next";
import { useQueryClient } from "@tanstack/react-query";
import { useMe } from "./me";
import { languages, setLanguage, type Language } from "./i18n";
import { SessionProvider, useUser } from "./session";
import { signOut } from "./auth";
import { SignIn } from "./pages/SignIn";
import { Home } from "./pages/Home";
import { Loading } from "./components";

// Pages a person sees once (sign-up, onboarding) load on demand, keeping the
// shell small.
const SignUp = lazy(() => import("./pages/SignUp"));
const VerifyEmail = lazy(() => import("./pages/VerifyEmail"));
const ResetPassword = lazy(() => import("./pages/ResetPassword"));
const Welcome = lazy(() => import("./pages/Welcome"));
// Each area owns its routes below its prefix and loads when first visited.
const areaLoaders = {
  "/organisation": () => import("./organisation/OrganisationArea"),
  "/library": () => import("./library/LibraryArea"),
  "/journeys": () => import("./journeys/JourneysArea"),
  "/sessions": () => import("./sessions/SessionsArea"),
  "/join": () => import("./sessions/JoinArea"),
  "/privacy": () => import("./privacy/PrivacyArea"),
  "/canvas": () => import("./canvas/CanvasArea"),
  "/coach": () => import("./coach/CoachArea"),
  "/journal": () => import("./journal/JournalArea"),
  "/reports": () => import("./reports/ReportsArea"),
};
const OrganisationArea = lazy(areaLoaders["/organisation"]);
const LibraryArea = lazy(areaLoaders["/library"]);
const JourneysArea = lazy(areaLoaders["/journeys"]);
const SessionsArea = lazy(areaLoaders["/sessions"]);
const JoinArea = lazy(areaLoaders["/join"]);
const PrivacyArea = lazy(areaLoaders["/privacy"]);
const CanvasArea = lazy(areaLoaders["/canvas"]);
const CoachArea = lazy(areaLoaders["/coach"]);
const JournalArea = lazy(areaLoaders["/journal"]);
const ReportsArea = lazy(areaLoaders["/reports"]);
// A session's retrospective belongs to the insights screens, not the sessions area.
const Retrospective = lazy(() => import("./insights/Retrospective"));
// Plans and billing: the pricing page is open to everyone.
const Pricing = lazy(() => import("./billing/Pricing"));
const AccountBilling = lazy(() => import("./billing/Account"));

// The area of the address the app opens on starts loading at once, while
// Firebase restores the sign-in, rather than after it.
export function preloadArea(path: string) {
  const prefix = Object.keys(areaLoaders).find((p) => path === p || path.startsWith(p + "/"));
  if (prefix) void areaLoaders[prefix as keyof typeof areaLoaders]();
}

// Each language names itself, so a person finds theirs whatever is shown.
const languageNames: Record<Language, string> = { en: "English", es: "Español", fr: "Français", de: "Deutsch", he: "עברית" };

function Header() {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const queryClient = useQueryClient();
  return (
    <header className="app-header">
      <Link to="/" className="brand">
        <img src="/icons/icon-192.png" alt="" width="32" height="32" />
        <span>{t("app.name")}</span>
      </Link>
      <div className="header-actions">
        <label className="language">
          <span className="visually-hidden">{t("app.language")}</span>
          <select value={i18n.resolvedLanguage} onChange={(e) => void setLanguage(e.target.value as Language)} aria-label={t("app.language")}>
            {languages.map((l) => (
              <option key={l} value={l} lang={l}>
                {languageNames[l]}
              </option>
            ))}
          </select>
        </label>
        {user && (
          <button
            type="button"
            className="button secondary"
            onClick={() => void signOut().then(() => queryClient.clear())}
          >
            {t("nav.signOut")}
          </button>
        )}
      </div>
    </header>
  );
}

// The places a person goes, by role (most used first); the API still
// decides what each may do.
const staff = new Set(["facilitator", "educator", "org_admin"]);
// A phone's tab bar holds this many places and "More" for the rest; the
// desktop row shows them all.
const tabs = 4;
const row = 6;
function Nav() {
  const { t } = useTranslation();
  const user = useUser();
  const me = useMe(!!user?.emailVerified);
  const location = useLocation();
  const more = useRef<HTMLLIElement>(null);
  const menuId = useId();
  const [open, setOpen] = useState(false);
  // The menu closes on the next page, a tap elsewhere or Escape, as menus do.
  useEffect(() => setOpen(false), [location.pathname]);
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!more.current?.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("pointerdown", away);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("pointerdown", away);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);
  if (!user?.emailVerified || !me.data?.registered) return null;
  const role = me.data.role ?? "participant";
  const items: [string, string][] = staff.has(role)
    ? [
        ["/", "nav.home"],
        ["/sessions", "nav.sessions"],
        ["/journeys", "nav.journeys"],
        ["/library", "nav.library"],
        ["/canvas", "canvas.nav"],
        ["/coach", "coach.nav"],
        ["/journal", "journal.nav"],
        ...(role === "org_admin" || role === "facilitator" ? ([["/organisation", "nav.organisation"]] as [string, string][]) : []),
        ["/reports", "reports.nav"],
        ["/privacy", "nav.privacy"],
      ]
    : [
        ["/", "nav.home"],
        ["/sessions", "nav.sessions"],
        ["/coach", "coach.nav"],
        ["/journal", "journal.nav"],
        ["/library", "nav.library"],
        ["/canvas", "canvas.nav"],
        ["/reports", "reports.nav"],
        ["/privacy", "nav.privacy"],
      ];
  const folded = items.length > tabs + 1;
  const extra = folded ? items.slice(tabs) : [];
  // The desktop row holds `row` places; the rest fold into "More" there too.
  const wideFolded = items.length > row + 1;
  const here = (to: string) => (to === "/" ? location.pathname === "/" : location.pathname === to || location.pathname.startsWith(to + "/"));
  return (
    <nav className="app-nav" aria-label={t("nav.label")}>
      <ul>
        {items.map(([to, key], i) => (
          <li key={to} className={[folded && i >= tabs ? "nav-extra" : "", wideFolded && i >= row ? "nav-extra-wide" : ""].join(" ").trim() || undefined}>
            <NavLink to={to} end={to === "/"}>
              {t(key)}
            </NavLink>
          </li>
        ))}
        {folded && (
          <li className={wideFolded ? "nav-more nav-more-wide" : "nav-more"} ref={more}>
            <button
              type="button"
              aria-expanded={open}
              aria-controls={menuId}
              className={open || extra.some(([to]) => here(to)) ? "active" : undefined}
              onClick={() => setOpen((o) => !o)}
            >
              {t("nav.more")}
            </button>
            {open && (
              <ul id={menuId}>
                {extra.map(([to, key], i) => (
                  <li key={to} className={!wideFolded || tabs + i < row ? "menu-narrow" : undefined}>
                    <NavLink to={to} end={to === "/"} onClick={() => setOpen(false)}>
                      {t(key)}
                    </NavLink>
                  </li>
                ))}
              </ul>
            )}
          </li>
        )}
      </ul>
    </nav>
  );
}

function RequireUser({ children }: { children: React.ReactNode }) {
  const user = useUser();
  const { t } = useTranslation();
  const location = useLocation();
  if (user === undefined) return <p className="card" role="status">{t("app.loading")}</p>;
  if (!user) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  // The API accepts a profile only from a verified address.
  if (!user.emailVerified) return <Navigate to="/verify-email" replace />;
  return children;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <section className="card">
      <h1>{t("notFound.title")}</h1>
      <Link to="/">{t("notFound.home")}</Link>
    </section>
  );
}

export function App() {
  const { t } = useTranslation();
  return (
    <SessionProvider>
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <Header />
      <Nav />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<RequireUser><Home /></RequireUser>} />
            <Route path="/sign-in" element={<SignIn />} />
            <Route path="/sign-up" element={<SignUp />} />
            <Route path="/verify-email" element={<VerifyEmail />} />
            <Route path="/reset-password" element={<ResetPassword />} />
            <Route path="/welcome" element={<RequireUser><Welcome /></RequireUser>} />
            {/* An invitation link is opened signed out too: the page explains how to go on. */}
            <Route path="/organisation/invitations/accept" element={<OrganisationArea page="accept" />} />
            <Route path="/organisation/*" element={<RequireUser><OrganisationArea /></RequireUser>} />
            <Route path="/library/*" element={<RequireUser><LibraryArea /></RequireUser>} />
            <Route path="/journeys/*" element={<RequireUser><JourneysArea /></RequireUser>} />
            <Route path="/sessions/:id/retrospective" element={<RequireUser><Retrospective /></RequireUser>} />
            <Route path="/sessions/*" element={<RequireUser><SessionsArea /></RequireUser>} />
            <Route path="/join/*" element={<RequireUser><JoinArea /></RequireUser>} />
            <Route path="/privacy/*" element={<RequireUser><PrivacyArea /></RequireUser>} />
            <Route path="/canvas/*" element={<RequireUser><CanvasArea /></RequireUser>} />
            <Route path="/coach/*" element={<RequireUser><CoachArea /></RequireUser>} />
            <Route path="/journal/*" element={<RequireUser><JournalArea /></RequireUser>} />
            <Route path="/reports/*" element={<RequireUser><ReportsArea /></RequireUser>} />
            <Route path="/pricing" element={<Pricing />} />
            <Route path="/account/billing" element={<RequireUser><AccountBilling /></RequireUser>} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </SessionProvider>
  );
}
