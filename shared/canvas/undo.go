package canvas

// inverse: see Inverse. Undoing a create deletes the element rather than
// removing its properties: required properties cannot be removed, and a
// deleted element is what every replica already knows how to hide (and
// redo restores it).
func inverse(before *Element, applied Patch, s Stamp) Patch {
	out := Patch{ID: applied.ID, Props: map[string]any{}, Stamps: map[string]Stamp{}}
	if before == nil || before.Kind == "" {
		if out.ID == "" && before != nil {
			out.ID = before.ID
		}
		out.Props[PropDeleted], out.Stamps[PropDeleted] = true, s
		return out
	}
	if out.ID == "" {
		out.ID = before.ID
	}
	for k := range applied.Props {
		var prev any
		if v, ok := before.Props[k]; ok {
			prev = v
		}
		if k == PropDeleted {
			prev = before.Deleted()
		}
		out.Props[k], out.Stamps[k] = prev, s
	}
	return out
}
