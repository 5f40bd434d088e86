package library

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// EmbedText is the text an item is embedded from in locale (with the
// English fallback): title, body, prompts and themes. Tags are left out
// on purpose: they are filtering metadata, and a tag change must not cost
// an embedding.
func (it *Item) EmbedText(locale string) string {
	t, _ := it.Localized(locale)
	parts := []string{t.Title}
	if t.Body != "" {
		parts = append(parts, t.Body)
	}
	parts = append(parts, t.Prompts...)
	if len(it.Themes) > 0 {
		parts = append(parts, strings.Join(it.Themes, ", "))
	}
	return strings.Join(parts, "\n")
}

// TextHash identifies an embedded text, so the trigger re-embeds only when
// the text (or the embedding model) changed.
func TextHash(model, text string) string {
	h := sha256.New()
	h.Write([]byte(model))
	h.Write([]byte{0})
	h.Write([]byte(text))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// ChunkID names the embedding document of an item in a locale.
func ChunkID(itemID, locale string) string { return itemID + "_" + locale }

// Collection paths.
const (
	OfficialCollection = "content"
	ChunkCollection    = "content_chunks"
)

// ItemsPath is the collection of org's items ("" for the official library).
func ItemsPath(org string) string {
	if org == "" {
		return OfficialCollection
	}
	return "orgs/" + org + "/" + OfficialCollection
}

// ChunksPath is the collection of org's embedding documents.
func ChunksPath(org string) string {
	if org == "" {
		return ChunkCollection
	}
	return "orgs/" + org + "/" + ChunkCollection
}
