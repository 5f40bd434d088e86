package suite

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/library"
)

// Demo canvas: the demo facilitator's canvas from a template of the demo
// library, shared with the first demo participant as an editor, so the
// canvas opens with content at once.
const (
	DemoCanvasID       = "demo-harbor-canvas"
	demoCanvasTemplate = "tw-canvas-harbor-and-open-sea"
	demoCanvasCard     = "tw-photo-01"
)

// seedDemoCanvas writes the demo canvas as functions/canvas stores one
// made from a template (a frame with the title, a note per prompt) plus
// a photo card beside it. Without the template or the people it seeds
// nothing.
func (s *Suite) seedDemoCanvas(ctx context.Context, d *DemoData) error {
	if len(d.Orgs) == 0 {
		return nil
	}
	org, owner, guest := d.Orgs[0].ID, "", ""
	for _, u := range d.Users {
		switch {
		case u.Org == org && u.Role == "facilitator" && owner == "":
			owner = u.UID
		case u.Org == org && u.Role == "participant" && guest == "":
			guest = u.UID
		}
	}
	client, err := firestore.NewClient(ctx, s.opts.Project)
	if err != nil {
		return err
	}
	defer client.Close()
	items, err := library.LookupItems(ctx, client, org, []string{demoCanvasTemplate})
	if err != nil {
		return err
	}
	tpl := items[demoCanvasTemplate]
	if tpl == nil || owner == "" || guest == "" {
		return nil
	}
	text, _ := tpl.Localized(library.DefaultLocale)
	clock := canvas.NewClock(0, nil)
	z := ""
	var els []*canvas.Element
	add := func(id, kind string, props map[string]any) error {
		var err error
		if z, err = canvas.Between(z, ""); err != nil {
			return err
		}
		props[canvas.PropZ], props[canvas.PropDeleted] = z, false
		if fe := canvas.ValidateProps(kind, props, true); len(fe) > 0 {
			return fmt.Errorf("demo canvas %s: %s %s", id, fe[0].Field, fe[0].Detail)
		}
		e := &canvas.Element{ID: id, Kind: kind, Owner: owner, Props: props, Stamps: map[string]canvas.Stamp{}}
		st := clock.Next()
		for k := range props {
			e.Stamps[k] = st
		}
		els = append(els, e)
		return nil
	}
	const noteW, noteH, gap, top = 240.0, 180.0, 40.0, 96.0
	n := float64(len(text.Prompts))
	if err := add("demo-frame", canvas.KindFrame, map[string]any{"x": 0.0, "y": 0.0, "w": gap + n*(noteW+gap), "h": top + noteH + gap,
		"title": text.Title, "fill": "#f7f5f0"}); err != nil {
		return err
	}
	for i, p := range text.Prompts {
		if err := add(fmt.Sprintf("demo-note-%d", i+1), canvas.KindNote, map[string]any{"x": gap + float64(i)*(noteW+gap), "y": top,
			"w": noteW, "h": noteH, "text": p, "color": "#fff3a3", "parent": "demo-frame"}); err != nil {
			return err
		}
	}
	if err := add("demo-card", canvas.KindCard, map[string]any{"x": gap + n*(noteW+gap) + gap, "y": top, "w": 180.0, "h": 260.0,
		"card_id": demoCanvasCard}); err != nil {
		return err
	}
	now := time.Now().UTC()
	meta := canvas.Meta{Org: org, Title: text.Title, Owner: owner, Visibility: canvas.Shared, TemplateID: demoCanvasTemplate,
		Shares: map[string]canvas.Share{guest: {Role: canvas.RoleEditor}}, CreatedAt: now, UpdatedAt: now}
	ref := client.Collection("orgs").Doc(org).Collection("canvases").Doc(DemoCanvasID)
	batch := client.BulkWriter(ctx)
	if _, err := batch.Set(ref, meta); err != nil {
		return err
	}
	if _, err := batch.Set(client.Collection("canvas_index").Doc(DemoCanvasID), map[string]any{"org": org}); err != nil {
		return err
	}
	for _, e := range els {
		data := e.DocData()
		data[canvas.FieldUpdated] = now
		if _, err := batch.Set(ref.Collection("elements").Doc(e.ID), data); err != nil {
			return err
		}
	}
	batch.End()
	return nil
}
