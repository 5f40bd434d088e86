package coach

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"pointsofyou.ai/studio/shared/httpapi"
)

// decodeIsProblem fails unless DecodeBytes gave nil or a 4xx problem.
func decodeIsProblem(t *testing.T, body []byte, dst any) {
	err := httpapi.DecodeBytes(body, dst)
	if err == nil {
		return
	}
	var he *httpapi.Error
	if !errors.As(err, &he) || he.Status < 400 || he.Status >= 500 {
		t.Fatalf("%q: %v", body, err)
	}
}

func FuzzAskRequest(f *testing.F) {
	for _, s := range []string{`{"text":"hi"}`, `{"text":"¿Qué hago?","lang":"es"}`, `{"text":""}`, `{"text":"a","lang":"xx"}`, `[]`, `{"text":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var q AskRequest
		decodeIsProblem(t, b, &q)
	})
}

func FuzzCreateRequest(f *testing.F) {
	for _, s := range []string{`{}`, `{"session_id":"s1","lang":"he"}`, `{"session_id":"a/b"}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c CreateRequest
		decodeIsProblem(t, b, &c)
	})
}

func FuzzFeedbackRequests(f *testing.F) {
	for _, s := range []string{`{"rating":5}`, `{"rating":0}`, `{"rating":3,"reason":"ok"}`, `{"action":"edited","text":"x"}`, `{"action":"accepted","item_id":"A B"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fb FeedbackRequest
		decodeIsProblem(t, b, &fb)
		var cf CopilotFeedbackRequest
		decodeIsProblem(t, b, &cf)
	})
}

// FuzzAnswerStream: the streamed answer, cut anywhere, is exactly the
// decoded "answer" member; nothing it is fed makes it panic.
func FuzzAnswerStream(f *testing.F) {
	f.Add("Hello \"you\" \\ é 日本 \U0001F600\n", 3, `{"type":"insight"}`)
	f.Add("", 1, `{}`)
	f.Add("[source: a-1] ok", 7, `{"answer":"x"}`)
	f.Fuzz(func(t *testing.T, answer string, step int, junk string) {
		if step <= 0 || step > 64 {
			step = 1 + (step%64+64)%64
		}
		(&answerStream{}).Write(junk)
		b, _ := json.Marshal(map[string]any{"answer": answer, "type": "question", "sources": []string{"answer"}})
		var want struct{ Answer string }
		_ = json.Unmarshal(b, &want)
		s := &answerStream{}
		var got strings.Builder
		for i := 0; i < len(b); i += step {
			got.WriteString(s.Write(string(b[i:min(len(b), i+step)])))
		}
		got.WriteString(s.Flush())
		if got.String() != want.Answer {
			t.Fatalf("streamed %q, want %q", got.String(), want.Answer)
		}
	})
}
