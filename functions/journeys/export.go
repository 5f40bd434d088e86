package journeys

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/txn"
)

// export answers a journey (the draft, or ?version=N) as the JSON export
// document or a printable PDF agenda, as a download.
func (a *api) export(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := journeyID(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "pdf" {
		return httpapi.Invalid(httpapi.Field("format", "must be json or pdf"))
	}
	n, err := intParam(r, "version", 0, 1, 1_000_000)
	if err != nil {
		return err
	}
	var j journey.Journey
	meta := agendaMeta{}
	name := "journey-" + id
	if n > 0 {
		v, err := a.readVersion(r.Context(), p.Org, id, n)
		if err != nil {
			return err
		}
		j, meta.version, meta.when = v.Journey, n, v.PublishedAt
		name += fmt.Sprintf("-v%d", n)
	} else {
		d, err := a.readDraft(r.Context(), p.Org, id, nil)
		if err != nil {
			return txn.Problem(err)
		}
		j, meta.revision, meta.when = d.Journey, d.Revision, d.UpdatedAt
	}
	var body bytes.Buffer
	switch format {
	case "json":
		b, err := journey.EncodeDocument(j)
		if err != nil {
			return httpapi.Internal(err)
		}
		body.Write(b)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	case "pdf":
		if _, err := renderAgenda(&body, &j, meta, true); err != nil {
			return httpapi.Internal(err)
		}
		w.Header().Set("Content-Type", "application/pdf")
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + "." + format}))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
	return nil
}

// importJourney creates a draft from an export document.
func (a *api) importJourney(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return httpapi.UnsupportedMediaType("the body must be a JSON export document (application/json), not %q", ct)
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, journey.MaxDocumentBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return httpapi.TooLarge("the document is larger than %d bytes", journey.MaxDocumentBytes)
		}
		return httpapi.BadRequest("the body could not be read")
	}
	j, err := journey.DecodeDocument(data)
	if err != nil {
		return err
	}
	d, err := a.create(r.Context(), p, *j, journey.SourceImport)
	if err != nil {
		return err
	}
	writeDraft(w, http.StatusCreated, d)
	return nil
}
