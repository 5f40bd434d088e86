package coach

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
)

// readCorpus reads a shared test corpus, skipping the test while it is
// not there yet.
func readCorpus(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("%s is not there yet", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

type piiSample struct {
	Lang   string   `json:"lang"`
	Text   string   `json:"text"`
	Names  []string `json:"names"`
	Expect []struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"expect"`
}

// TestNoPersonalDataReachesTheModel runs the PII corpus through the real
// ask pipeline (each sample asked by a person whose organisation has the
// sample's known names) and reads every request the model received,
// generation and embedding alike: no email, phone, card, IBAN or known
// name may be in any of them. Free-text names and addresses are measured.
func TestNoPersonalDataReachesTheModel(t *testing.T) {
	t.Parallel()
	var samples []piiSample
	readCorpus(t, "../../testdata/pii/corpus.json", &samples)
	users := apitest.Users{}
	for i := range samples {
		users[fmt.Sprintf("pii-%d", i)] = auth.Principal{UID: fmt.Sprintf("u-pii-%d", i), Org: fmt.Sprintf("org-pii-%d", i),
			Role: auth.RoleParticipant, Tier: auth.TierFree, EmailVerified: true}
	}
	e := newEnv(t, testUsers.With(users))
	for i, s := range samples {
		for j, n := range s.Names {
			e.set(fmt.Sprintf("orgs/org-pii-%d/members/m%d", i, j), map[string]any{"role": "participant", "display_name": n})
		}
	}
	strict := map[string]bool{"email": true, "phone": true, "card": true, "iban": true, "known_name": true}
	total, leaked := map[string]int{}, map[string]int{}
	for i, s := range samples {
		tok := fmt.Sprintf("pii-%d", i)
		c := e.conversation(tok, map[string]any{"lang": "en"})
		mark := e.rec.mark()
		r := e.do("POST", "/v1/conversations/"+c.ID+"/ask", tok, map[string]any{"text": s.Text})
		if r.Code != 200 {
			t.Fatalf("sample %d: %s", i, r)
		}
		reqs := e.rec.since(mark)
		if len(reqs) == 0 && !strings.Contains(string(r.Body), `"escalation"`) {
			t.Fatalf("sample %d: no model request recorded", i)
		}
		for _, x := range s.Expect {
			total[x.Kind]++
			for _, q := range reqs {
				if strings.Contains(q.text, x.Value) {
					leaked[x.Kind]++
					if strict[x.Kind] {
						t.Errorf("sample %d: %s %q reached %s", i, x.Kind, x.Value, q.method)
					}
					break
				}
			}
		}
	}
	for _, k := range []string{"email", "phone", "card", "iban", "known_name", "address", "free_name"} {
		if total[k] > 0 {
			t.Logf("%-10s %3d of %3d kept from the model (%.1f%%)", k, total[k]-leaked[k], total[k], 100*float64(total[k]-leaked[k])/float64(total[k]))
		}
	}
}

// TestCrisisEscalatesWithoutTheModel: every crisis phrase gets the
// escalation answer with no model request at all and no credit; ordinary
// questions (with their false friends) are answered by the model.
func TestCrisisEscalatesWithoutTheModel(t *testing.T) {
	t.Parallel()
	var crisis struct {
		Phrases []struct {
			Lang     string `json:"lang"`
			Category string `json:"category"`
			Text     string `json:"text"`
		} `json:"phrases"`
	}
	var ordinary struct {
		Questions []struct {
			Lang string `json:"lang"`
			Text string `json:"text"`
		} `json:"questions"`
	}
	readCorpus(t, "../../testdata/safety/crisis.json", &crisis)
	readCorpus(t, "../../testdata/safety/ordinary.json", &ordinary)
	e := newEnv(t, testUsers)
	const who = facA // 500 credits: the ordinary questions are answered
	c := e.conversation(who, nil)
	missed := 0
	for _, p := range crisis.Phrases {
		mark := e.rec.mark()
		var out AskResponse
		e.do("POST", "/v1/conversations/"+c.ID+"/ask", who, map[string]any{"text": p.Text, "lang": p.Lang}).Want(t, 200).JSON(t, &out)
		if out.Answer.Type != TypeEscalation || out.Answer.Escalation == nil || out.Answer.Text == "" {
			missed++
			t.Errorf("%s %q was not escalated (type %q)", p.Lang, p.Text, out.Answer.Type)
			continue
		}
		if n := len(e.rec.since(mark)); n != 0 {
			t.Errorf("%q: %d model requests", p.Text, n)
		}
		if out.Credits.Used != 0 {
			t.Errorf("%q: an escalation used a credit", p.Text)
		}
	}
	t.Logf("crisis phrases escalated: %d of %d", len(crisis.Phrases)-missed, len(crisis.Phrases))
	falsePositive := 0
	for _, q := range ordinary.Questions {
		mark := e.rec.mark()
		var out AskResponse
		e.do("POST", "/v1/conversations/"+c.ID+"/ask", who, map[string]any{"text": q.Text, "lang": q.Lang}).Want(t, 200).JSON(t, &out)
		if out.Answer.Type == TypeEscalation || e.rec.generations(mark) != 1 {
			falsePositive++
			t.Errorf("ordinary %q escalated or not answered by the model", q.Text)
		}
	}
	t.Logf("ordinary questions answered by the model: %d of %d", len(ordinary.Questions)-falsePositive, len(ordinary.Questions))
}
