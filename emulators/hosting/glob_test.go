package hosting

import (
	"testing"
)

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		glob string
		path string
		want bool
	}{
		{"**", "/", true},
		{"**", "/a/b/c.js", true},
		{"/api/media/**", "/api/media", true},
		{"/api/media/**", "/api/media/v1/uploads", true},
		{"/api/media/**", "/api/mediaX/v1", false},
		{"/api/media/**", "/api", false},
		{"**/*.@(js|css|woff2)", "/app.js", true},
		{"**/*.@(js|css|woff2)", "/assets/app.3f9a.css", true},
		{"**/*.@(js|css|woff2)", "/fonts/x.woff2", true},
		{"**/*.@(js|css|woff2)", "/fonts/x.woff", false},
		{"**/*.@(js|css|woff2)", "/app.json", false},
		{"**/*.html", "/index.html", true},
		{"**/*.html", "/a/b.html", true},
		{"**/*.html", "/a/b.htm", false},
		{"/sw.js", "/sw.js", true},
		{"sw.js", "/sw.js", true},
		{"/sw.js", "/a/sw.js", false},
		{"/*.txt", "/a.txt", true},
		{"/*.txt", "/a/b.txt", false},
		{"/file?.txt", "/file1.txt", true},
		{"/file?.txt", "/file/.txt", false},
		{"/{a,b}/x", "/b/x", true},
		{"/{a,b}/x", "/c/x", false},
		{"/img/*.{png,jpg}", "/img/x.jpg", true},
		{"/v+(1|2)", "/v1212", true},
		{"/v?(1)", "/v", true},
		{"/v*(ab)", "/vabab", true},
		{"/[a-c]x", "/bx", true},
		{"/[a-c]x", "/dx", false},
		{"/[!a-c]x", "/dx", true},
		{"/a.b", "/aXb", false},
		{"/a+b", "/a+b", true},
		{"/(x)", "/(x)", true},
		{"/\\*", "/*", true},
		{"/\\*", "/a", false},
		{"/[abc", "/[abc", true},
		{"/**/x", "/x", true},
		{"/**/x", "/a/b/x", true},
		{"/a/**/x", "/a/x", true},
		{"/a/**/x", "/a/b/c/x", true},
		{"/a/**/x", "/ab/x", false},
		{"/:id", "/:id", true}, // captures only in redirects
		{"/:id", "/42", false},
	}
	for _, tt := range tests {
		re, err := compileGlob(tt.glob, false)
		if err != nil {
			t.Errorf("compileGlob(%q): %v", tt.glob, err)
			continue
		}
		if got := re.MatchString(tt.path); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v (regexp %s)", tt.glob, tt.path, got, tt.want, re)
		}
	}
}

func TestGlobCaptures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		source, dest, path, want string
		ok                       bool
	}{
		{"/old/:id", "/new/:id", "/old/42", "/new/42", true},
		{"/old/:id", "/new/:id", "/old/42/x", "", false},
		{"/docs/:rest*", "https://docs.example.com/:rest", "/docs/a/b", "https://docs.example.com/a/b", true},
		{"/u/:id/p/:idx", "/x/:idx/:id", "/u/1/p/2", "/x/2/1", true},
	}
	for _, tt := range tests {
		m, err := compileMatch(tt.source, "", true)
		if err != nil {
			t.Fatalf("compileMatch(%q): %v", tt.source, err)
		}
		rd := Redirect{Match: m, Destination: tt.dest}
		got, ok := rd.location(tt.path)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%q → %q on %q = %q, %v; want %q, %v", tt.source, tt.dest, tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestGlobErrors(t *testing.T) {
	t.Parallel()
	for _, g := range []string{"", "/!(a)", "/@(a|b", "/{a,b", "/:a/:a"} {
		if _, err := compileGlob(g, true); err == nil {
			t.Errorf("compileGlob(%q) succeeded, want an error", g)
		}
	}
}

func FuzzGlob(f *testing.F) {
	for _, s := range []string{"**", "/api/**", "**/*.@(js|css)", "/{a,b}/[!x]?", "/:id/:rest*", "/[", "/@(", "\\"} {
		f.Add(s, "/api/x/y.js")
	}
	f.Fuzz(func(t *testing.T, glob, p string) {
		for _, captures := range []bool{false, true} {
			re, err := compileGlob(glob, captures)
			if err != nil {
				continue
			}
			_ = re.MatchString(p)
			if captures {
				_, _ = Redirect{Match: Match{Source: glob, re: re}, Destination: "/:x"}.location(p)
			}
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"hosting":{"public":"p","rewrites":[{"source":"**","destination":"/index.html"}]}}`))
	f.Add([]byte(`{"hosting":{"public":"p","rewrites":[{"regex":"^/a$","function":{"functionId":"f","region":"r"}}],"headers":[{"source":"**","headers":[{"key":"A","value":"b"}]}]}}`))
	f.Add([]byte(`{"hosting":{"public":"p","redirects":[{"source":"/:a*","destination":"/:a","type":302}]}}`))
	f.Add([]byte(`{"hosting":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		for _, rw := range c.Rewrites {
			_ = rw.Matches("/a/b")
		}
		for _, rd := range c.Redirects {
			_, _ = rd.location("/a/b")
		}
		_ = ignored("a/.b/c", c.ignoreGlobs())
	})
}
