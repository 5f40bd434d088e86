// Pieces the billing pages share: a problem in words, the note on coming
// back from the payment page, the past-due banner and the invoices table.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, problemMessageKey } from "../api/problem";
import type { Invoice } from "./api";
import type { ReturnState } from "./checkout";
import { formatDay, formatUnixDay } from "./format";
import { formatPrice, type Grace } from "./model";

export function ProblemText({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  const detail = error instanceof ApiError ? (error.problem as { detail?: string }).detail : undefined;
  return (
    <div className="bill-problem" role="alert">
      <p className="error">{t(problemMessageKey(error instanceof ApiError ? error.problem : error))}</p>
      {detail && <p className="hint">{detail}</p>}
      {retry && (
        <button type="button" className="button secondary" onClick={retry}>
          {t("billing.retry")}
        </button>
      )}
    </div>
  );
}

/** ReturnNotice says what became of a payment the person just came back from. */
export function ReturnNotice({ state }: { state: ReturnState }) {
  const { t } = useTranslation();
  const text = state === "none" ? "" : t(`billing.return.${state}`);
  return (
    <p className={`bill-return ${state}`} role="status" hidden={state === "none"}>
      {text}
    </p>
  );
}

/** GraceBanner: a payment failed; the plan stays until the grace period ends. */
export function GraceBanner({ grace, onManage, pending }: { grace?: Grace; onManage?: () => void; pending?: boolean }) {
  const { t, i18n } = useTranslation();
  if (!grace) return null;
  const day = formatDay(grace.until, i18n.language);
  return (
    <div className="bill-banner" role="alert">
      <p className="bill-banner-title">{t(`billing.grace.title.${grace.scope}`)}</p>
      <p>{day ? t("billing.grace.until", { date: day }) : t("billing.grace.soon")}</p>
      {grace.canManage && onManage ? (
        <button type="button" className="button" onClick={onManage} disabled={pending}>
          {t("billing.grace.pay")}
        </button>
      ) : (
        grace.scope === "org" && <p className="hint">{t("billing.grace.askAdmin")}</p>
      )}
    </div>
  );
}

// InvoiceLinks are Stripe's page and PDF of an invoice.
function InvoiceLinks({ inv }: { inv: Invoice }) {
  const { t } = useTranslation();
  const number = inv.number || inv.id;
  return (
    <>
      {inv.hosted_invoice_url && (
        <a href={inv.hosted_invoice_url} target="_blank" rel="noopener noreferrer">
          {t("billing.invoices.view", { number })}
        </a>
      )}
      {inv.invoice_pdf && (
        <a href={inv.invoice_pdf} target="_blank" rel="noopener noreferrer">
          {t("billing.invoices.pdf", { number })}
        </a>
      )}
    </>
  );
}

/**
 * Invoices is the billing history, newest first, with Stripe's pages for
 * each invoice: a table from tablet width, a list of rows on a phone (the
 * CSS shows one of the two).
 */
export function Invoices({ invoices }: { invoices: Invoice[] }) {
  const { t, i18n } = useTranslation();
  const captionId = useId();
  if (invoices.length === 0) return <p className="hint">{t("billing.invoices.empty")}</p>;
  const sorted = [...invoices].sort((a, b) => b.created - a.created);
  const amount = (inv: Invoice) => formatPrice(inv.status === "paid" ? inv.amount_paid : inv.amount_due, inv.currency, i18n.language);
  const status = (inv: Invoice) => (
    <span className={`badge bill-status ${inv.status}`}>{t(`billing.invoices.statuses.${inv.status}`, { defaultValue: inv.status })}</span>
  );
  const range = (inv: Invoice) =>
    t("billing.invoices.range", { from: formatUnixDay(inv.period_start, i18n.language), to: formatUnixDay(inv.period_end, i18n.language) });
  return (
    <>
      <ul className="bill-invoice-list" aria-label={t("billing.invoices.title")}>
        {sorted.map((inv) => (
          <li key={inv.id}>
            <div className="bill-invoice-line">
              <span className="bill-invoice-date">{formatUnixDay(inv.created, i18n.language)}</span>
              <span className="bill-num">{amount(inv)}</span>
              {status(inv)}
            </div>
            <p className="hint">{range(inv)}</p>
            <p className="bill-links">
              <InvoiceLinks inv={inv} />
            </p>
          </li>
        ))}
      </ul>
      <div className="bill-table-wrap" role="region" aria-labelledby={captionId} tabIndex={0}>
        <table className="bill-table">
          <caption id={captionId} className="visually-hidden">
            {t("billing.invoices.title")}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t("billing.invoices.date")}</th>
              <th scope="col">{t("billing.invoices.period")}</th>
              <th scope="col">{t("billing.invoices.amount")}</th>
              <th scope="col">{t("billing.invoices.status")}</th>
              <th scope="col">{t("billing.invoices.links")}</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((inv) => (
              <tr key={inv.id}>
                <td>{formatUnixDay(inv.created, i18n.language)}</td>
                <td>{range(inv)}</td>
                <td className="bill-num">{amount(inv)}</td>
                <td>{status(inv)}</td>
                <td>
                  <span className="bill-links">
                    <InvoiceLinks inv={inv} />
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
