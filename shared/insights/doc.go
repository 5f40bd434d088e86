// Package insights is the metrics engine behind the facilitator's live
// insights panel and the session retrospective: a pure fold of the canvas
// op log into per-participant, per-phase activity figures, session-wide
// figures and recommendations. It does no I/O; functions/insights stores
// its State and its Live view in Firestore.
//
// # What is read, and what never is
//
// Only the op log (orgs/{org}/canvases/{canvas}/ops): per patch the
// element id, its kind and owner (set when the patch creates the element),
// who made it ("from") and the entry's time ("t"). Of the properties only
// the keys and the values of card_id, deleted, from and to (connector
// ends) are read. Text, labels, titles, images, strokes and every other
// value are never read, and nothing biometric (faces, voices, typing
// rhythm) ever reaches the engine. The figures describe activity on the
// canvas, not a person: DESIGN §8 rules out emotion recognition and asks
// that engagement is framed as activity, not evaluation, shown to the
// session's facilitator only. That is why there is no "engagement score":
// the scores of the original specification mixed undefined inputs into a
// judgement of people; every figure here is a count or a rate with a
// definition one can check by hand.
//
// # Consent
//
// Figures exist only for participants with canvas_insights consent
// ("shared"). Patches by anyone else change no figure: their ops, times,
// cards and connectors are not kept. The engine keeps one thing about
// every element, whoever made it: its kind and whether someone else owns
// it (an element directory like the elements collection itself, which
// SeedOwners reads), so that a consenting participant's work on another's
// element counts as an interaction; the owner of an element made by a
// non-consenting person is recorded as Someone, not by uid. A participant
// without consent appears in the view as {uid, shared:false} only.
// Forget(uid) removes every figure of a participant who withdraws: their
// accumulators, their share of breakthroughs and of the breakthrough
// window, and their uid in the element directory (replaced by Someone).
// Session figures are computed at Snapshot time over the participants
// shared then, so themes, people counts, flags, UIDs and the subjects of
// recommendations follow at once.
//
// # Phases and time
//
// The phase of an op is the phase the session was in at the entry's "t",
// from the timeline given to SetPhases; ops before the first phase change
// count to the first phase. A session may return to a phase: each stay
// (a stint) is accumulated on its own and a phase's figures are the sum
// of its stints. A phase "has run" for the sum of its stints, the running
// one until now. With no timeline the whole session is one stint of the
// first phase, since the first entry. Ops are attributed when they are
// applied: a phase change that reaches SetPhases after ops of the new
// phase were applied leaves those ops in the old phase.
//
// # Per participant and phase (Metrics)
//
//   - ops: patches the participant made in the phase (create, update,
//     move, delete, restore… — one patch, one op; a patch of an entry
//     applied twice counts once). ≥ 0.
//   - ops_per_min: ops / minutes the phase has run, with at least 1
//     minute in the divisor (the first seconds of a phase do not produce
//     huge rates), clamped to 0…120, rounded to 0.01.
//   - active_seconds: 10-second slots (ActiveBucket, aligned to the Unix
//     epoch) with at least one op, × 10. active_pct: active_seconds /
//     seconds the phase has run × 100, clamped to 0…100 (ops made before
//     the first phase change can make the raw ratio exceed 100), rounded
//     to 0.1.
//   - elements_by_kind: elements the participant created, by kind (card,
//     note, shape, image, connector, frame, text, stroke; any other kind
//     counts as "other"). A create is a patch with an owner for an element
//     the engine does not know yet; deleting it later does not uncount it
//     (the figures count activity, not what remains on the canvas).
//   - cards_placed: card elements created. card_themes: the themes of
//     their library cards (looked up by card_id at creation), each theme
//     once per card.
//   - connections: connector elements created.
//   - interactions: patches on elements another person owns (known from
//     a create or from SeedOwners; unknown owners count nothing), plus
//     connectors the participant created with an end on an element
//     another person owns (one per connector, at its creation).
//   - idle_periods: gaps of at least IdleGap (2 min) without an op of
//     the participant within a stint: the gap from the stint's start to
//     the first op counts, the gap between consecutive ops counts, and the
//     trailing gap from the last op (or the start) to the stint's end —
//     or to now for the running stint, "the open gap" — counts once it
//     reaches IdleGap. A stint without any op is one idle period when it
//     lasted at least IdleGap.
//   - idle_now_seconds: seconds since the participant's last op in the
//     running stint (since its start if none); 0 in other phases.
//   - last_op_at: time of the participant's last op in the phase.
//
// Totals add the counts of every phase; their ops_per_min and active_pct
// divide by the time the whole session has run; idle_now_seconds is the
// current phase's.
//
// # Session (shared participants only, current phase unless said)
//
//   - gini: the Gini coefficient of the participants' ops in the current
//     phase, in its mean absolute difference form
//     Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² μ): 0 when everyone did as much (or nobody
//     did anything, or there are fewer than two), towards 1 when one
//     person did everything ((n−1)/n for one of n). Rounded to 0.001.
//     balance = 100 · (1 − gini), clamped to 0…100, rounded to 0.1.
//   - quiet: a participant whose ops are below QuietShare (25 %) of the
//     median of the other shared participants' ops, when that median is at
//     least QuietMinMedian (5 ops) — in a slow phase nobody is quiet.
//   - dominant: ops at least DominantFactor (3) × that median and at
//     least DominantMinOps (10).
//   - themes: card themes placed by at least 2 shared participants over
//     the whole session, with how many people and cards; ordered by
//     people, then cards, then theme.
//   - stuck: the running stint has had no new element (a create by a
//     shared participant) for StuckAfter (5 min) and has itself run that
//     long; Since is the last create (or the stint's start).
//   - breakthroughs: at least BurstConnections (8) connectors created by
//     shared participants within BurstWindow (2 min). A burst is reported
//     once: it opens when the window reaches 8, grows while it stays at or
//     above 8 and closes at the first connector that finds fewer; At is
//     the time it reached 8, Phase the phase then.
//   - phase_seconds: how long each phase has run; shared_count and
//     not_shared_count: the joined participants with and without consent.
//
// Flags: "quiet" and "dominant" as above (current phase), "idle" when
// idle_now_seconds ≥ IdleGap. Definitions (1) is the version of these
// definitions; a change of meaning raises it.
//
// # Recommendations
//
// Recommend turns a snapshot into suggestions for the facilitator, each
// with a priority and a timing: stuck phase (high, now: offer a fresh
// question), quiet participant (medium, now: invite them by name in the
// next round), low balance below 50 with at least 2 shared participants
// (medium, next transition), dominant participant (low, next transition:
// let someone else open the round), breakthrough in the current phase
// (low, end of phase: harvest it), the top recurring theme (low, end of
// phase). The ID is a hash of kind, phase, sorted subjects (and theme),
// so it stays the same while the situation lasts and an accepted or
// dismissed recommendation keeps its status (carried from prev). Texts
// are warm, concrete and about activity; a participant appears only as
// the placeholder {subject}, which the web app replaces with the display
// name, so no name is ever stored. Fallback texts exist in en, es, fr, de
// and he. PromptFacts gives a model numbers, phase names, theme words and
// anonymous labels (P1, P2…) only; ApplyModelTexts maps a label back to
// {subject} and refuses a text naming anyone else.
//
// # Exactly once, late entries, and what is approximate
//
// Apply skips an entry whose id it has applied. Ids are remembered for
// LateTolerance (10 s) behind the newest entry applied; an entry older
// than that cannot be told from a redelivery and is dropped (counted in
// State.Late). Within the tolerance, entries may arrive in any order and
// ops, active slots, creations, interactions, themes and connectors are
// counted exactly (an op on an element whose creation has not arrived yet
// waits on the element and counts as an interaction when it does).
// Approximate then: an op that arrives behind the
// participant's newest op never splits or closes an idle gap (the gap is
// at least 12× the tolerance, so at most one period is affected), and the
// breakthrough window slides on arrival order. Entries with a "t" in the
// future of the gateway's clock move the window forward with them.
//
// # Size of the state
//
// State holds the element directory (kind and owner per element, and
// the few ops waiting for an element's creation), the ids of the entries
// within the tolerance, per participant and stint the
// counters above (with the active slots inside the tolerance), the
// connector times inside BurstWindow and the breakthroughs. It never
// keeps an op history: its size follows elements, participants and phase
// changes, not the number of ops.
package insights
