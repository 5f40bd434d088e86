package insights

import (
	"bytes"
	"context"
	"net/http"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// retro is the retrospective in lang: the stored one after the end (its
// summary in lang made and kept on first demand), else computed from the
// live view with the fallback summary.
func (a *api) retro(ctx context.Context, s *session, lang string) (Retrospective, error) {
	refs := sessionRefs(a.d.Firestore, s.Org, s.ID)
	// The state is read at most once, and only when needed; without one
	// (or unreadable) it is the defaults.
	var state *stateDoc
	readState := func() stateDoc {
		if state == nil {
			snap, err := refs.state.Get(ctx)
			if err != nil {
				snap = nil
			}
			st := decodeState(snap)
			state = &st
		}
		return *state
	}
	if lang == "" {
		lang = readState().Lang
	}
	doc, err := readRetro(ctx, refs.retro)
	if err != nil {
		return Retrospective{}, err
	}
	if doc != nil && s.Status == statusEnded {
		r := doc.Retro
		if sum, ok := doc.Summaries[lang]; ok {
			r.Summary = sum
			return r, nil
		}
		r.Summary = a.e.summarize(ctx, r, lang)
		_, _ = refs.retro.Update(ctx, []firestore.Update{{FieldPath: firestore.FieldPath{"summaries", lang}, Value: r.Summary}})
		return r, nil
	}
	l, err := readLive(ctx, refs.live)
	if err != nil {
		return Retrospective{}, err
	}
	if l == nil {
		if l, err = a.empty(ctx, s); err != nil {
			return Retrospective{}, err
		}
	}
	hw, err := readHomework(ctx, s.ref)
	if err != nil {
		return Retrospective{}, err
	}
	r := buildRetro(s, *l, hw, timeline(s, readState().Steps))
	r.Summary = fallbackOf(r, lang)
	return r, nil
}

func (a *api) retrospective(w http.ResponseWriter, r *http.Request, _ *auth.Principal, s *session) error {
	lang, err := langParam(r)
	if err != nil {
		return err
	}
	out, err := a.retro(r.Context(), s, lang)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *api) retrospectivePDF(w http.ResponseWriter, r *http.Request, _ *auth.Principal, s *session) error {
	lang, err := langParam(r)
	if err != nil {
		return err
	}
	out, err := a.retro(r.Context(), s, lang)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	var buf bytes.Buffer
	if err := writePDF(&buf, out, out.Summary.Lang, a.d.Now(), pdfCompress); err != nil {
		return httpapi.Internal(err)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="retrospective-`+s.ID+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}
