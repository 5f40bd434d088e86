package library

import "strings"

// Methodology is the line that follows the title of an official item in
// an attribution (REQUIREMENTS §7).
const Methodology = "Points of You® methodology"

// AttributionLine is the credit shown with the item wherever its content
// is used (the coach's sources, the copilot's cards), with the title in
// locale (English fallback):
//
//   - an open licence needs none: "" in whichever library the item is;
//   - official items: '<title>' - Points of You® methodology;
//   - organisation items: '<title>' by <creator> (Attribution, else the
//     organisation), or "" when their licence does not ask for one.
//
// The organisation stands in for a missing creator by its id here;
// AttributionLineFor takes its name.
func (it *Item) AttributionLine(locale string) string {
	return it.AttributionLineFor(locale, it.Org)
}

// AttributionLineFor is AttributionLine with orgName as the creator of an
// organisation item whose Attribution is empty.
func (it *Item) AttributionLineFor(locale, orgName string) string {
	if it.License.Type == "open" {
		return ""
	}
	t, _ := it.Localized(locale)
	title := strings.TrimSpace(t.Title)
	if it.Official() {
		return "'" + title + "' - " + Methodology
	}
	if !it.License.AttributionRequired {
		return ""
	}
	creator := strings.TrimSpace(it.Attribution)
	if creator == "" {
		creator = strings.TrimSpace(orgName)
	}
	if creator == "" {
		return "'" + title + "'"
	}
	return "'" + title + "' by " + creator
}
