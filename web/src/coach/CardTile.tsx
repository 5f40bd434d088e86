// A library card as the coach suggests it: its picture or its first
// letter, its title, its kind and, when its licence asks for one, its
// attribution exactly as given; the card opens in the library. The
// facilitator's copilot shows its cards the same way.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Card } from "./api";
import "./cards.css";

const kinds = ["photo_card", "word_card", "question_card", "exercise", "prompt", "deck"];

export function CardTile({ card, children }: { card: Card & { attribution?: string }; children?: ReactNode }) {
  const { t } = useTranslation();
  const type = kinds.includes(card.type) ? t(`library.types.${card.type}`) : "";
  return (
    <>
      <Link className="coach-card-link" to={`/library/${encodeURIComponent(card.item_id)}`}>
        <span className="coach-card-face" aria-hidden="true">
          {card.image_url ? <img src={card.image_url} alt="" width="160" height="120" loading="lazy" decoding="async" /> : <span className="coach-card-word">{card.title.slice(0, 1)}</span>}
        </span>
        <span className="coach-card-title" dir="auto">
          {card.title || card.item_id}
        </span>
        {type && <span className="hint">{type}</span>}
      </Link>
      {card.attribution && (
        <span className="coach-attribution" dir="auto">
          {card.attribution}
        </span>
      )}
      {children}
    </>
  );
}
