// Small building blocks shared by the forms.
import type { ButtonHTMLAttributes, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { FormErrors } from "./forms";

// FieldMessage is a field's error, referenced by the input's aria-describedby.
export function FieldMessage({ errors, name }: { errors?: FormErrors; name: string }) {
  const { t } = useTranslation();
  const key = errors?.fields[name];
  if (!key) return null;
  return (
    <p className="field-error" id={`${name}-error`}>
      {t(key)}
    </p>
  );
}

// FormMessage is the error that belongs to no one field.
export function FormMessage({ errors }: { errors?: FormErrors }) {
  const { t } = useTranslation();
  if (!errors?.form) return null;
  return (
    <p className="error" role="alert">
      {t(errors.form)}
    </p>
  );
}

// Submit sends its form once at a time and says so while the request runs.
export function Submit({ pending, children, ...rest }: { pending: boolean } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, "type" | "disabled">) {
  const { t } = useTranslation();
  return (
    <button type="submit" className="button" disabled={pending} {...rest}>
      {pending ? t("app.saving") : children}
    </button>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="card" role="status">
      {t("app.loading")}
    </p>
  );
}

export function Card({ title, lead, children, narrow }: { title: string; lead?: string; children: ReactNode; narrow?: boolean }) {
  const id = title.replace(/\W+/g, "-").toLowerCase() || "page";
  return (
    <section className={narrow ? "card narrow" : "card"} aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>{title}</h1>
      {lead && <p className="lead">{lead}</p>}
      {children}
    </section>
  );
}
