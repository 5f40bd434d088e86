// Package consentvault is the platform's consent vault: opt-in purposes, the
// hash-chained receipts that record every decision, the state derived from
// them, versioned per-locale policy texts, and a fast per-instance checker
// other functions (and the event publisher's gate) ask.
//
// Firestore layout:
//
//	users/{uid}/consent/state               State: current decision per purpose (and per org), chain head
//	users/{uid}/consent_receipts/{seq}      Receipt, seq zero-padded; created once, never updated
//	consent_policies/{purpose}              the current policy version of a purpose
//	consent_policies/{purpose}/versions/{v} Policy: texts per locale and their SHA-256
//
// Consent is opt-in: a purpose without a recorded grant is denied, and so is
// any user, purpose or error the checker cannot answer (deny on unknown).
// A decision may be scoped to one organisation; the most specific decision
// wins (org-scoped over global).
//
// Receipts form a chain: each one's hash is SHA-256 over a canonical
// encoding of its fields including the previous receipt's hash, so editing
// or removing any stored receipt breaks Verify. Receipts are written only
// inside the transaction that advances the chain head, and no API edits or
// deletes them (erasure of the whole person excepted).
package consentvault
