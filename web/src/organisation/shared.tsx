// Pieces the organisation screens share: the caller's profile, and an API
// failure as a sentence in the person's language.
import { useTranslation } from "react-i18next";
import { ApiError, problemMessageKey, type Problem } from "../api/problem";

export { useMe } from "../me";

export function problemOf(err: unknown): unknown {
  return err instanceof ApiError ? err.problem : err;
}

// statusOf is the HTTP status of a failed API call (0 when there was none).
export function statusOf(err: unknown): number {
  const p = problemOf(err) as Problem | undefined;
  return typeof p?.status === "number" ? p.status : 0;
}

// ErrorText shows a failure: a message chosen by status where the screen
// knows better (overrides), else the problem type's general message.
export function ErrorText({ error, overrides }: { error: unknown; overrides?: Record<number, string> }) {
  const { t } = useTranslation();
  const key = overrides?.[statusOf(error)] ?? problemMessageKey(problemOf(error));
  return (
    <p className="error" role="alert">
      {t(key)}
    </p>
  );
}
