// Journeys: the organisation's journeys, the builder, versions and files.
// Only staff reach these screens; the API refuses everyone else.
import { Suspense } from "react";
import { Route, Routes } from "react-router";
import { useTranslation } from "react-i18next";
import { useMe } from "../me";
import { Card, Loading } from "../components";
import { Files, ImportPage, JourneyList, Versions } from "./Pages";
import "./journeys.css";
import "../library/library.css";
// The builder comes with the area (a few kB): loading it apart would add a
// round trip before the most used screen can draw.
import Builder from "./Builder";

const staff = new Set(["facilitator", "educator", "org_admin"]);

export default function JourneysArea() {
  const { t } = useTranslation();
  const me = useMe();
  // Participants have no journeys to edit; say so instead of a refusal.
  // Staff screens start loading their data while the profile is on its way.
  if (me.isSuccess && !staff.has(me.data.role ?? "participant")) {
    return (
      <Card title={t("journeys.staffOnly.title")} narrow>
        <p>{t("journeys.staffOnly.body")}</p>
      </Card>
    );
  }
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route index element={<JourneyList />} />
        <Route path="import" element={<ImportPage />} />
        <Route path=":journeyId" element={<Builder />} />
        <Route path=":journeyId/versions" element={<Versions />} />
        <Route path=":journeyId/files" element={<Files />} />
      </Routes>
    </Suspense>
  );
}
