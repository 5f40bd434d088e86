// Info is a metric's name with a button that shows its definition below
// (a disclosure: the button says whether it is open and which text it
// controls), so the words behind each figure are one tap away.
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";

export function InfoIcon() {
  return (
    <svg className="ins-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <rect x="7.25" y="7" width="1.5" height="5" rx="0.5" fill="currentColor" />
      <circle cx="8" cy="4.6" r="1" fill="currentColor" />
    </svg>
  );
}

export function Info({ label, definition }: { label: string; definition: string }) {
  const { t } = useTranslation();
  const id = useId();
  const [open, setOpen] = useState(false);
  return (
    <span className="ins-info">
      <span className="ins-info-label">{label}</span>
      <button
        type="button"
        className="ins-info-button"
        aria-expanded={open}
        aria-controls={id}
        aria-label={t("insights.info", { metric: label })}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => e.key === "Escape" && setOpen(false)}
      >
        <InfoIcon />
      </button>
      <span id={id} className="ins-definition" hidden={!open}>
        {definition}
      </span>
    </span>
  );
}

/** ThemeList lists recurring card themes with how many people and cards, or says there are none yet. */
export function ThemeList({ themes }: { themes: { theme: string; people: number; cards: number }[] }) {
  const { t } = useTranslation();
  if (themes.length === 0) return <p className="empty">{t("insights.themes.none")}</p>;
  return (
    <ul className="ins-themes">
      {themes.map((th) => (
        <li key={th.theme}>
          <span className="ins-theme" dir="auto">
            {th.theme}
          </span>{" "}
          <span className="hint">{t("insights.themes.counts", { people: th.people, cards: th.cards })}</span>
        </li>
      ))}
    </ul>
  );
}
