// My privacy (/privacy/…): each consent purpose with its policy and the
// receipts of every decision, and my data: an export to download, the
// erasure of everything, closing the account.
import { NavLink, Navigate, Route, Routes } from "react-router";
import { useTranslation } from "react-i18next";
import { Consents } from "./Consents";
import { MyData } from "./MyData";
import "./privacy.css";

export default function PrivacyArea() {
  const { t } = useTranslation();
  return (
    <div className="privacy">
      <header className="privacy-head">
        <h1>{t("privacy.title")}</h1>
        <p className="lead">{t("privacy.lead")}</p>
      </header>
      <nav className="privacy-tabs" aria-label={t("privacy.tabs.label")}>
        <ul>
          <li>
            <NavLink to="/privacy" end>
              {t("privacy.tabs.consents")}
            </NavLink>
          </li>
          <li>
            <NavLink to="/privacy/data">{t("privacy.tabs.data")}</NavLink>
          </li>
        </ul>
      </nav>
      <Routes>
        <Route index element={<Consents />} />
        <Route path="data" element={<MyData />} />
        <Route path="*" element={<Navigate to="/privacy" replace />} />
      </Routes>
    </div>
  );
}
