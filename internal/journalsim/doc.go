// Package journalsim is a model of a journal client device (the web app's
// offline sync, DESIGN §5) for the journal's convergence tests: a seeded,
// deterministic person typing on several devices against the real
// functions/journal handler through a faulty network.
//
// A Device keeps what it last pulled (the server's entries), a queue of
// mutations with strictly rising ids, and a local view: the pulled entry
// with the queued mutations applied on top, as the app shows it. It
// pushes and pulls as the sync contract says: a retried push is harmless,
// a 409 gap resends from the server's last_mutation_id+1, any other
// failure keeps the queue for the next try, and a pull replaces the pulled
// entries and drops the queued mutations the server has applied.
//
// Every word a person types is unique (w<seed>_<n>), and Words records
// each word typed and each word a person removed from a text they saw, so
// a test can tell a lost word from a deleted one.
//
// Network sits between devices and the handler: it drops requests, drops
// answers after the handler applied the request, duplicates requests and
// holds some back to deliver them later, after newer ones (reordering).
// Held requests are delivered, but their answers never reach the device,
// which gave up on them.
//
// Differences from the web app: one request at a time per device, no
// timers (the test decides when each device acts), and no IndexedDB.
package journalsim
