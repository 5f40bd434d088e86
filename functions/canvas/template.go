package canvas

import (
	"context"
	"fmt"

	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
)

// template reads canvas template id as org sees it (its own item first,
// the official one otherwise), usable at tier.
func (a *api) template(ctx context.Context, org, id, tier string) (*library.Item, error) {
	items, err := library.LookupItems(ctx, a.d.Firestore, org, []string{id})
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	it := items[id]
	if it == nil || it.Type != library.TypeCanvasTemplate || it.Status != library.StatusPublished {
		return nil, httpapi.Unprocessable(httpapi.Field("template_id", "no published canvas template %q", id))
	}
	if !it.Usable(entitlements.Claim(tier), a.d.Now()) {
		return nil, httpapi.Forbidden("your plan does not include this canvas template")
	}
	return it, nil
}

// Template layout: a frame with the template's title, one sticky note per
// prompt inside it, in rows of templateColumns.
const (
	templateColumns = 3
	noteW, noteH    = 240.0, 180.0
	noteGap         = 40.0
	framePadTop     = 96.0
)

// notePalette colours the notes in turn.
var notePalette = []string{"#fff3a3", "#c8f0d0", "#cde4ff", "#ffd6e0", "#ffe0b8", "#e4d8ff"}

// layout is the elements of a canvas made from a template's text, owned
// by uid, every property stamped now.
func (a *api) layout(text library.Text, uid string) ([]*model.Element, error) {
	cols := min(templateColumns, max(1, len(text.Prompts)))
	rows := (len(text.Prompts) + cols - 1) / cols
	frameW := noteGap + float64(cols)*(noteW+noteGap)
	frameH := framePadTop + float64(rows)*(noteH+noteGap)
	if rows == 0 {
		frameH = framePadTop + noteH
	}
	z := ""
	next := func() (string, error) {
		var err error
		z, err = model.Between(z, "")
		return z, err
	}
	frameID := a.d.NewID()
	els := make([]*model.Element, 0, 1+len(text.Prompts))
	add := func(id, kind string, props map[string]any) error {
		zi, err := next()
		if err != nil {
			return fmt.Errorf("z index: %w", err)
		}
		props[model.PropZ] = zi
		if fe := model.ValidateProps(kind, props, true); len(fe) > 0 {
			return fmt.Errorf("template %s: %s %s", kind, fe[0].Field, fe[0].Detail)
		}
		s := a.d.Clock.Next()
		e := &model.Element{ID: id, Kind: kind, Owner: uid, Props: props, Stamps: map[string]model.Stamp{}}
		for k := range props {
			e.Stamps[k] = s
		}
		e.Props[model.PropDeleted], e.Stamps[model.PropDeleted] = false, s
		els = append(els, e)
		return nil
	}
	if err := add(frameID, model.KindFrame, map[string]any{
		model.PropX: 0.0, model.PropY: 0.0, model.PropW: frameW, model.PropH: frameH,
		"title": truncate(text.Title, model.MaxTextRunes), "fill": "#f7f5f0",
	}); err != nil {
		return nil, err
	}
	for i, prompt := range text.Prompts {
		col, row := i%cols, i/cols
		if err := add(a.d.NewID(), model.KindNote, map[string]any{
			model.PropX: noteGap + float64(col)*(noteW+noteGap), model.PropY: framePadTop + float64(row)*(noteH+noteGap),
			model.PropW: noteW, model.PropH: noteH, model.PropParent: frameID,
			"text": truncate(prompt, model.MaxTextRunes), "color": notePalette[i%len(notePalette)],
		}); err != nil {
			return nil, err
		}
	}
	return els, nil
}
