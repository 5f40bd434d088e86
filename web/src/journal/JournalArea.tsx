// The journal (/journal, /journal/:id, /journal/:id/conflict): kept on this
// device first and synced when the network allows, so it opens, lists,
// edits and creates offline.
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router";
import { Loading } from "../components";
import { useJournal } from "./client";
import { Conflict } from "./Conflict";
import { Editor } from "./Editor";
import { List } from "./List";
import "./journal.css";

export default function JournalArea() {
  const { t } = useTranslation();
  const { journal, error } = useJournal();
  if (error)
    return (
      <section className="card" role="alert">
        <h1>{t("journal.title")}</h1>
        <p className="error">{t("journal.noStore")}</p>
      </section>
    );
  if (!journal) return <Loading />;
  return (
    <Routes>
      <Route index element={<List journal={journal} />} />
      <Route path=":id" element={<Editor journal={journal} />} />
      <Route path=":id/conflict" element={<Conflict journal={journal} />} />
      <Route path="*" element={<Navigate to="/journal" replace />} />
    </Routes>
  );
}
