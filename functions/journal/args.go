package journal

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/validate"
)

// Mutation names.
const (
	MutCreate  = "createEntry"
	MutUpdate  = "updateEntry"
	MutDelete  = "deleteEntry"
	MutRestore = "restoreEntry"
	MutResolve = "resolveConflict"
)

// CreateArgs are createEntry's args.
type CreateArgs struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	Mode       string    `json:"mode"`
	SessionID  string    `json:"session_id"`
	Visibility string    `json:"visibility"`
	Tags       []string  `json:"tags"`
	CardRefs   []CardRef `json:"card_refs"`
	Mood       int       `json:"mood"`
	PromptID   string    `json:"prompt_id"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks the args; an absent mode or visibility takes the
// private default.
func (a *CreateArgs) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if !validEntryID(a.ID) {
		fs = append(fs, httpapi.Field("id", "must be a UUID v4"))
	}
	checkTitle(&fs, "title", a.Title)
	checkBody(&fs, "body", a.Body)
	if a.Mode != "" {
		httpapi.OneOf(&fs, "mode", a.Mode, ModeStandalone, ModeInSession)
	}
	if a.Visibility != "" {
		httpapi.OneOf(&fs, "visibility", a.Visibility, VisibilityPrivate, VisibilityFacilitator)
	}
	checkSession(&fs, a.SessionID)
	checkTags(&fs, a.Tags)
	checkCards(&fs, a.CardRefs)
	checkMood(&fs, a.Mood)
	checkPrompt(&fs, a.PromptID)
	return fs
}

// UpdateArgs are updateEntry's args: nil fields are left as they are.
type UpdateArgs struct {
	ID         string     `json:"id"`
	BaseRev    int        `json:"base_rev"`
	BaseBody   *string    `json:"base_body"`
	Title      *string    `json:"title"`
	Body       *string    `json:"body"`
	Tags       *[]string  `json:"tags"`
	CardRefs   *[]CardRef `json:"card_refs"`
	Mood       *int       `json:"mood"`
	Visibility *string    `json:"visibility"`
	Mode       *string    `json:"mode"`
	SessionID  *string    `json:"session_id"`
	PromptID   *string    `json:"prompt_id"`
}

// Validate checks the args.
func (a *UpdateArgs) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if !validEntryID(a.ID) {
		fs = append(fs, httpapi.Field("id", "must be a UUID v4"))
	}
	if a.BaseRev < 0 {
		fs = append(fs, httpapi.Field("base_rev", "must not be negative"))
	}
	if a.BaseBody != nil {
		checkBody(&fs, "base_body", *a.BaseBody)
	}
	if a.Title != nil {
		checkTitle(&fs, "title", *a.Title)
	}
	if a.Body != nil {
		checkBody(&fs, "body", *a.Body)
	}
	if a.Tags != nil {
		checkTags(&fs, *a.Tags)
	}
	if a.CardRefs != nil {
		checkCards(&fs, *a.CardRefs)
	}
	if a.Mood != nil {
		checkMood(&fs, *a.Mood)
	}
	if a.Visibility != nil {
		httpapi.OneOf(&fs, "visibility", *a.Visibility, VisibilityPrivate, VisibilityFacilitator)
	}
	if a.Mode != nil {
		httpapi.OneOf(&fs, "mode", *a.Mode, ModeStandalone, ModeInSession)
	}
	if a.SessionID != nil {
		checkSession(&fs, *a.SessionID)
	}
	if a.PromptID != nil {
		checkPrompt(&fs, *a.PromptID)
	}
	return fs
}

// DeleteArgs are deleteEntry's args.
type DeleteArgs struct {
	ID      string `json:"id"`
	BaseRev int    `json:"base_rev"`
}

// Validate checks the args.
func (a *DeleteArgs) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if !validEntryID(a.ID) {
		fs = append(fs, httpapi.Field("id", "must be a UUID v4"))
	}
	if a.BaseRev < 0 {
		fs = append(fs, httpapi.Field("base_rev", "must not be negative"))
	}
	return fs
}

// RestoreArgs are restoreEntry's args.
type RestoreArgs struct {
	ID string `json:"id"`
}

// Validate checks the args.
func (a *RestoreArgs) Validate() []httpapi.FieldError {
	if !validEntryID(a.ID) {
		return []httpapi.FieldError{httpapi.Field("id", "must be a UUID v4")}
	}
	return nil
}

// ResolveArgs are resolveConflict's args.
type ResolveArgs struct {
	ID       string   `json:"id"`
	BaseRev  int      `json:"base_rev"`
	Body     string   `json:"body"`
	Title    *string  `json:"title"`
	Resolved []string `json:"resolved"`
}

// Validate checks the args.
func (a *ResolveArgs) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if !validEntryID(a.ID) {
		fs = append(fs, httpapi.Field("id", "must be a UUID v4"))
	}
	if a.BaseRev < 0 {
		fs = append(fs, httpapi.Field("base_rev", "must not be negative"))
	}
	checkBody(&fs, "body", a.Body)
	if a.Title != nil {
		checkTitle(&fs, "title", *a.Title)
	}
	if len(a.Resolved) > 1000 {
		fs = append(fs, httpapi.Field("resolved", "at most 1000 ids"))
	}
	for i, id := range a.Resolved {
		if len(id) > 100 {
			fs = append(fs, httpapi.Field("resolved["+itoa(i)+"]", "too long"))
		}
	}
	return fs
}

// decodeArgs decodes a mutation's args strictly into the type of its name.
// The error is a *validate.Error (what the no-op reports).
func decodeArgs(m Mutation) (any, error) {
	var dst validate.Validator
	switch m.Name {
	case MutCreate:
		dst = &CreateArgs{}
	case MutUpdate:
		dst = &UpdateArgs{}
	case MutDelete:
		dst = &DeleteArgs{}
	case MutRestore:
		dst = &RestoreArgs{}
	case MutResolve:
		dst = &ResolveArgs{}
	default:
		return nil, validate.Invalid(validate.Field("name", "unknown mutation %q", m.Name))
	}
	if len(m.Args) == 0 {
		return nil, validate.Invalid(validate.Field("args", "missing"))
	}
	if err := validate.DecodeJSON(m.Args, dst); err != nil {
		return nil, err
	}
	return dst, nil
}

func checkTitle(fs *[]httpapi.FieldError, name, s string) {
	httpapi.Text(fs, name, s, httpapi.SingleLine)
	if n := len([]rune(s)); n > MaxTitle {
		*fs = append(*fs, httpapi.Field(name, "at most %d characters", MaxTitle))
	}
}

func checkBody(fs *[]httpapi.FieldError, name, s string) {
	httpapi.Text(fs, name, s, httpapi.MultiLine)
	if len(s) > 4*MaxBody || len([]rune(s)) > MaxBody {
		*fs = append(*fs, httpapi.Field(name, "at most %d characters", MaxBody))
	}
}

func checkSession(fs *[]httpapi.FieldError, id string) {
	if id != "" && !authz.ValidDocID(id) {
		*fs = append(*fs, httpapi.Field("session_id", "not a session id"))
	}
}

func checkTags(fs *[]httpapi.FieldError, tags []string) {
	if len(tags) > MaxTags {
		*fs = append(*fs, httpapi.Field("tags", "at most %d tags", MaxTags))
		return
	}
	httpapi.Texts(fs, "tags", tags, httpapi.SingleLine)
	for i, t := range tags {
		if strings.TrimSpace(t) == "" || len([]rune(t)) > MaxTag {
			*fs = append(*fs, httpapi.Field("tags["+itoa(i)+"]", "1..%d characters", MaxTag))
		}
	}
}

func checkCards(fs *[]httpapi.FieldError, cards []CardRef) {
	if len(cards) > MaxCardRefs {
		*fs = append(*fs, httpapi.Field("card_refs", "at most %d cards", MaxCardRefs))
		return
	}
	for i, c := range cards {
		p := "card_refs[" + itoa(i) + "]"
		checkTitle(fs, p+".title", c.Title)
		for k, id := range map[string]string{"item_id": c.ItemID, "draw_id": c.DrawID, "pick_id": c.PickID} {
			if id != "" && !authz.ValidDocID(id) {
				*fs = append(*fs, httpapi.Field(p+"."+k, "not an id"))
			}
		}
	}
}

func checkMood(fs *[]httpapi.FieldError, m int) {
	if m < 0 || m > 5 {
		*fs = append(*fs, httpapi.Field("mood", "must be 0 (none) or 1..5"))
	}
}

func checkPrompt(fs *[]httpapi.FieldError, id string) {
	if id != "" && (len(id) > 100 || !authz.ValidDocID(id)) {
		*fs = append(*fs, httpapi.Field("prompt_id", "not a prompt id"))
	}
}

// validEntryID: entry ids are client-made UUID v4s, in canonical form, so
// one entry never has two document ids.
func validEntryID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.Version() == 4 && u.String() == s
}

// validClientID: a client id is a canonical UUID.
func validClientID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

func itoa(i int) string { return strconv.Itoa(i) }
