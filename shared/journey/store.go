package journey

import (
	"strconv"
	"time"
)

// Collection names (see the package doc for the layout).
const (
	JourneysCollection  = "journeys"
	VersionsCollection  = "versions"
	TemplatesCollection = "journey_templates"
)

// Draft statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published" // has at least one version
	StatusArchived  = "archived"
)

// Statuses lists every draft status.
var Statuses = []string{StatusDraft, StatusPublished, StatusArchived}

// Sources of a new draft (the journey.created event's source).
const (
	SourceBlank     = "blank"
	SourceTemplate  = "template"
	SourceDuplicate = "duplicate"
	SourceImport    = "import"
)

// Draft is the editable journey document at orgs/{org}/journeys/{id}.
type Draft struct {
	ID            string    `json:"id" firestore:"-"`
	Journey       Journey   `json:"journey" firestore:"journey"`
	Revision      int       `json:"revision" firestore:"revision"`
	LatestVersion int       `json:"latest_version" firestore:"latest_version"`
	Status        string    `json:"status" firestore:"status"`
	Source        string    `json:"source,omitempty" firestore:"source"`
	CreatedAt     time.Time `json:"created_at" firestore:"created_at"`
	CreatedBy     string    `json:"created_by" firestore:"created_by"`
	UpdatedAt     time.Time `json:"updated_at" firestore:"updated_at"`
	UpdatedBy     string    `json:"updated_by" firestore:"updated_by"`
}

// Template is an org template at orgs/{org}/journey_templates/{id}.
type Template struct {
	ID              string    `json:"id" firestore:"-"`
	Name            string    `json:"name" firestore:"name"`
	Journey         Journey   `json:"journey" firestore:"journey"`
	SourceJourneyID string    `json:"source_journey_id,omitempty" firestore:"source_journey_id"`
	CreatedAt       time.Time `json:"created_at" firestore:"created_at"`
	CreatedBy       string    `json:"created_by" firestore:"created_by"`
}

// JourneysPath is the collection of org's drafts.
func JourneysPath(org string) string { return "orgs/" + org + "/" + JourneysCollection }

// VersionsPath is the collection of a journey's published versions.
func VersionsPath(org, journeyID string) string {
	return JourneysPath(org) + "/" + journeyID + "/" + VersionsCollection
}

// VersionDocPath is the document of version n of a journey.
func VersionDocPath(org, journeyID string, n int) string {
	return VersionsPath(org, journeyID) + "/" + VersionDocID(n)
}

// VersionDocID is the document id of version n ("1", "2", …).
func VersionDocID(n int) string { return strconv.Itoa(n) }

// TemplatesPath is the collection of org's templates.
func TemplatesPath(org string) string { return "orgs/" + org + "/" + TemplatesCollection }
