// Package journey is the journey builder's domain model, shared by
// functions/journeys (authoring, publishing, export) and functions/sessions
// (which runs published versions): a journey is four phases in the fixed
// order Pause → Expand → Focus → Doing, each a timed list of elements
// (library items or inline building blocks).
//
// Storage layout (Firestore):
//
//	orgs/{org}/journeys/{journeyId}                 the draft (Draft): journey, revision
//	                                                (+1 per save), latest_version (0 = never
//	                                                published), status, created_at/by,
//	                                                updated_at/by, source
//	orgs/{org}/journeys/{journeyId}/versions/{n}    published version n = "1", "2", … (Version):
//	                                                journey, version, published_at,
//	                                                published_by, source_revision; created once
//	                                                in a transaction with an exists=false
//	                                                precondition and never updated
//	orgs/{org}/journey_templates/{templateId}       org templates (Template): journey, name,
//	                                                created_at/by, source_journey_id
//
// Readers of a published version decode the document's field "journey"
// into Journey.
//
// Validation has two modes. ModeDraft (autosave, import, templates) checks
// structure and types: the four phases in order, known enums, bounds, text
// limits, unique element ids. ModePublish adds completeness and timing: a
// name, timeframe and session length, every phase either skipped or holding
// elements, positive durations, elements fitting in their phase, and the
// phases fitting in the session.
//
// Decisions where the specs leave a gap:
//   - Element types are the building blocks welcome, objectives,
//     sensitivity, pause, points_of_view, focus_action, closure (inline) and
//     the library types word, prompt, exercise, deck, card, template,
//     visual, canvas. A content element's type is derived from its item
//     (ElementTypeForItem): photo_card → card, word_card → word,
//     question_card and prompt → prompt, exercise and journey_element →
//     exercise, deck → deck, session_protocol → template, canvas_template →
//     canvas.
//   - A skipped phase contributes no time; its elements are kept (so a
//     phase can be toggled back) but not counted.
//   - Canvas completion criteria name card kinds photo, word, question,
//     reflection and blank (the kinds of the canvas and session events).
//   - A journey's locale is one of the content locales; Hebrew text is
//     stored as typed (right-to-left layout is the client's concern).
package journey
