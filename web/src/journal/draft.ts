// useDraft is what an editor types into: the fields on screen, written to
// the journal (IndexedDB first, then the queue) a second after the last
// keystroke, and at once on blur, when the page is hidden or left, and when
// the editor closes. Changes that arrive from sync show when nothing typed
// is waiting to be saved.
import { useCallback, useEffect, useRef, useState } from "react";
import { useVersion } from "./client";
import type { Journal } from "./journal";
import type { Fields } from "./types";

export const autosaveMs = 1000;

export function useDraft(journal: Journal, id: string) {
  const version = useVersion(journal);
  const [draft, setDraft] = useState<Fields | undefined>(() => journal.entry(id));
  const unsaved = useRef<Partial<Fields>>({});
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  // While a save is being written the journal does not have it yet: what
  // sync brings in then must not replace the words on screen.
  const writing = useRef(0);
  const [saving, setSaving] = useState<"saved" | "unsaved">("saved");

  const flush = useCallback(() => {
    clearTimeout(timer.current);
    const changes = unsaved.current;
    if (Object.keys(changes).length === 0) return Promise.resolve();
    unsaved.current = {};
    writing.current++;
    return journal
      .edit(id, changes)
      .finally(() => writing.current--)
      .then(() => setSaving(Object.keys(unsaved.current).length ? "unsaved" : "saved"));
  }, [journal, id]);

  const set = useCallback(
    (changes: Partial<Fields>) => {
      setDraft((d) => (d ? { ...d, ...changes } : d));
      unsaved.current = { ...unsaved.current, ...changes };
      setSaving("unsaved");
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void flush(), autosaveMs);
    },
    [flush],
  );

  useEffect(() => {
    if (Object.keys(unsaved.current).length === 0 && writing.current === 0) setDraft(journal.entry(id));
  }, [journal, id, version]);

  useEffect(() => {
    const hidden = () => document.visibilityState === "hidden" && void flush();
    const leave = () => void flush();
    document.addEventListener("visibilitychange", hidden);
    window.addEventListener("pagehide", leave);
    return () => {
      document.removeEventListener("visibilitychange", hidden);
      window.removeEventListener("pagehide", leave);
      void flush();
    };
  }, [flush]);

  return { draft, set, flush, saving };
}
