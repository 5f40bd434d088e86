// The library: every person browses it at their plan; items above it are
// shown locked (the server sends no text for them).
import { useId, useState, type FormEvent } from "react";
import { Link, Route, Routes, useParams, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, data } from "../api/client";
import { ApiError, problemMessageKey } from "../api/problem";
import { Loading } from "../components";
import { contentLang, contentLocales, firstImage, ItemCard, ItemImage, itemTypes, LockIcon, tiers, tint, type Item } from "./items";
import "./library.css";

const pageSize = 12;

function Problem({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="lib-problem" role="alert">
      <p className="error">{t(problemMessageKey(error instanceof ApiError ? error.problem : error))}</p>
      {retry && (
        <button type="button" className="button secondary" onClick={retry}>
          {t("library.retry")}
        </button>
      )}
    </div>
  );
}

type Mode = "keyword" | "meaning";

// Filters live in the address, so a search can be shared, reloaded and
// returned to with the back button.
function useFilters() {
  const [params, setParams] = useSearchParams();
  const f = {
    q: params.get("q") ?? "",
    mode: (params.get("mode") === "meaning" ? "meaning" : "keyword") as Mode,
    type: params.get("type") ?? "",
    lang: params.get("lang") ?? "",
    tier: params.get("tier") ?? "",
  };
  return [f, setParams] as const;
}

