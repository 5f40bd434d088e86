// Library items as cards: shared by the library pages and the journey
// builder, which drags them into phases.
import type { DragEvent, ReactNode } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import type { components } from "../api/schema";
import type { Language } from "../i18n";

export type Item = components["schemas"]["ContentView"];

// The item types a person can filter by, in the order they think of them.
export const itemTypes = [
  "photo_card",
  "word_card",
  "question_card",
  "prompt",
  "exercise",
  "canvas_template",
  "session_protocol",
  "deck",
  "journey_element",
] as const;

export const contentLocales: Language[] = ["en", "es", "fr", "de", "he"];
export const tiers = ["free", "professional", "enterprise", "official"] as const;

// contentLang is the locale to ask the library for: the interface's.
export function contentLang(lang: string | undefined): Language {
  const base = (lang ?? "en").split("-")[0] as Language;
  return contentLocales.includes(base) ? base : "en";
}

// The drag payload type: a library item dropped on a journey phase.
export const dragType = "application/x-studio-item";

export interface DraggedItem {
  id: string;
  type: string;
  title: string;
  duration?: number;
}

// tint picks one of a few calm backgrounds from the id, so cards of the
// same type are told apart at a glance without any image download.
export function tint(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % 6;
}

export function LockIcon() {
  return (
    <svg className="lib-lock-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        d="M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1h1Zm2 0h6V7a3 3 0 0 0-6 0v3Z"
        fill="currentColor"
      />
    </svg>
  );
}

// A quiet sign per kind of item, so a grid reads at a glance.
const glyphs: Record<string, string> = {
  exercise: "✦",
  canvas_template: "▦",
  session_protocol: "☰",
  deck: "❖",
  prompt: "❝",
  journey_element: "◇",
};

// firstImage is the item's first picture the server signed a URL for
// (locked items never carry one).
export function firstImage(item: Item): { url: string; alt: string } | undefined {
  if (item.locked) return undefined;
  const im = item.images?.find((i) => i.url);
  return im?.url ? { url: im.url, alt: im.alt ?? "" } : undefined;
}

// ItemImage fills a face of fixed size (so nothing shifts while it loads);
// the tinted field behind it shows until then. Cards further down the list
// load lazily.
export function ItemImage({ item, eager }: { item: Item; eager?: boolean }) {
  const im = firstImage(item);
  if (!im) return null;
  return (
    <img
      className="lib-img"
      src={im.url}
      alt={im.alt}
      width={256}
      height={256}
      loading={eager ? "eager" : "lazy"}
      decoding="async"
      draggable={false}
    />
  );
}

// Face is the top of a card: the picture of a photo card, the word itself
// for a word card, a question mark for a question, a soft tinted field for
// a photo without a picture.
function Face({ item, eager }: { item: Item; eager?: boolean }) {
  const kind = item.type.replace(/_card$/, "");
  if (firstImage(item)) {
    return (
      <div className={`lib-face lib-face-${kind} tint-${tint(item.id)}`}>
        <ItemImage item={item} eager={eager} />
      </div>
    );
  }
  return (
    <div className={`lib-face lib-face-${kind} tint-${tint(item.id)}`} aria-hidden="true">
      {item.locked ? <LockIcon /> : item.type === "word_card" ? <span dir="auto">{item.title}</span> : <span className={glyphs[item.type] ? "lib-glyph" : undefined}>{glyphs[item.type] ?? (item.type === "question_card" ? "?" : null)}</span>}
    </div>
  );
}

// ItemCard is one item; locked items show only what the server sent (type
// and tier) and the plan that opens them.
export function ItemCard({
  item,
  to,
  draggable,
  level = 3,
  eager,
  children,
}: {
  item: Item;
  to?: string;
  draggable?: boolean;
  // eager: the card is likely above the fold, so its picture loads at once.
  eager?: boolean;
  // level is the title's heading level, one below the list's heading.
  level?: 2 | 3;
  children?: ReactNode;
}) {
  const Heading = level === 2 ? "h2" : "h3";
  const { t } = useTranslation();
  const titleId = `item-${item.id}-title`;
  function onDragStart(e: DragEvent<HTMLElement>) {
    const payload: DraggedItem = { id: item.id, type: item.type, title: item.title ?? "" };
    e.dataTransfer.setData(dragType, JSON.stringify(payload));
    e.dataTransfer.setData("text/plain", item.title ?? item.id);
    e.dataTransfer.effectAllowed = "copy";
  }
  const title = item.locked ? t("library.locked.title", { type: t(`library.types.${item.type}`, { defaultValue: item.type }) }) : item.title;
  return (
    <article
      className={item.locked ? "lib-card locked" : "lib-card"}
      aria-labelledby={titleId}
      draggable={draggable && !item.locked ? true : undefined}
      onDragStart={draggable && !item.locked ? onDragStart : undefined}
      data-item={item.id}
    >
      <Face item={item} eager={eager} />
      <div className="lib-card-body">
        <p className="lib-meta">
          <span>{t(`library.types.${item.type}`, { defaultValue: item.type })}</span>
          <span className={`lib-tier tier-${item.tier}`}>{t(`tier.${item.tier}`, { defaultValue: item.tier })}</span>
        </p>
        <Heading id={titleId} className="lib-title" lang={item.locked ? undefined : item.locale} dir="auto">
          {to ? <Link to={to}>{title}</Link> : title}
        </Heading>
        {item.locked ? (
          <p className="lib-hint">{t("library.locked.hint", { tier: t(`tier.${item.tier}`, { defaultValue: item.tier }) })}</p>
        ) : (
          item.body && (
            <p className="lib-body" lang={item.locale} dir="auto">
              {item.body}
            </p>
          )
        )}
        {children}
      </div>
    </article>
  );
}
