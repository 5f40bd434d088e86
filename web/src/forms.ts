// Field errors from an API problem+json answer (errors[].field), so a form
// shows each one next to its field and the rest as one message at the top.
import { ApiError, problemMessageKey, type Problem } from "./api/problem";

export interface FormErrors {
  // fields maps a field name to the i18n key of its message.
  fields: Record<string, string>;
  // form is the message key for what belongs to no shown field, if any.
  form?: string;
}

// formErrors sorts a failure into per-field keys (fieldErrors.<field>,
// known for the fields in `shown`) and one form-level key.
export function formErrors(err: unknown, shown: readonly string[]): FormErrors {
  const problem = err instanceof ApiError ? err.problem : err;
  const fields: Record<string, string> = {};
  let unplaced = false;
  const list = (problem as Problem | undefined)?.errors;
  if (Array.isArray(list)) {
    for (const e of list) {
      const name = e.field ?? e.pointer?.replace(/^\//, "").split("/")[0];
      if (name && shown.includes(name)) fields[name] ??= `fieldErrors.${name}`;
      else unplaced = true;
    }
  }
  const hasFields = Object.keys(fields).length > 0;
  return { fields, form: !hasFields || unplaced ? problemMessageKey(problem) : undefined };
}

// fieldProps wires an input to its message: aria-invalid and
// aria-describedby, so a screen reader reads the message with the field
// (after the field's hint, given the hint's id).
export function fieldProps(errors: FormErrors | undefined, name: string, hint?: string) {
  const bad = errors?.fields[name] !== undefined;
  const ids = [hint, bad ? `${name}-error` : undefined].filter(Boolean).join(" ");
  return { "aria-invalid": bad || undefined, "aria-describedby": ids || undefined };
}
