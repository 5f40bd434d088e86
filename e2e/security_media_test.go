package e2e

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// smUpload asks for a signed upload URL as tok and PUTs data with the
// headers the API returned plus extra; it returns the upload and the PUT's
// status and body.
func smUpload(t *testing.T, tok, contentType string, data []byte, extra http.Header) (uploadResp, int, string) {
	t.Helper()
	var up uploadResp
	if r := call(t, "POST", "/api/media/v1/uploads", tok, map[string]any{"content_type": contentType, "size": len(data)}, &up); r.StatusCode != 201 {
		t.Fatalf("uploads: %d %s", r.StatusCode, body(r))
	}
	req, _ := http.NewRequest(up.Method, up.UploadURL, bytes.NewReader(data))
	for k, v := range up.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return up, resp.StatusCode, string(b)
}

// smVerdict polls the media until it is no longer pending.
func smVerdict(t *testing.T, tok, id string) (status, reason string) {
	t.Helper()
	var v struct{ Status, Reason string }
	for deadline := time.Now().Add(60 * time.Second); ; {
		call(t, "GET", "/api/media/v1/media/"+id, tok, nil, &v)
		if v.Status != "pending" || time.Now().After(deadline) {
			return v.Status, v.Reason
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSecurityMediaUnsignedMetadata: the holder of a signed upload URL can
// add no x-goog-* header the signature does not cover (Cloud Storage's
// rule, kept by the emulator), and a non-image upload ends rejected: its
// status comes only from the rendition step's own look at the bytes.
func TestSecurityMediaUnsignedMetadata(t *testing.T) {
	t.Parallel()
	tok := signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass")
	html := []byte("<!doctype html><html><script>alert(document.cookie)</script></html>")

	_, status, resp := smUpload(t, tok, "image/png", html, http.Header{
		"X-Goog-Meta-Status": {"ready"}, "X-Goog-Meta-Detected-Type": {"image/png"}})
	if status != http.StatusBadRequest || !strings.Contains(resp, "<Code>MalformedSecurityHeader</Code>") {
		t.Errorf("signed PUT with unsigned x-goog-meta-* headers = %d %s, want 400 MalformedSecurityHeader", status, resp)
	}

	up, status, resp := smUpload(t, tok, "image/png", html, nil)
	if status != http.StatusOK {
		t.Fatalf("signed PUT: %d %s", status, resp)
	}
	if s, reason := smVerdict(t, tok, up.ID); s != "rejected" || !strings.Contains(reason, "not an allowed image type") {
		t.Errorf("an HTML upload ended %q (%s), want rejected", s, reason)
	}
}

// smBombPNG is a w×h RGBA PNG whose rows are all zero: a few hundred KB
// that decode to w×h×4 bytes.
func smBombPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	chunk := func(b *bytes.Buffer, typ string, data []byte) {
		_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk(&b, "IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, 1+4*w)
	for range h {
		_, _ = zw.Write(row)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	chunk(&b, "IDAT", z.Bytes())
	chunk(&b, "IEND", nil)
	return b.Bytes()
}

// TestSecurityMediaDecompressionBomb: a small PNG that would decode to
// 196 MB is refused from its header (a final verdict, not a retried
// crash), and a normal photo still gets its renditions.
func TestSecurityMediaDecompressionBomb(t *testing.T) {
	t.Parallel()
	tok := signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass")
	bomb := smBombPNG(t, 7000, 7000)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	up, status, resp := smUpload(t, tok, "image/png", bomb, nil)
	if status != http.StatusOK {
		t.Fatalf("signed PUT: %d %s", status, resp)
	}
	if s, reason := smVerdict(t, tok, up.ID); s != "rejected" || !strings.Contains(reason, "pixels") {
		t.Errorf("the 7000×7000 PNG ended %q (%s), want rejected for its pixel count", s, reason)
	}

	up, status, resp = smUpload(t, tok, "image/png", testPNG(1200, 800), nil)
	if status != http.StatusOK {
		t.Fatalf("signed PUT: %d %s", status, resp)
	}
	if s, reason := smVerdict(t, tok, up.ID); s != "ready" {
		t.Errorf("a normal image ended %q (%s), want ready", s, reason)
	}
}

// TestSecurityAgendaPDFAnyText: the PDF agenda renders whatever text a
// journey holds — emoji and other characters beyond U+FFFF, Hebrew (right
// to left), every supported language — instead of failing with a 500.
func TestSecurityAgendaPDFAnyText(t *testing.T) {
	t.Parallel()
	tok := signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass")
	journeyOf := func(locale, name, note string) map[string]any {
		el := func(id, typ, title string) []map[string]any {
			return []map[string]any{{"id": id, "kind": "inline", "type": typ, "title": title, "duration_minutes": 10}}
		}
		return map[string]any{"name": name, "description": note, "goals": []string{note}, "timeframe": "single",
			"session_minutes": 40, "locale": locale, "phases": []map[string]any{
				{"phase": "pause", "energy_mode": "cocoon", "duration_minutes": 10, "objectives": []string{note}, "facilitator_notes": note, "elements": el("w", "welcome", name)},
				{"phase": "expand", "energy_mode": "lift", "duration_minutes": 10, "objectives": []string{}, "elements": el("p", "points_of_view", note)},
				{"phase": "focus", "energy_mode": "grounding", "duration_minutes": 10, "objectives": []string{}, "elements": el("f", "focus_action", "One step 🎯")},
				{"phase": "doing", "energy_mode": "in_the_rhythm", "duration_minutes": 10, "objectives": []string{}, "elements": el("c", "closure", "Close")},
			}}
	}
	cases := []struct{ locale, name, note string }{
		{"en", "Team day 🎉🚀", "Bring 🧘 energy"},
		{"he", "מציאת איזון 🎉", "בזוגות: כל אחד בוחר קלף (photo) ומספר 2 דקות."},
		{"es", "Encontrar el equilibrio 😀", "¿Qué ves? Año nuevo."},
		{"fr", "Trouver l’équilibre 👍", "« Ensemble », c’est mieux."},
		{"de", "Gleichgewicht finden 🌈", "Größe zeigen – gemeinsam."},
	}
	for _, c := range cases {
		var j struct{ ID string }
		if r := call(t, "POST", "/api/journeys/v1/journeys", tok, map[string]any{"journey": journeyOf(c.locale, c.name, c.note)}, &j); r.StatusCode != 201 {
			t.Fatalf("%s: create journey: %d %s", c.locale, r.StatusCode, body(r))
		}
		r := call(t, "GET", "/api/journeys/v1/journeys/"+j.ID+"/export?format=pdf", tok, nil, nil)
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" ||
			!bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(b), []byte("%%EOF")) {
			t.Errorf("%s agenda: %d %s %.200q", c.locale, r.StatusCode, r.Header.Get("Content-Type"), b)
		}
	}
}
