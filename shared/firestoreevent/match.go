package firestoreevent

import (
	"errors"
	"fmt"
	"strings"
)

// Match reports whether a document path ("orgs/o1/sessions/s1", relative to
// the database's documents root) matches an Eventarc path pattern and
// returns the values of the pattern's named wildcards.
//
// Pattern segments are matched against path segments:
//
//	literal            that exact segment
//	{name} or {name=*} any one segment, captured as name
//	*                  any one segment
//	{name=**}          zero or more segments, captured joined by "/"
//	**                 zero or more segments
//
// A pattern may hold at most one multi-segment wildcard; patterns with more,
// or with malformed wildcards, match nothing.
func Match(pattern, path string) (map[string]string, bool) {
	if pattern == "" || path == "" {
		return nil, false
	}
	pat := strings.Split(strings.Trim(pattern, "/"), "/")
	segs := strings.Split(path, "/")
	for _, s := range segs {
		if s == "" {
			return nil, false
		}
	}
	multi := -1
	for i, p := range pat {
		k, _, ok := parseSegment(p)
		if !ok {
			return nil, false
		}
		if k == segMulti {
			if multi >= 0 {
				return nil, false
			}
			multi = i
		}
	}
	params := map[string]string{}
	if multi < 0 {
		if len(pat) != len(segs) {
			return nil, false
		}
		for i := range pat {
			if !matchOne(pat[i], segs[i], params) {
				return nil, false
			}
		}
		return params, true
	}
	// The segments before the multi-segment wildcard align with the path's
	// start, those after it with the path's end; it takes what remains.
	head, tail := pat[:multi], pat[multi+1:]
	if len(head)+len(tail) > len(segs) {
		return nil, false
	}
	for i, p := range head {
		if !matchOne(p, segs[i], params) {
			return nil, false
		}
	}
	off := len(segs) - len(tail)
	for i, p := range tail {
		if !matchOne(p, segs[off+i], params) {
			return nil, false
		}
	}
	if _, name, _ := parseSegment(pat[multi]); name != "" {
		params[name] = strings.Join(segs[len(head):off], "/")
	}
	return params, true
}

type segKind int

const (
	segLiteral segKind = iota
	segOne
	segMulti
)

// parseSegment classifies a pattern segment and returns a wildcard's name.
func parseSegment(p string) (segKind, string, bool) {
	switch {
	case p == "":
		return 0, "", false
	case p == "*":
		return segOne, "", true
	case p == "**":
		return segMulti, "", true
	case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
		name, glob, hasGlob := strings.Cut(p[1:len(p)-1], "=")
		if !validName(name) {
			return 0, "", false
		}
		switch {
		case !hasGlob || glob == "*":
			return segOne, name, true
		case glob == "**":
			return segMulti, name, true
		}
		return 0, "", false
	case strings.ContainsAny(p, "{}*"):
		return 0, "", false
	}
	return segLiteral, "", true
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// matchOne matches one pattern segment (not a multi-segment wildcard)
// against one path segment, recording a named capture.
func matchOne(p, seg string, params map[string]string) bool {
	kind, name, _ := parseSegment(p)
	if kind == segLiteral {
		return p == seg
	}
	if name != "" {
		params[name] = seg
	}
	return true
}

// ValidPattern reports whether p is a well-formed document path pattern
// that Match can use: an even number of segments (it names documents,
// counting a multi-segment wildcard as any number), each a literal, *, **,
// {name}, {name=*} or {name=**}, with at most one multi-segment wildcard.
func ValidPattern(p string) error {
	if p == "" {
		return errors.New("empty document pattern")
	}
	segs := strings.Split(p, "/")
	multi := 0
	for _, s := range segs {
		k, _, ok := parseSegment(s)
		if !ok {
			return fmt.Errorf("document pattern %q has an invalid segment %q", p, s)
		}
		if k == segMulti {
			multi++
		}
	}
	if multi > 1 {
		return fmt.Errorf("document pattern %q has more than one multi-segment wildcard", p)
	}
	if multi == 0 && len(segs)%2 != 0 {
		return fmt.Errorf("document pattern %q names collections, not documents: it needs an even number of segments", p)
	}
	return nil
}
