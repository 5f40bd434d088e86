// One message of a conversation. A coach answer shows what it drew on (each
// source with its attribution exactly as the server gives it), the cards
// it suggests, what a higher plan would add, and the reader's rating. An
// escalation looks different on purpose: calm, with the resources to
// reach a person, and nothing to rate.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { CardTile } from "./CardTile";
import { citeParts } from "./cite";
import { StarFeedback } from "./Feedback";
import type { Card, Message, Resource, Source } from "./api";

// Paragraphs as the text has them; each keeps its own direction. In a
// coach answer each [source: ID] shows as the source's title, linked to
// the library (while the answer is still being written, an unfinished
// marker waits for the rest of it).
export function Paragraphs({ text, sources, writing }: { text: string; sources?: Source[]; writing?: boolean }) {
  const titles = new Map((sources ?? []).map((s) => [s.item_id, s.title || s.item_id]));
  const known = new Set(titles.keys());
  return (
    <>
      {text
        .split(/\n{2,}/)
        .filter((p) => p.trim() !== "")
        .map((p, i) => (
          <p key={i} dir="auto">
            {sources || writing
              ? citeParts(p, known, writing).map((part, j) =>
                  typeof part === "string" ? (
                    part
                  ) : (
                    <Link key={j} className="coach-cite" to={`/library/${encodeURIComponent(part.cite)}`}>
                      {titles.get(part.cite)}
                    </Link>
                  ),
                )
              : p}
          </p>
        ))}
    </>
  );
}

function Sources({ sources }: { sources: Source[] }) {
  const { t } = useTranslation();
  return (
    <div className="coach-extra">
      <p className="coach-label">{t("coach.sources.title")}</p>
      <ul className="coach-sources">
        {sources.map((s) => (
          <li key={`${s.item_id}-${s.use}`}>
            <Link to={`/library/${encodeURIComponent(s.item_id)}`} dir="auto">
              {s.title || s.item_id}
            </Link>
            {s.attribution && (
              <span className="coach-attribution" dir="auto">
                {s.attribution}
              </span>
            )}
            <span className="hint">{t(`coach.sources.use.${s.use === "theme" ? "theme" : "text"}`)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Cards({ cards }: { cards: Card[] }) {
  const { t } = useTranslation();
  return (
    <div className="coach-extra">
      <p className="coach-label">{t("coach.cards.title")}</p>
      <ul className="coach-cards">
        {cards.map((c) => (
          <li key={c.item_id} className="coach-card">
            <CardTile card={c} />
          </li>
        ))}
      </ul>
    </div>
  );
}

export interface ResourceLink {
  kind: "phone" | "sms" | "url";
  href: string;
  label: string;
  // The label says what to do by itself ("Text HOME to 741741").
  self?: boolean;
}

// resourceLinks are the ways to reach a resource, each a link a phone
// opens directly: a call, a text message (with its keyword, if the
// number asks for one), a web page. Only tel:, sms: and https: links.
export function resourceLinks(r: Resource): ResourceLink[] {
  const out: ResourceLink[] = [];
  const number = (v: string) => (v.match(/\+?\d[\d\s().-]*\d|\d/g) ?? []).at(-1)?.replace(/[^\d+]/g, "") ?? "";
  if (r.phone && number(r.phone)) out.push({ kind: "phone", href: `tel:${number(r.phone)}`, label: r.phone });
  if (r.sms && number(r.sms)) {
    const keyword = r.sms.match(/\b(?!SMS\b)[A-Z]{2,}\b/)?.[0];
    out.push({
      kind: "sms",
      href: `sms:${number(r.sms)}${keyword ? `?body=${encodeURIComponent(keyword)}` : ""}`,
      label: r.sms,
      self: /\p{L}/u.test(r.sms),
    });
  }
  if (r.url) {
    try {
      const u = new URL(r.url);
      if (u.protocol === "https:") out.push({ kind: "url", href: u.href, label: u.host.replace(/^www\./, "") + (u.pathname === "/" ? "" : u.pathname) });
    } catch {
      // not a link; the name stays
    }
  }
  return out;
}

function Escalation({ m }: { m: Message }) {
  const { t } = useTranslation();
  const resources = m.escalation?.resources ?? [];
  return (
    <div className="coach-escalation">
      <p className="coach-escalation-title">{t("coach.escalation.title")}</p>
      <Paragraphs text={m.text} />
      {resources.length > 0 && (
        <ul className="coach-resources" aria-label={t("coach.escalation.resources")}>
          {resources.map((r, i) => (
            <li key={`${r.name}-${i}`}>
              <span className="coach-resource-name" dir="auto">
                {r.name}
              </span>
              {r.hours && (
                <span className="hint" dir="auto">
                  {r.hours}
                </span>
              )}
              <span className="coach-resource-links">
                {resourceLinks(r).map((l) => (
                  <a key={l.href} className="button secondary small" href={l.href} {...(l.kind === "url" ? { target: "_blank", rel: "noopener noreferrer" } : {})}>
                    {!l.self && <span>{t(`coach.escalation.${l.kind}`)}</span>}
                    <bdi dir={l.self ? "auto" : "ltr"}>{l.label}</bdi>
                  </a>
                ))}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="hint">{t("coach.escalation.note")}</p>
    </div>
  );
}

export function MessageView({ m, conversationId }: { m: Message; conversationId: string }) {
  const { t } = useTranslation();
  if (m.role === "user")
    return (
      <li className="coach-msg from-user">
        <span className="visually-hidden">{t("coach.chat.you")}</span>
        <div className="coach-bubble">
          <Paragraphs text={m.text} />
        </div>
      </li>
    );
  if (m.type === "escalation")
    return (
      <li className="coach-msg from-coach">
        <span className="visually-hidden">{t("coach.chat.coach")}</span>
        <Escalation m={m} />
      </li>
    );
  return (
    <li className="coach-msg from-coach">
      <span className="visually-hidden">{t("coach.chat.coach")}</span>
      <div className="coach-bubble">
        {m.type && <span className="coach-type">{t(`coach.types.${m.type}`)}</span>}
        <Paragraphs text={m.text} sources={m.sources ?? []} />
        {(m.sources?.length ?? 0) > 0 && <Sources sources={m.sources!} />}
        {(m.suggested_cards?.length ?? 0) > 0 && <Cards cards={m.suggested_cards!} />}
        {m.upgrade && m.upgrade.count > 0 && (
          <p className="coach-upgrade">{t("coach.upgrade", { count: m.upgrade.count, tier: t(`tier.${m.upgrade.tier}`, { defaultValue: m.upgrade.tier }) })}</p>
        )}
      </div>
      <StarFeedback conversationId={conversationId} message={m} />
    </li>
  );
}
