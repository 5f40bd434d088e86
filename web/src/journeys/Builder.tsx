// The journey builder: four phases of timed elements, filled from the
// library by drag and drop or by keyboard, saved as you go.
import { startTransition, useCallback, useEffect, useRef, useState, type DragEvent, type KeyboardEvent, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { infiniteQueryOptions, useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, data } from "../api/client";
import type { components } from "../api/schema";
import { ApiError, problemMessageKey } from "../api/problem";
import { Loading } from "../components";
import { isolate } from "../i18n";
import { contentLang, dragType, ItemCard, type DraggedItem } from "../library/items";
import { download, ifMatch, status } from "./api";
import {
  defaultInlineType,
  elementTypeForItem,
  energyModes,
  fieldId,
  inlineTypes,
  journeyErrors,
  newElementId,
  normalize,
  phaseMinutes,
  phaseNames,
  timeframes,
  totalMinutes,
  type Element,
  type Journey,
  type JourneyErrors,
  type Message,
  type PhaseName,
} from "./model";
import { errorProps, FieldError } from "./fields";

const elementDrag = "application/x-studio-element";
const autosaveDelay = 800;

type SaveState = "saved" | "dirty" | "saving" | "conflict" | "invalid" | "failed";

// The session length also carries the phases' timing message: the two
// numbers a person changes to fix it.
function timingProps(errors: JourneyErrors) {
  const ids = ["session_minutes", "phases"].filter((f) => errors.fields.has(f)).map((f) => `${fieldId(f)}-error`);
  return ids.length ? { "aria-invalid": true, "aria-describedby": ids.join(" ") } : {};
}

// AddMenu is the keyboard (and touch) way to put a library item into a
// phase: a button that opens the four phases.
function AddMenu({ title, onAdd }: { title: string; onAdd: (phase: PhaseName) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const first = useRef<HTMLButtonElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) first.current?.focus();
  }, [open]);
  function onKey(e: KeyboardEvent) {
    if (e.key === "Escape") {
      setOpen(false);
      toggle.current?.focus();
    }
  }
  return (
    <div className="jb-add" onKeyDown={onKey}>
      <button
        ref={toggle}
        type="button"
        className="button secondary jb-small"
        aria-expanded={open}
        aria-label={t("journeys.builder.addToPhaseOf", { title })}
        onClick={() => setOpen(!open)}
      >
        {t("journeys.builder.addToPhase")}
      </button>
      {open && (
        <ul className="jb-add-menu" aria-label={t("journeys.builder.choosePhase")}>
          {phaseNames.map((p, i) => (
            <li key={p}>
              <button
                ref={i === 0 ? first : undefined}
                type="button"
                className="jb-add-item"
                onClick={() => {
                  onAdd(p);
                  setOpen(false);
                  toggle.current?.focus();
                }}
              >
                {t(`journeys.phases.${p}`)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// libraryQuery is the builder's page of library items; the builder starts
// it while the journey itself loads.
function libraryQuery(q: string, type: string, lang: string) {
  return infiniteQueryOptions({
    queryKey: ["content", "items", "builder", q, type, lang],
    queryFn: ({ pageParam }) =>
      data(
        api.GET("/content/v1/items", {
          params: {
            query: {
              limit: 8,
              text_lang: lang as "en",
              ...(q ? { q } : {}),
              ...(type ? { type } : {}),
              ...(pageParam ? { page_token: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last: { next_page_token?: string }) => last.next_page_token || undefined,
  });
}

// LibraryPanel lists usable items to drag (or add) into the phases.
function LibraryPanel({ onAdd }: { onAdd: (phase: PhaseName, item: DraggedItem) => void }) {
  const { t, i18n } = useTranslation();
  const [q, setQ] = useState("");
  const [type, setType] = useState("");
  const [applied, setApplied] = useState({ q: "", type: "" });
  const lang = contentLang(i18n.language);
  const list = useInfiniteQuery(libraryQuery(applied.q, applied.type, lang));
  const items = list.data?.pages.flatMap((p) => p.items ?? []).filter((it) => !it.locked && elementTypeForItem(it.type)) ?? [];
  return (
    <section className="jb-library" aria-labelledby="jb-library-title">
      <h2 id="jb-library-title">{t("journeys.builder.library")}</h2>
      <p className="hint">{t("journeys.builder.libraryHint")}</p>
      <form
        className="jb-library-search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ q: q.trim(), type });
        }}
      >
        <label htmlFor="jb-q" className="visually-hidden">
          {t("journeys.builder.searchLibrary")}
        </label>
        <input id="jb-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t("journeys.builder.searchLibrary")} />
        <label htmlFor="jb-type" className="visually-hidden">
          {t("journeys.builder.itemType")}
        </label>
        <select
          id="jb-type"
          value={type}
          onChange={(e) => {
            setType(e.target.value);
            setApplied({ q: q.trim(), type: e.target.value });
          }}
        >
          <option value="">{t("journeys.builder.allTypes")}</option>
          {["photo_card", "word_card", "question_card", "exercise", "canvas_template"].map((ty) => (
            <option key={ty} value={ty}>
              {t(`library.types.${ty}`)}
            </option>
          ))}
        </select>
        <button type="submit" className="button secondary jb-small">
          {t("journeys.builder.search")}
        </button>
      </form>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <p className="error" role="alert">
          {t(problemMessageKey(list.error instanceof ApiError ? list.error.problem : list.error))}
        </p>
      ) : items.length === 0 ? (
        <p className="hint">{t("journeys.builder.libraryEmpty")}</p>
      ) : (
        <ul className="jb-library-list" aria-label={t("journeys.builder.library")}>
          {items.map((it) => (
            <li key={`${it.library}-${it.id}`}>
              <ItemCard item={it} draggable>
                <AddMenu
                  title={it.title ?? it.id}
                  onAdd={(p) => onAdd(p, { id: it.id, type: it.type, title: it.title ?? "" })}
                />
              </ItemCard>
            </li>
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <button type="button" className="button secondary jb-more" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? t("app.loading") : t("journeys.builder.moreItems")}
        </button>
      )}
    </section>
  );
}

interface PhaseProps {
  journey: Journey;
  index: number;
  errors: JourneyErrors;
  change: (fn: (j: Journey) => void) => void;
  onDropItem: (phase: PhaseName, item: DraggedItem) => void;
  announce: (s: string) => void;
}

function moveElement(j: Journey, from: [number, number], to: [number, number]) {
  const [el] = j.phases![from[0]].elements!.splice(from[1], 1);
  j.phases![to[0]].elements!.splice(to[1], 0, el);
}

function PhaseColumn({ journey, index, errors, change, onDropItem, announce }: PhaseProps) {
  const { t } = useTranslation();
  const phase = journey.phases![index];
  const name = phase.phase as PhaseName;
  const base = `phases[${index}]`;
  const [over, setOver] = useState(false);
  const used = phaseMinutes(phase);
  const elements = phase.elements ?? [];
  const phaseLabel = t(`journeys.phases.${name}`);

  function onDragOver(e: DragEvent) {
    if (e.dataTransfer.types.includes(dragType) || e.dataTransfer.types.includes(elementDrag)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = e.dataTransfer.types.includes(dragType) ? "copy" : "move";
      setOver(true);
    }
  }
  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    const item = e.dataTransfer.getData(dragType);
    if (item) {
      onDropItem(name, JSON.parse(item) as DraggedItem);
      return;
    }
    const moved = e.dataTransfer.getData(elementDrag);
    if (moved) {
      const [pi, ei] = JSON.parse(moved) as [number, number];
      change((j) => moveElement(j, [pi, ei], [index, j.phases![index].elements!.length - (pi === index ? 1 : 0)]));
    }
  }
  function move(k: number, dir: -1 | 1) {
    const el = elements[k];
    let target: [number, number] | undefined;
    if (dir === -1 && k > 0) target = [index, k - 1];
    else if (dir === 1 && k < elements.length - 1) target = [index, k + 1];
    else if (dir === -1 && index > 0) target = [index - 1, journey.phases![index - 1].elements!.length];
    else if (dir === 1 && index < 3) target = [index + 1, 0];
    if (!target) return;
    const to = target;
    change((j) => moveElement(j, [index, k], to));
    announce(t("journeys.builder.moved", { title: el.title || t("journeys.builder.untitled"), phase: t(`journeys.phases.${phaseNames[to[0]]}`), position: to[1] + 1 }));
    // Keep the focus on the moved element's handle.
    requestAnimationFrame(() => document.getElementById(`handle-${el.id}`)?.focus());
  }
  function onElementKey(e: KeyboardEvent, k: number) {
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      move(k, e.key === "ArrowUp" ? -1 : 1);
    }
  }

  return (
    <section
      className={`jb-phase jb-phase-${name}${over ? " over" : ""}${phase.skipped ? " skipped" : ""}`}
      aria-labelledby={`phase-${name}-title`}
      data-phase={name}
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <header className="jb-phase-head">
        <h2 id={`phase-${name}-title`}>
          <span className="jb-phase-number" aria-hidden="true">
            {index + 1}
          </span>
          {phaseLabel}
        </h2>
        <p className="jb-phase-time" aria-live="polite">
          {t("journeys.builder.phaseUse", { used, planned: phase.duration_minutes ?? 0 })}
        </p>
      </header>
      <div className="jb-phase-fields">
        <div className="field">
          <label htmlFor={fieldId(`${base}.duration_minutes`)}>{t("journeys.builder.phaseMinutes", { phase: phaseLabel })}</label>
          <input
            type="number"
            inputMode="numeric"
            min={0}
            max={1440}
            value={phase.duration_minutes ?? 0}
            onChange={(e) => change((j) => void (j.phases![index].duration_minutes = Math.max(0, Number(e.target.value) || 0)))}
            {...errorProps(errors, `${base}.duration_minutes`)}
          />
          <FieldError errors={errors} path={`${base}.duration_minutes`} />
        </div>
        <div className="field">
          <label htmlFor={fieldId(`${base}.energy_mode`)}>{t("journeys.builder.energy", { phase: phaseLabel })}</label>
          <select
            value={phase.energy_mode ?? ""}
            onChange={(e) =>
              change((j) => {
                const v = e.target.value as (typeof energyModes)[number] | "";
                if (v) j.phases![index].energy_mode = v;
                else delete j.phases![index].energy_mode;
              })
            }
            {...errorProps(errors, `${base}.energy_mode`)}
          >
            <option value="">{t("journeys.builder.chooseEnergy")}</option>
            {energyModes.map((m) => (
              <option key={m} value={m}>
                {t(`journeys.energy.${m}`)}
              </option>
            ))}
          </select>
          <FieldError errors={errors} path={`${base}.energy_mode`} />
        </div>
        <label className="jb-check">
          <input
            type="checkbox"
            checked={!!phase.skipped}
            onChange={(e) => change((j) => void (j.phases![index].skipped = e.target.checked))}
          />
          {t("journeys.builder.skip", { phase: phaseLabel })}
        </label>
      </div>
      <FieldError errors={errors} path={`${base}.elements`} />
      {elements.length === 0 ? (
        <p className="jb-drop-hint">{t("journeys.builder.dropHere")}</p>
      ) : (
        <ol className="jb-elements" aria-label={t("journeys.builder.elementsOf", { phase: phaseLabel })}>
          {elements.map((el, k) => (
            <ElementRow
              key={el.id}
              el={el}
              path={`${base}.elements[${k}]`}
              errors={errors}
              first={index === 0 && k === 0}
              last={index === 3 && k === elements.length - 1}
              onMove={(d) => move(k, d)}
              onKey={(e) => onElementKey(e, k)}
              onDragStart={(e) => {
                e.dataTransfer.setData(elementDrag, JSON.stringify([index, k]));
                e.dataTransfer.effectAllowed = "move";
              }}
              update={(fn) => change((j) => fn(j.phases![index].elements![k]))}
              remove={() => {
                change((j) => void j.phases![index].elements!.splice(k, 1));
                announce(t("journeys.builder.removed", { title: el.title || t("journeys.builder.untitled") }));
              }}
            />
          ))}
        </ol>
      )}
      <button
        type="button"
        className="button secondary jb-small jb-add-step"
        onClick={() =>
          change((j) =>
            void j.phases![index].elements!.push({ id: newElementId(), kind: "inline", type: defaultInlineType[name], title: "", duration_minutes: 5 }),
          )
        }
      >
        {t("journeys.builder.addStep", { phase: phaseLabel })}
      </button>
      <details className="jb-notes">
        <summary>{t("journeys.builder.notes")}</summary>
        <label htmlFor={fieldId(`${base}.facilitator_notes`)} className="visually-hidden">
          {t("journeys.builder.notesOf", { phase: phaseLabel })}
        </label>
        <textarea
          rows={3}
          maxLength={4000}
          value={phase.facilitator_notes ?? ""}
          onChange={(e) => change((j) => void (j.phases![index].facilitator_notes = e.target.value))}
          {...errorProps(errors, `${base}.facilitator_notes`)}
        />
        <FieldError errors={errors} path={`${base}.facilitator_notes`} />
      </details>
    </section>
  );
}

function ElementRow({
  el,
  path,
  errors,
  first,
  last,
  onMove,
  onKey,
  onDragStart,
  update,
  remove,
}: {
  el: Element;
  path: string;
  errors: JourneyErrors;
  first: boolean;
  last: boolean;
  onMove: (d: -1 | 1) => void;
  onKey: (e: KeyboardEvent) => void;
  onDragStart: (e: DragEvent) => void;
  update: (fn: (e: Element) => void) => void;
  remove: () => void;
}) {
  const { t } = useTranslation();
  const title = el.title || t("journeys.builder.untitled");
  const bad = [...errors.fields.keys()].some((f) => f.startsWith(path + "."));
  return (
    <li className={bad ? "jb-element bad" : "jb-element"} data-element={el.id} onKeyDown={onKey}>
      <div className="jb-element-head">
        <span
          id={`handle-${el.id}`}
          className="jb-handle"
          draggable
          onDragStart={onDragStart}
          tabIndex={0}
          role="img"
          aria-label={t("journeys.builder.handle", { title })}
          title={t("journeys.builder.handleHint")}
        >
          ⠿
        </span>
        <span className="jb-kind">
          {el.kind === "content" ? t("journeys.builder.fromLibrary") : t(`journeys.types.${el.type ?? "pause"}`, { defaultValue: el.type })}
        </span>
        <span className="jb-element-actions">
          <button type="button" className="jb-icon" onClick={() => onMove(-1)} disabled={first} aria-label={t("journeys.builder.moveUp", { title })}>
            ↑
          </button>
          <button type="button" className="jb-icon" onClick={() => onMove(1)} disabled={last} aria-label={t("journeys.builder.moveDown", { title })}>
            ↓
          </button>
          <button type="button" className="jb-icon" onClick={remove} aria-label={t("journeys.builder.remove", { title })}>
            ×
          </button>
        </span>
      </div>
      <div className="jb-element-fields">
        <div className="field jb-title-field">
          <label htmlFor={fieldId(`${path}.title`)}>{t("journeys.builder.elementTitle")}</label>
          <input value={el.title ?? ""} maxLength={120} dir="auto" onChange={(e) => update((x) => void (x.title = e.target.value))} {...errorProps(errors, `${path}.title`)} />
          <FieldError errors={errors} path={`${path}.title`} />
        </div>
        <div className="field jb-minutes-field">
          <label htmlFor={fieldId(`${path}.duration_minutes`)}>{t("journeys.builder.minutes")}</label>
          <input
            type="number"
            inputMode="numeric"
            min={0}
            max={240}
            value={el.duration_minutes ?? 0}
            aria-label={t("journeys.builder.minutesOf", { title })}
            onChange={(e) => update((x) => void (x.duration_minutes = Math.max(0, Number(e.target.value) || 0)))}
            {...errorProps(errors, `${path}.duration_minutes`)}
          />
        </div>
      </div>
      <FieldError errors={errors} path={`${path}.duration_minutes`} />
      <FieldError errors={errors} path={`${path}.item_id`} />
      <FieldError errors={errors} path={`${path}.type`} />
      {el.kind === "inline" && (
        <div className="field">
          <label htmlFor={fieldId(`${path}.type`)}>{t("journeys.builder.stepType")}</label>
          <select value={el.type ?? ""} onChange={(e) => update((x) => void (x.type = e.target.value as Element["type"]))} {...errorProps(errors, `${path}.type`)}>
            {inlineTypes.map((ty) => (
              <option key={ty} value={ty}>
                {t(`journeys.types.${ty}`)}
              </option>
            ))}
          </select>
        </div>
      )}
      <details className="jb-instructions">
        <summary>{t("journeys.builder.instructions")}</summary>
        <label htmlFor={fieldId(`${path}.instructions`)} className="visually-hidden">
          {t("journeys.builder.instructionsOf", { title })}
        </label>
        <textarea rows={3} maxLength={4000} dir="auto" value={el.instructions ?? ""} onChange={(e) => update((x) => void (x.instructions = e.target.value))} {...errorProps(errors, `${path}.instructions`)} />
      </details>
    </li>
  );
}

function SaveStatus({ state, retry }: { state: SaveState; retry: () => void }) {
  const { t } = useTranslation();
  return (
    <p className={`jb-save jb-save-${state}`} role="status">
      {t(`journeys.save.${state}`)}
      {state === "failed" && (
        <button type="button" className="button secondary jb-small" onClick={retry}>
          {t("journeys.save.retry")}
        </button>
      )}
    </p>
  );
}

function Summary({ errors, journey }: { errors: JourneyErrors; journey: Journey }) {
  const { t } = useTranslation();
  if (errors.fields.size === 0) return null;
  // Messages with a place show there; the summary links to each.
  const label = (path: string) => {
    const m = /^phases\[(\d)\](?:\.elements\[(\d+)\])?/.exec(path);
    if (path === "phases") return t("journeys.builder.timing");
    if (!m) return t("journeys.builder.journeyDetails");
    const phase = t(`journeys.phases.${phaseNames[Number(m[1])]}`);
    if (m[2] === undefined) return phase;
    const el = journey.phases?.[Number(m[1])]?.elements?.[Number(m[2])];
    return `${phase} · ${el?.title || t("journeys.builder.untitled")}`;
  };
  return (
    <section className="jb-summary" aria-labelledby="jb-summary-title" tabIndex={-1} id="jb-summary">
      <h2 id="jb-summary-title">{t("journeys.builder.toFix", { n: errors.fields.size })}</h2>
      <ul>
        {[...errors.fields.entries()].map(([path, m]) => (
          <li key={path}>
            <a href={`#${fieldId(path)}`} onClick={(e) => (e.preventDefault(), document.getElementById(fieldId(path))?.focus())}>
              {label(path)}
            </a>
            {": "}
            {t(m.key, m.values)}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Panel({ children, tone }: { children: ReactNode; tone: "alert" | "ok" }) {
  return (
    <div className={`jb-panel jb-panel-${tone}`} role={tone === "alert" ? "alert" : "status"}>
      {children}
    </div>
  );
}

const noErrors: JourneyErrors = { fields: new Map() };

export default function Builder() {
  const { t, i18n } = useTranslation();
  const { journeyId = "" } = useParams();
  const queryClient = useQueryClient();
  useEffect(() => {
    void queryClient.prefetchInfiniteQuery(libraryQuery("", "", contentLang(i18n.language)));
  }, [queryClient, i18n.language]);
  const initial = useQuery({
    queryKey: ["journeys", "draft", journeyId],
    queryFn: () => data(api.GET("/journeys/v1/journeys/{journeyId}", { params: { path: { journeyId } } })),
    // The builder keeps its own copy once loaded; a cached draft would carry
    // an old revision into the next save.
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
  const [journey, setJourney] = useState<Journey>();
  const latest = useRef<Journey | undefined>(undefined);
  const revision = useRef(0);
  const dirty = useRef(false);
  const inFlight = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [save, setSave] = useState<SaveState>("saved");
  const [draftErrors, setDraftErrors] = useState<JourneyErrors>(noErrors);
  const [publishErrors, setPublishErrors] = useState<JourneyErrors>(noErrors);
  const checking = useRef(false); // after a refused publish, each save re-checks
  const conflicted = useRef(false); // no autosave until the person chooses
  const [ready, setReady] = useState(false);
  const [published, setPublished] = useState<number>();
  const [publishing, setPublishing] = useState(false);
  const [notice, setNotice] = useState<Message>();
  const [announcement, setAnnouncement] = useState("");
  const [latestVersion, setLatestVersion] = useState(0);

  useEffect(() => {
    if (initial.data && latest.current === undefined) {
      const j = normalize(initial.data.journey ?? {});
      latest.current = j;
      revision.current = initial.data.revision ?? 1;
      // The first draw of the whole builder is a transition: React renders it
      // in slices between which the browser stays responsive, instead of one
      // long task on a slow phone.
      startTransition(() => {
        setLatestVersion(initial.data.latest_version ?? 0);
        setJourney(j);
      });
    }
  }, [initial.data]);

  const check = useCallback(async () => {
    const { error, response } = await api.POST("/journeys/v1/journeys/{journeyId}/publish", {
      params: { path: { journeyId }, query: { dry_run: true } },
    });
    if (response.status === 422) {
      setPublishErrors(journeyErrors(error));
      setReady(false);
    } else if (response.ok) {
      setPublishErrors(noErrors);
      setReady(true);
    }
  }, [journeyId]);

  const saveNow = useCallback(async (): Promise<boolean> => {
    clearTimeout(timer.current);
    if (inFlight.current || !latest.current) return false;
    if (!dirty.current) return true;
    inFlight.current = true;
    dirty.current = false;
    setSave("saving");
    const snapshot = latest.current;
    try {
      const d = await data(
        api.PUT("/journeys/v1/journeys/{journeyId}", {
          params: { path: { journeyId }, header: ifMatch(revision.current) },
          body: { journey: snapshot },
        }),
      );
      revision.current = d.revision ?? revision.current + 1;
      setDraftErrors(noErrors);
      inFlight.current = false;
      if (dirty.current) {
        timer.current = setTimeout(() => void saveNow(), autosaveDelay);
        setSave("dirty");
      } else {
        setSave("saved");
        if (checking.current) void check();
      }
      return true;
    } catch (err) {
      inFlight.current = false;
      const code = status(err);
      if (code === 412 || code === 409) {
        dirty.current = true;
        conflicted.current = true;
        setSave("conflict");
      } else if (code === 422) {
        setDraftErrors(journeyErrors(err));
        setSave("invalid");
      } else {
        dirty.current = true;
        setSave("failed");
      }
      return false;
    }
  }, [journeyId, check]);

  // Closing the tab with unsaved edits asks first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (dirty.current || inFlight.current) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);

  // Leaving the page saves what is pending.
  useEffect(
    () => () => {
      if (dirty.current && !inFlight.current) void saveNow();
    },
    [saveNow],
  );

  const change = useCallback(
    (fn: (j: Journey) => void) => {
      if (!latest.current) return;
      const next = structuredClone(latest.current);
      fn(next);
      latest.current = next;
      setJourney(next);
      dirty.current = true;
      setReady(false);
      setPublished(undefined);
      setSave((s) => (s === "conflict" ? s : "dirty"));
      clearTimeout(timer.current);
      if (conflicted.current) return;
      timer.current = setTimeout(() => {
        if (!inFlight.current) void saveNow();
      }, autosaveDelay);
    },
    [saveNow],
  );

  function addItem(phase: PhaseName, item: DraggedItem) {
    const i = phaseNames.indexOf(phase);
    change((j) => {
      j.phases![i].elements!.push({
        id: newElementId(),
        kind: "content",
        item_id: item.id,
        type: elementTypeForItem(item.type),
        title: item.title.slice(0, 120),
        duration_minutes: 5,
      });
    });
    setAnnouncement(t("journeys.builder.added", { title: item.title, phase: t(`journeys.phases.${phase}`) }));
  }

  async function resolveConflict(keep: "theirs" | "mine") {
    const d = await data(api.GET("/journeys/v1/journeys/{journeyId}", { params: { path: { journeyId } } })).catch(() => undefined);
    if (!d) {
      setSave("failed");
      return;
    }
    revision.current = d.revision ?? revision.current;
    conflicted.current = false;
    setLatestVersion(d.latest_version ?? 0);
    if (keep === "theirs") {
      const j = normalize(d.journey ?? {});
      latest.current = j;
      setJourney(j);
      dirty.current = false;
      setSave("saved");
      setNotice({ key: "journeys.conflict.reloaded" });
    } else {
      dirty.current = true;
      setSave("dirty");
      const ok = await saveNow();
      if (ok) setNotice({ key: "journeys.conflict.kept" });
    }
  }

  async function publish() {
    setNotice(undefined);
    setPublishing(true);
    try {
      if (dirty.current) {
        const ok = await saveNow();
        if (!ok) return;
      }
      const v = (await data(
        api.POST("/journeys/v1/journeys/{journeyId}/publish", { params: { path: { journeyId }, header: ifMatch(revision.current) } }),
      )) as components["schemas"]["JourneyVersion"];
      checking.current = false;
      setPublishErrors(noErrors);
      setPublished(v.version);
      setLatestVersion(v.version ?? 0);
      void queryClient.invalidateQueries({ queryKey: ["journeys"] });
    } catch (err) {
      const code = status(err);
      if (code === 422) {
        checking.current = true;
        setPublishErrors(journeyErrors(err));
        requestAnimationFrame(() => document.getElementById("jb-summary")?.focus());
      } else if (code === 412 || code === 409) {
        dirty.current = true;
        conflicted.current = true;
        setSave("conflict");
      } else {
        setNotice({ key: problemMessageKey(err instanceof ApiError ? err.problem : err) });
      }
    } finally {
      setPublishing(false);
    }
  }

  async function saveTemplate() {
    setNotice(undefined);
    if (dirty.current && !(await saveNow())) return;
    try {
      const tpl = await data(api.POST("/journeys/v1/journeys/{journeyId}/template", { params: { path: { journeyId } }, body: {} }));
      setNotice({ key: "journeys.builder.templateSaved", values: { name: isolate(tpl.name ?? "") } });
      void queryClient.invalidateQueries({ queryKey: ["journeys", "templates"] });
    } catch (err) {
      setNotice({ key: problemMessageKey(err instanceof ApiError ? err.problem : err) });
    }
  }

  async function agenda() {
    setNotice(undefined);
    if (dirty.current && !(await saveNow())) return;
    try {
      await download(journeyId, "pdf");
    } catch (err) {
      setNotice({ key: problemMessageKey(err instanceof ApiError ? err.problem : err) });
    }
  }

  if (initial.isPending || (initial.isSuccess && !journey)) return <Loading />;
  if (initial.isError || !journey) {
    return (
      <section className="card" role="alert">
        <p className="error">{t(problemMessageKey(initial.error instanceof ApiError ? initial.error.problem : initial.error))}</p>
        <Link to="/journeys">{t("journeys.backToList")}</Link>
      </section>
    );
  }

  // The API's draft check (on save) wins over the publish check for the same field.
  const errors: JourneyErrors = { fields: new Map([...publishErrors.fields, ...draftErrors.fields]) };
  const total = totalMinutes(journey);
  const session = journey.session_minutes ?? 0;
  const archived = initial.data?.status === "archived";

  return (
    <div className="jb">
      <header className="jb-top">
        <p className="jb-crumbs">
          <Link to="/journeys">{t("journeys.backToList")}</Link>
        </p>
        <h1 dir="auto">{journey.name || t("journeys.untitled")}</h1>
        <SaveStatus state={save} retry={() => void saveNow()} />
        <p className="visually-hidden" aria-live="polite">
          {announcement}
        </p>
      </header>

      {save === "conflict" && (
        <Panel tone="alert">
          <p>
            <strong>{t("journeys.conflict.title")}</strong> {t("journeys.conflict.body")}
          </p>
          <div className="actions">
            <button type="button" className="button" onClick={() => void resolveConflict("theirs")}>
              {t("journeys.conflict.theirs")}
            </button>
            <button type="button" className="button secondary" onClick={() => void resolveConflict("mine")}>
              {t("journeys.conflict.mine")}
            </button>
          </div>
        </Panel>
      )}
      {archived && <Panel tone="alert">{t("journeys.builder.archived")}</Panel>}
      {notice && (
        <Panel tone={notice.key.startsWith("problem.") ? "alert" : "ok"}>
          <p>{t(notice.key, notice.values)}</p>
        </Panel>
      )}
      {published !== undefined && (
        <Panel tone="ok">
          <p>
            <strong>{t("journeys.builder.published", { version: published })}</strong> {t("journeys.builder.publishedNext")}
          </p>
          <p className="actions">
            <Link className="button" to={`/sessions/new?journey=${encodeURIComponent(journeyId)}`}>
              {t("journeys.builder.schedule")}
            </Link>
            <Link className="button secondary" to={`/journeys/${encodeURIComponent(journeyId)}/versions`}>
              {t("journeys.builder.versions")}
            </Link>
          </p>
        </Panel>
      )}

      <div className="jb-layout">
        <div className="jb-main">
          <section className="jb-details" aria-labelledby="jb-details-title">
            <h2 id="jb-details-title">{t("journeys.builder.journeyDetails")}</h2>
            <div className="jb-details-grid">
              <div className="field jb-wide">
                <label htmlFor={fieldId("name")}>{t("journeys.fields.name")}</label>
                <input value={journey.name ?? ""} maxLength={120} dir="auto" onChange={(e) => change((j) => void (j.name = e.target.value))} {...errorProps(errors, "name")} />
                <FieldError errors={errors} path="name" />
              </div>
              <div className="field">
                <label htmlFor={fieldId("session_minutes")}>{t("journeys.fields.sessionMinutes")}</label>
                <input
                  type="number"
                  inputMode="numeric"
                  min={15}
                  max={1440}
                  value={journey.session_minutes ?? ""}
                  onChange={(e) => change((j) => void (j.session_minutes = e.target.value === "" ? undefined : Math.max(0, Number(e.target.value) || 0)))}
                  {...errorProps(errors, "session_minutes")}
                  {...timingProps(errors)}
                />
                <FieldError errors={errors} path="session_minutes" />
              </div>
              <div className="field">
                <label htmlFor={fieldId("timeframe")}>{t("journeys.fields.timeframe")}</label>
                <select
                  value={journey.timeframe ?? ""}
                  onChange={(e) => change((j) => void (j.timeframe = (e.target.value || undefined) as Journey["timeframe"]))}
                  {...errorProps(errors, "timeframe")}
                >
                  <option value="">{t("journeys.fields.chooseTimeframe")}</option>
                  {timeframes.map((tf) => (
                    <option key={tf} value={tf}>
                      {t(`journeys.timeframes.${tf}`)}
                    </option>
                  ))}
                </select>
                <FieldError errors={errors} path="timeframe" />
              </div>
              <div className="field jb-wide">
                <label htmlFor={fieldId("description")}>{t("journeys.fields.description")}</label>
                <textarea rows={2} maxLength={2000} dir="auto" value={journey.description ?? ""} onChange={(e) => change((j) => void (j.description = e.target.value))} {...errorProps(errors, "description")} />
                <FieldError errors={errors} path="description" />
              </div>
            </div>
            <div className={total > session && session > 0 ? "jb-total over" : "jb-total"} id={fieldId("phases")} tabIndex={-1}>
              <p>{t("journeys.builder.total", { total, session })}</p>
              <meter
                min={0}
                max={Math.max(session, total, 1)}
                low={1}
                high={session || undefined}
                optimum={session / 2}
                value={total}
                aria-label={t("journeys.builder.totalLabel")}
              />
              <FieldError errors={errors} path="phases" />
            </div>
          </section>

          <ol className="jb-flow" aria-label={t("journeys.builder.flow")}>
            {phaseNames.map((p) => (
              <li key={p}>{t(`journeys.phases.${p}`)}</li>
            ))}
          </ol>

          <Summary errors={errors} journey={journey} />

          <div className="jb-phases">
            {phaseNames.map((p, i) => (
              <PhaseColumn key={p} journey={journey} index={i} errors={errors} change={change} onDropItem={addItem} announce={setAnnouncement} />
            ))}
          </div>

          <section className="jb-publish" aria-labelledby="jb-publish-title">
            <h2 id="jb-publish-title">{t("journeys.builder.publishTitle")}</h2>
            <p className="hint">
              {latestVersion > 0 ? t("journeys.builder.latestVersion", { version: latestVersion }) : t("journeys.builder.neverPublished")}
              {ready && ` ${t("journeys.builder.ready")}`}
            </p>
            <div className="actions">
              <button type="button" className="button" onClick={() => void publish()} disabled={publishing || archived}>
                {publishing ? t("journeys.builder.publishing") : t("journeys.builder.publish")}
              </button>
              <button type="button" className="button secondary" onClick={() => void saveTemplate()}>
                {t("journeys.builder.saveTemplate")}
              </button>
              <button type="button" className="button secondary" onClick={() => void agenda()}>
                {t("journeys.builder.agenda")}
              </button>
              <Link className="button secondary" to={`/journeys/${encodeURIComponent(journeyId)}/versions`}>
                {t("journeys.builder.versions")}
              </Link>
              <Link className="button secondary" to={`/journeys/${encodeURIComponent(journeyId)}/files`}>
                {t("journeys.builder.files")}
              </Link>
            </div>
          </section>
        </div>
        <LibraryPanel onAdd={addItem} />
      </div>
    </div>
  );
}
