// The signed-in person's journal on this device, opened once per person and
// page: its IndexedDB store, its sync engine and the moments it syncs. A
// different person signing in gets their own; the other one's stops and
// stays on the device, unseen.
import { useEffect, useState, useSyncExternalStore } from "react";
import { watchUser } from "../auth";
import { useUser } from "../session";
import { transport } from "./api";
import { Journal } from "./journal";
import { Scheduler, registerBackgroundSync } from "./schedule";
import { openStore } from "./store";

let current: { uid: string; journal: Promise<Journal>; scheduler?: Scheduler } | undefined;
let watching = false;

// Signing out (here or in another tab) stops the journal's sync; its data
// stays on the device, unseen until the same person signs in again.
function watchSignOut() {
  if (watching) return;
  watching = true;
  void watchUser((user) => {
    if (current && user?.uid !== current.uid) {
      current.scheduler?.stop();
      void current.journal.then((j) => j.close());
      current = undefined;
    }
  });
}

export function journalFor(uid: string): Promise<Journal> {
  if (current?.uid === uid) return current.journal;
  watchSignOut();
  current?.scheduler?.stop();
  const slot: NonNullable<typeof current> = { uid, journal: Promise.resolve() as unknown as Promise<Journal> };
  slot.journal = (async () => {
    const store = await openStore(uid);
    const journal = await Journal.open(store, transport, {
      onLocal: () => {
        slot.scheduler?.kick();
        if (!navigator.onLine) registerBackgroundSync();
      },
    });
    slot.scheduler = new Scheduler(() => journal.sync());
    slot.scheduler.start();
    return journal;
  })();
  current = slot;
  return slot.journal;
}

/** syncNow asks for a sync at once (a "Sync now" button). */
export function syncNow() {
  void current?.scheduler?.now();
}

/** useJournal is the signed-in person's journal, once it is open. */
export function useJournal(): { journal?: Journal; error?: unknown } {
  const user = useUser();
  const [state, setState] = useState<{ uid?: string; journal?: Journal; error?: unknown }>({});
  useEffect(() => {
    if (!user) return;
    let live = true;
    journalFor(user.uid).then(
      (journal) => live && setState({ uid: user.uid, journal }),
      (error: unknown) => live && setState({ uid: user.uid, error }),
    );
    return () => {
      live = false;
    };
  }, [user]);
  if (!user || state.uid !== user.uid) return {};
  return state;
}

const never = () => () => undefined;

/** useVersion re-renders on every change of the journal. */
export function useVersion(journal: Journal | undefined): number {
  return useSyncExternalStore(journal ? (fn) => journal.subscribe(fn) : never, () => journal?.version ?? -1);
}

/** useOnline follows the browser's online state. */
export function useOnline(): boolean {
  return useSyncExternalStore(
    (fn) => {
      window.addEventListener("online", fn);
      window.addEventListener("offline", fn);
      return () => {
        window.removeEventListener("online", fn);
        window.removeEventListener("offline", fn);
      };
    },
    () => navigator.onLine,
  );
}