function Filters() {
  const { t, i18n } = useTranslation();
  const [f, setParams] = useFilters();
  const [q, setQ] = useState(f.q);
  const [mode, setMode] = useState<Mode>(f.mode);
  const languageName = new Intl.DisplayNames([i18n.language], { type: "language" });
  function apply(next: Partial<typeof f>) {
    const merged = { ...f, q, mode, ...next };
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(merged)) if (v && !(k === "mode" && v === "keyword")) p.set(k, v);
    setParams(p, { replace: true });
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    apply({});
  }
  return (
    <form className="lib-filters" role="search" onSubmit={submit} aria-label={t("library.search.label")}>
      <div className="lib-search">
        <label htmlFor="lib-q" className="visually-hidden">
          {t("library.search.label")}
        </label>
        <input
          id="lib-q"
          type="search"
          value={q}
          maxLength={200}
          placeholder={mode === "meaning" ? t("library.search.meaningPlaceholder") : t("library.search.placeholder")}
          onChange={(e) => setQ(e.target.value)}
        />
        <button type="submit" className="button">
          {t("library.search.submit")}
        </button>
      </div>
      <fieldset className="lib-mode">
        <legend className="visually-hidden">{t("library.search.mode")}</legend>
        {(["keyword", "meaning"] as const).map((m) => (
          <label key={m} className={mode === m ? "lib-chip on" : "lib-chip"}>
            <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => (setMode(m), apply({ mode: m }))} />
            {t(`library.search.${m}`)}
          </label>
        ))}
      </fieldset>
      <div className="lib-selects">
        <div className="field">
          <label htmlFor="lib-type">{t("library.filters.type")}</label>
          <select id="lib-type" value={f.type} onChange={(e) => apply({ type: e.target.value })} disabled={mode === "meaning"}>
            <option value="">{t("library.filters.allTypes")}</option>
            {itemTypes.map((ty) => (
              <option key={ty} value={ty}>
                {t(`library.types.${ty}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="lib-lang">{t("library.filters.locale")}</label>
          <select id="lib-lang" value={f.lang} onChange={(e) => apply({ lang: e.target.value })} disabled={mode === "meaning"}>
            <option value="">{t("library.filters.allLocales")}</option>
            {contentLocales.map((l) => (
              <option key={l} value={l}>
                {languageName.of(l)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="lib-tier">{t("library.filters.tier")}</label>
          <select id="lib-tier" value={f.tier} onChange={(e) => apply({ tier: e.target.value })} disabled={mode === "meaning"}>
            <option value="">{t("library.filters.allTiers")}</option>
            {tiers.map((ti) => (
              <option key={ti} value={ti}>
                {t(`tier.${ti}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {mode === "meaning" && <p className="hint">{t("library.search.meaningHint")}</p>}
    </form>
  );
}

function Grid({ items, label }: { items: Item[]; label: string }) {
  return (
    <ul className="lib-grid" aria-label={label}>
      {items.map((it, i) => (
        <li key={`${it.library}-${it.id}`}>
          <ItemCard item={it} to={`/library/${encodeURIComponent(it.id)}`} level={2} eager={i < 4} />
        </li>
      ))}
    </ul>
  );
}

function Browse() {
  const { t, i18n } = useTranslation();
  const [f] = useFilters();
  const textLang = contentLang(i18n.language);
  const list = useInfiniteQuery({
    queryKey: ["content", "items", f.q, f.type, f.lang, f.tier, textLang],
    queryFn: ({ pageParam }) =>
      data(
        api.GET("/content/v1/items", {
          params: {
            query: {
              include_locked: true,
              limit: pageSize,
              ...(f.q ? { q: f.q } : {}),
              ...(f.type ? { type: f.type } : {}),
              ...(f.lang ? { lang: f.lang as "en" } : { text_lang: textLang }),
              ...(f.tier ? { tier: f.tier as "free" } : {}),
              ...(pageParam ? { page_token: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  if (list.isPending) return <Loading />;
  if (list.isError) return <Problem error={list.error} retry={() => void list.refetch()} />;
  const items = list.data.pages.flatMap((p) => p.items ?? []);
  return (
    <>
      <p className="lib-count" role="status">
        {items.length === 0 ? t("library.empty") : t("library.shown", { n: items.length })}
      </p>
      {items.length > 0 && <Grid items={items} label={t("library.results")} />}
      {list.hasNextPage && (
        <p className="lib-more">
          <button type="button" className="button secondary" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
            {list.isFetchingNextPage ? t("app.loading") : t("library.more")}
          </button>
        </p>
      )}
    </>
  );
}

function Meaning() {
  const { t, i18n } = useTranslation();
  const [f] = useFilters();
  const lang = contentLang(i18n.language);
  const search = useQuery({
    queryKey: ["content", "search", f.q, lang],
    queryFn: () => data(api.GET("/content/v1/search", { params: { query: { q: f.q, lang, limit: 24 } } })),
    enabled: f.q.trim() !== "",
  });
  if (f.q.trim() === "") return <p className="lib-count">{t("library.search.meaningEmpty")}</p>;
  if (search.isPending) return <Loading />;
  if (search.isError) return <Problem error={search.error} retry={() => void search.refetch()} />;
  const items = search.data.items ?? [];
  return (
    <>
      <p className="lib-count" role="status">
        {items.length === 0 ? t("library.empty") : t("library.shown", { n: items.length })}
      </p>
      {items.length > 0 && <Grid items={items} label={t("library.results")} />}
    </>
  );
}

function LibraryPage() {
  const { t } = useTranslation();
  const [f] = useFilters();
  return (
    <section className="lib-page" aria-labelledby="lib-title">
      <header className="lib-head">
        <h1 id="lib-title">{t("library.title")}</h1>
        <p className="lead">{t("library.lead")}</p>
      </header>
      <Filters />
      {f.mode === "meaning" ? <Meaning /> : <Browse />}
    </section>
  );
}

function ItemDetail() {
  const { t, i18n } = useTranslation();
  const { itemId = "" } = useParams();
  const lang = contentLang(i18n.language);
  const headingId = useId();
  const item = useQuery({
    queryKey: ["content", "item", itemId, lang],
    queryFn: () => data(api.GET("/content/v1/items/{itemId}", { params: { path: { itemId }, query: { lang } } })),
  });
  const back = (
    <p className="lib-back">
      <Link to="/library">{t("library.back")}</Link>
    </p>
  );
  if (item.isPending) return <Loading />;
  if (item.isError)
    return (
      <section className="card">
        {back}
        <Problem error={item.error} />
      </section>
    );
  const it = item.data;
  const typeName = t(`library.types.${it.type}`, { defaultValue: it.type });
  const tierName = t(`tier.${it.tier}`, { defaultValue: it.tier });
  const languageName = new Intl.DisplayNames([i18n.language], { type: "language" });
  if (it.locked) {
    return (
      <section className="card lib-detail locked" aria-labelledby={headingId}>
        {back}
        <div className="lib-detail-face lib-face" aria-hidden="true">
          <LockIcon />
        </div>
        <h1 id={headingId}>{t("library.locked.title", { type: typeName })}</h1>
        <p className="lib-locked-note">{t("library.locked.detail", { tier: tierName })}</p>
        <p className="hint">{t("library.locked.upgrade")}</p>
        <p>
          <Link to="/pricing">{t("library.locked.plans")}</Link>
        </p>
      </section>
    );
  }
  const facts: [string, string | undefined][] = [
    ["library.detail.type", typeName],
    ["library.detail.tier", tierName],
    ["library.detail.phase", it.phase && t(`library.phases.${it.phase}`, { defaultValue: it.phase })],
    ["library.detail.locales", it.locales?.map((l) => languageName.of(l)).join(", ")],
    ["library.detail.source", t(`library.source.${it.library}`)],
    ["library.detail.attribution", it.attribution],
  ];
  return (
    <article className="card lib-detail" aria-labelledby={headingId}>
      {back}
      {firstImage(it) ? (
        <div className={`lib-detail-face lib-face lib-face-${it.type.replace(/_card$/, "")} tint-${tint(it.id)}`}>
          <ItemImage item={it} eager />
        </div>
      ) : (
        <div className={`lib-detail-face lib-face lib-face-${it.type.replace(/_card$/, "")} tint-${tint(it.id)}`} aria-hidden="true">
          {it.type === "word_card" ? <span dir="auto">{it.title}</span> : it.type === "question_card" ? <span>?</span> : null}
        </div>
      )}
      <h1 id={headingId} lang={it.locale} dir="auto">
        {it.title}
      </h1>
      {it.locale && it.locale !== lang && <p className="hint">{t("library.detail.fallback", { language: languageName.of(it.locale) })}</p>}
      {it.body && (
        <p className="lib-detail-body" lang={it.locale} dir="auto">
          {it.body}
        </p>
      )}
      {it.prompts && it.prompts.length > 0 && (
        <>
          <h2>{t("library.detail.prompts")}</h2>
          <ul className="lib-prompts" lang={it.locale} dir="auto">
            {it.prompts.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </>
      )}
      <dl className="facts">
        {facts
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{t(k)}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {((it.themes?.length ?? 0) > 0 || (it.tags?.length ?? 0) > 0) && (
        <>
          <h2>{t("library.detail.themes")}</h2>
          <ul className="lib-tags">
            {[...(it.themes ?? []), ...(it.tags ?? [])].map((x, i) => (
              <li key={`${x}-${i}`} dir="auto">
                {x}
              </li>
            ))}
          </ul>
        </>
      )}
    </article>
  );
}

export default function LibraryArea() {
  return (
    <Routes>
      <Route index element={<LibraryPage />} />
      <Route path=":itemId" element={<ItemDetail />} />
    </Routes>
  );
}
