package journal

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"gopkg.in/yaml.v3"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/pdfdoc"
	"pointsofyou.ai/studio/shared/textlayout"
	"pointsofyou.ai/studio/shared/txn"
)

func (a *api) export(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "zip"
	}
	var fs []httpapi.FieldError
	httpapi.OneOf(&fs, "format", format, "zip", "pdf")
	if len(fs) > 0 {
		return httpapi.Invalid(fs...)
	}
	ctx := r.Context()
	now := a.d.Now().UTC()
	attach := func(ctype string) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="journal-%s.%s"`, now.Format("2006-01-02"), format))
		w.Header().Set("Cache-Control", "no-store")
	}
	var n int
	if format == "zip" {
		// The archive is streamed entry by entry, so a large journal
		// never sits in memory whole. A failure once it has started
		// aborts the response: a broken download, never a short archive
		// that looks complete.
		it := a.entries(p.UID).OrderBy("created_at", firestore.Asc).Documents(ctx)
		defer it.Stop()
		z := newEntryZip(w, now)
		first, err := nextLive(it)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		attach("application/zip")
		w.WriteHeader(http.StatusOK)
		for e := first; e != nil; e, err = nextLive(it) {
			if err == nil {
				err = z.add(e)
			}
			if err != nil {
				slog.WarnContext(ctx, "journal export aborted", "error", err.Error())
				panic(http.ErrAbortHandler)
			}
		}
		if err != nil {
			slog.WarnContext(ctx, "journal export aborted", "error", err.Error())
			panic(http.ErrAbortHandler)
		}
		if err := z.close(); err != nil {
			panic(http.ErrAbortHandler)
		}
		n = z.n
	} else {
		list, err := a.liveEntries(ctx, p.UID)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		var buf bytes.Buffer
		if err := writePDF(&buf, list, now); err != nil {
			return httpapi.Internal(err)
		}
		attach("application/pdf")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf.Bytes())
		n = len(list)
	}
	// Counted once the file is sent; the count is analytics only, so a
	// failure to record it is logged, not shown.
	if err := txn.Run(ctx, a.d.Outbox, func(ctx context.Context, _ *firestore.Transaction, ob *outbox.Tx) error {
		return a.event(ob, p, events.JournalExported{Format: events.Enum(format), Entries: n})
	}); err != nil {
		slog.WarnContext(ctx, "journal export event not recorded", "error", err.Error())
	}
	return nil
}

// nextLive is the next entry of it that is not deleted (nil at the end).
func nextLive(it *firestore.DocumentIterator) (*Entry, error) {
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("export entries: %w", err)
		}
		e := &Entry{}
		if err := snap.DataTo(e); err != nil {
			return nil, fmt.Errorf("decode entry: %w", err)
		}
		if !e.Deleted {
			e.normalizeLists()
			return e, nil
		}
	}
}

// liveEntries are the person's entries that are not deleted, oldest first.
func (a *api) liveEntries(ctx context.Context, uid string) ([]Entry, error) {
	it := a.entries(uid).Where("deleted", "==", false).Documents(ctx)
	defer it.Stop()
	var out []Entry
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("export entries: %w", err)
		}
		var e Entry
		if err := snap.DataTo(&e); err != nil {
			return nil, fmt.Errorf("decode entry: %w", err)
		}
		e.normalizeLists()
		out = append(out, e)
	}
	sortEntries(out)
	return out, nil
}

func sortEntries(es []Entry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && (es[j].CreatedAt.Before(es[j-1].CreatedAt) ||
			(es[j].CreatedAt.Equal(es[j-1].CreatedAt) && es[j].ID < es[j-1].ID)); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// frontMatter is the YAML head of an exported Markdown file.
type frontMatter struct {
	Title      string   `yaml:"title"`
	Created    string   `yaml:"created"`
	Updated    string   `yaml:"updated"`
	Mode       string   `yaml:"mode"`
	Session    string   `yaml:"session,omitempty"`
	Tags       []string `yaml:"tags,omitempty"`
	Cards      []string `yaml:"cards,omitempty"`
	Mood       int      `yaml:"mood,omitempty"`
	ConflictOf string   `yaml:"conflict_of,omitempty"`
}

// entryZip writes one Markdown file per entry, and one per conflict
// version beside it.
type entryZip struct {
	z   *zip.Writer
	now time.Time
	n   int
}

func newEntryZip(w io.Writer, now time.Time) *entryZip {
	return &entryZip{z: zip.NewWriter(w), now: now}
}

func (x *entryZip) add(e *Entry) error {
	x.n++
	fm := frontMatter{Title: e.Title, Created: e.CreatedAt.UTC().Format(time.RFC3339), Updated: e.UpdatedAt.UTC().Format(time.RFC3339),
		Mode: e.Mode, Session: e.SessionID, Tags: e.Tags, Mood: e.Mood}
	for _, c := range e.CardRefs {
		fm.Cards = append(fm.Cards, c.Title)
	}
	base := fmt.Sprintf("%04d-%s-%s", x.n, e.CreatedAt.UTC().Format("2006-01-02"), slug(e.Title))
	if err := writeMarkdown(x.z, base+".md", fm, e.Body, x.now); err != nil {
		return err
	}
	for j, c := range e.Conflicts {
		cfm := fm
		cfm.Title, cfm.ConflictOf, cfm.Updated = c.Title, base+".md", c.CreatedAt.UTC().Format(time.RFC3339)
		if err := writeMarkdown(x.z, fmt.Sprintf("%s.conflict-%d.md", base, j+1), cfm, c.Body, x.now); err != nil {
			return err
		}
	}
	return nil
}

func (x *entryZip) close() error { return x.z.Close() }

func writeMarkdown(z *zip.Writer, name string, fm frontMatter, body string, now time.Time) error {
	f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
	if err != nil {
		return err
	}
	head, err := yaml.Marshal(fm)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "---\n%s---\n\n%s\n", head, body)
	return err
}

// slug is a file-name-safe short form of a title.
func slug(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r >= 0x05D0 && r <= 0x05EA:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '_':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
		if b.Len() >= 40 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "entry"
	}
	return s
}

// writePDF prints every entry (title, dates, tags, body) on A4 with the
// platform's fonts; Hebrew paragraphs are laid out right to left.
func writePDF(w io.Writer, list []Entry, now time.Time) error {
	pdf := pdfdoc.New(pdfdoc.Options{Margin: 18, At: now, Title: "Journal"})
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	lm, _, rm, _ := pdf.GetMargins()
	colW := width - lm - rm
	para := func(style string, size, lineH float64, text string) {
		pdf.SetFont(pdfdoc.Font, style, size)
		for _, p := range strings.Split(pdfdoc.Coverage().Clean(text), "\n") {
			rtl := textlayout.FirstStrongRTL(p)
			align := "L"
			if rtl {
				align = "R"
			}
			if strings.TrimSpace(p) == "" {
				pdf.Ln(lineH)
				continue
			}
			for _, line := range pdf.SplitText(p, colW) {
				pdf.CellFormat(colW, lineH, textlayout.VisualOrder(line, rtl), "", 1, align, false, 0, "")
			}
		}
	}
	if len(list) == 0 {
		para("", 11, 6, "No entries.")
	}
	for i, e := range list {
		if i > 0 {
			pdf.Ln(6)
		}
		title := e.Title
		if strings.TrimSpace(title) == "" {
			title = e.CreatedAt.UTC().Format("2 January 2006")
		}
		para("B", 14, 7, title)
		meta := e.CreatedAt.UTC().Format("2006-01-02 15:04")
		if len(e.Tags) > 0 {
			meta += " · " + strings.Join(e.Tags, ", ")
		}
		pdf.SetTextColor(110, 110, 110)
		para("", 9, 5, meta)
		pdf.SetTextColor(0, 0, 0)
		para("", 11, 5.5, e.Body)
	}
	return pdf.Output(w)
}
