// The journal's first screen: my entries with their sync state, a search
// (words and meaning through the API when online, words on this device
// when not), filters by tag and mode, the sync line, usage and export.
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { isolate } from "../i18n";
import { Link, useLocation, useNavigate } from "react-router";
import { exportFile, search } from "./api";
import { useOnline, useVersion } from "./client";
import { LimitNote, problemKey, StatusBadge, SyncLine, UsageMeter, when } from "./components";
import type { Journal } from "./journal";
import { matches } from "./text";
import type { Entry, Mode } from "./types";

function Undo({ journal }: { journal: Journal }) {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const deleted = (location.state as { deleted?: string } | null)?.deleted;
  const entry = deleted ? journal.entry(deleted) : undefined;
  if (!entry?.deleted) return null;
  return (
    <div className="journal-undo" role="status">
      <span>{t("journal.list.deleted", { title: isolate(entry.title || t("journal.untitled")) })}</span>
      <button
        type="button"
        className="button secondary small"
        onClick={() => void journal.restore(entry.id).then(() => navigate(`/journal/${encodeURIComponent(entry.id)}`, { replace: true }))}
      >
        {t("journal.list.undo")}
      </button>
    </div>
  );
}

function Export() {
  const { t } = useTranslation();
  const online = useOnline();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string>();
  const run = (format: "zip" | "pdf") => {
    setBusy(format);
    setError(undefined);
    exportFile(format)
      .catch(setError)
      .finally(() => setBusy(undefined));
  };
  return (
    <section className="journal-export" aria-labelledby="journal-export-title">
      <h2 id="journal-export-title">{t("journal.export.title")}</h2>
      <p className="hint">{online ? t("journal.export.hint") : t("journal.export.offline")}</p>
      <div className="journal-actions">
        <button type="button" className="button secondary small" disabled={!online || !!busy} onClick={() => run("zip")}>
          {busy === "zip" ? t("journal.export.busy") : t("journal.export.zip")}
        </button>
        <button type="button" className="button secondary small" disabled={!online || !!busy} onClick={() => run("pdf")}>
          {busy === "pdf" ? t("journal.export.busy") : t("journal.export.pdf")}
        </button>
      </div>
      {error !== undefined && (
        <p className="error" role="alert">
          {t(problemKey(error))}
        </p>
      )}
    </section>
  );
}

function EntryRow({ entry, journal, snippet }: { entry: Entry; journal: Journal; snippet?: string }) {
  const { t, i18n } = useTranslation();
  return (
    <li>
      <Link to={`/journal/${encodeURIComponent(entry.id)}`} className="journal-entry">
        <span className="journal-entry-title" dir="auto">
          {entry.title || t("journal.untitled")}
        </span>
        <span className="journal-entry-body" dir="auto">
          {snippet ?? entry.body.slice(0, 160)}
        </span>
        <span className="journal-entry-meta">
          <time dateTime={entry.created_at}>{when(entry.created_at, i18n.language)}</time>
          {entry.mode === "in_session" && <span className="journal-tag">{t("journal.mode.in_session")}</span>}
          {entry.visibility === "shared_with_facilitator" && <span className="journal-tag">{t("journal.visibility.sharedShort")}</span>}
          {entry.tags.map((tag) => (
            <span key={tag} className="journal-tag" dir="auto">
              #{tag}
            </span>
          ))}
        </span>
      </Link>
      <StatusBadge status={journal.status(entry.id)} />
    </li>
  );
}

export function List({ journal }: { journal: Journal }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const online = useOnline();
  const version = useVersion(journal);
  const [q, setQ] = useState("");
  const [asked, setAsked] = useState("");
  const [tag, setTag] = useState("");
  const [mode, setMode] = useState<"" | Mode>("");
  const all = useMemo(() => journal.entries().filter((e) => !e.deleted), [journal, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const tags = useMemo(() => [...new Set(all.flatMap((e) => e.tags))].sort(), [all]);
  const remote = useQuery({
    queryKey: ["journal", "search", journal.clientId, asked],
    queryFn: () => search(asked),
    enabled: online && asked.trim() !== "",
    staleTime: 0,
  });
  const useRemote = online && asked.trim() !== "" && remote.isSuccess;
  const filter = (e: Entry) => (!tag || e.tags.includes(tag)) && (!mode || e.mode === mode);
  // Search answers are merged with the local view, so unsynced edits show.
  const shown: { entry: Entry; snippet?: string }[] = useRemote
    ? remote.data.results.map((r) => ({ entry: journal.entry(r.entry.id) ?? r.entry, snippet: r.snippet })).filter((r) => !r.entry.deleted && filter(r.entry))
    : all.filter((e) => filter(e) && matches(e, asked)).map((entry) => ({ entry }));
  const create = async () => {
    const e = await journal.create();
    navigate(`/journal/${encodeURIComponent(e.id)}`);
  };
  return (
    <div className="journal-layout">
      <section className="card journal-list" aria-labelledby="journal-title">
        <div className="journal-list-head">
          <h1 id="journal-title">{t("journal.title")}</h1>
          <button type="button" className="button" onClick={() => void create()}>
            {t("journal.list.new")}
          </button>
        </div>
        <p className="lead">{t("journal.lead")}</p>
        <SyncLine journal={journal} />
        <LimitNote journal={journal} />
        <Undo journal={journal} />
        <form
          className="journal-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setAsked(q);
          }}
        >
          <label htmlFor="journal-q">{t("journal.list.search")}</label>
          <div className="journal-search-row">
            <input id="journal-q" type="search" value={q} onChange={(e) => (setQ(e.target.value), e.target.value === "" && setAsked(""))} aria-describedby="journal-q-hint" />
            <button type="submit" className="button secondary">
              {t("journal.list.find")}
            </button>
          </div>
          <p className="hint" id="journal-q-hint">
            {online ? t("journal.list.searchOnline") : t("journal.list.searchOffline")}
          </p>
          <div className="journal-filters">
            <label>
              {t("journal.list.tag")}
              <select value={tag} onChange={(e) => setTag(e.target.value)}>
                <option value="">{t("journal.list.allTags")}</option>
                {tags.map((x) => (
                  <option key={x} value={x}>
                    {x}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("journal.list.mode")}
              <select value={mode} onChange={(e) => setMode(e.target.value as "" | Mode)}>
                <option value="">{t("journal.list.allModes")}</option>
                <option value="standalone">{t("journal.mode.standalone")}</option>
                <option value="in_session">{t("journal.mode.in_session")}</option>
              </select>
            </label>
          </div>
        </form>
        {remote.isError && asked && <p className="hint">{t("journal.list.searchFellBack")}</p>}
        <p className="hint" role="status">
          {asked ? t("journal.list.found", { count: shown.length }) : t("journal.list.count", { count: shown.length })}
        </p>
        {shown.length === 0 ? (
          <p className="empty">{all.length === 0 ? t("journal.list.empty") : t("journal.list.noMatch")}</p>
        ) : (
          <ul className="journal-entries" aria-label={t("journal.list.entries")}>
            {shown.map((r) => (
              <EntryRow key={r.entry.id} entry={r.entry} journal={journal} snippet={r.snippet} />
            ))}
          </ul>
        )}
      </section>
      <aside className="card journal-side">
        <UsageMeter journal={journal} />
        <Export />
      </aside>
    </div>
  );
}
