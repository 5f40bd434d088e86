// A journey field's API message beside its control, for the builder and the
// new-journey form alike.
import { useTranslation } from "react-i18next";
import { fieldId, type JourneyErrors } from "./model";

// errorProps wires a control to its API message.
export function errorProps(errors: JourneyErrors | undefined, path: string) {
  const bad = !!errors?.fields.has(path);
  return { "aria-invalid": bad || undefined, "aria-describedby": bad ? `${fieldId(path)}-error` : undefined, id: fieldId(path) };
}

export function FieldError({ errors, path }: { errors: JourneyErrors | undefined; path: string }) {
  const { t } = useTranslation();
  const m = errors?.fields.get(path);
  if (!m) return null;
  return (
    <p className="field-error" id={`${fieldId(path)}-error`}>
      {t(m.key, m.values)}
    </p>
  );
}
