package media

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/shared/authz"
)

// Object layout: orgs/{org}/media/{id}/original holds the upload and
// orgs/{org}/media/{id}/w{width}.{jpg|png} its renditions.
const originalLeaf = "original"

// Metadata keys on the original and its renditions.
const (
	metaStatus = "status" // ready | rejected; absent while pending
	metaReason = "reason"
	// metaOutcomeGeneration is the generation the status was recorded for;
	// a status without it (or for another generation) is not an outcome.
	metaOutcomeGeneration = "outcome-generation"
	metaEventID           = "event-id"
	metaSourceGeneration  = "source-generation"
	metaDetectedType      = "detected-type"
	metaWidth             = "width"
	metaHeight            = "height"
	metaUploader          = "uploader"
)

// Media states as shown by GET /v1/media/{mediaId}.
const (
	StatusPending  = "pending"
	StatusReady    = "ready"
	StatusRejected = "rejected"
)

// renditionWidths are the longest-side bounds of the renditions.
var renditionWidths = []int{256, 1024}

var originalPattern = regexp.MustCompile(`^orgs/([A-Za-z0-9_-]{1,128})/media/([0-9a-f-]{36})/original$`)

func mediaPrefix(org, id string) string { return "orgs/" + org + "/media/" + id + "/" }

func originalName(org, id string) string { return mediaPrefix(org, id) + originalLeaf }

func renditionName(org, id string, width int, ext string) string {
	return mediaPrefix(org, id) + "w" + strconv.Itoa(width) + "." + ext
}

// parseOriginal returns the org and media id of an original's object name;
// ok is false for every other name (renditions above all, to avoid loops).
func parseOriginal(name string) (org, id string, ok bool) {
	m := originalPattern.FindStringSubmatch(name)
	if m == nil || !authz.ValidOrgID(m[1]) || !validID(m[2]) {
		return "", "", false
	}
	return m[1], m[2], true
}

// validID accepts the canonical lower-case uuid form that uploads issue.
func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}

// renditionLeaf parses "w256.jpg" into its width; ok is false otherwise.
func renditionLeaf(leaf string) (width int, ok bool) {
	base, ext, found := strings.Cut(leaf, ".")
	if !found || (ext != "jpg" && ext != "png") || !strings.HasPrefix(base, "w") {
		return 0, false
	}
	w, err := strconv.Atoi(base[1:])
	return w, err == nil && w > 0
}
