package safety

import (
	_ "embed"
	"encoding/json"
	"strings"
)

// Resource is a place to get help.
type Resource struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	SMS   string `json:"sms,omitempty"`
	URL   string `json:"url,omitempty"`
	Hours string `json:"hours,omitempty"`
}

// Escalation is the fixed answer to a message that needs escalation.
type Escalation struct {
	Text      string     `json:"text"`
	Resources []Resource `json:"resources"`
}

// resourcesJSON lists the helplines per region. Only numbers that are
// public, national and well established are listed; where a number was
// not certain, the entry has only its URL.
//
//go:embed resources.json
var resourcesJSON []byte

type region struct {
	Emergency string     `json:"emergency"`
	Crisis    []Resource `json:"crisis"`
	Abuse     []Resource `json:"abuse"`
}

type resourceBook struct {
	International []Resource        `json:"international"`
	HomeRegion    map[string]string `json:"home_region"`
	Aliases       map[string]string `json:"aliases"`
	Regions       map[string]region `json:"regions"`
}

var book = mustBook(resourcesJSON)

func mustBook(data []byte) resourceBook {
	var b resourceBook
	if err := json.Unmarshal(data, &b); err != nil {
		panic("safety: resources.json: " + err.Error())
	}
	return b
}

// Answer returns the escalation answer for category in lang, with the
// resources of region (ISO 3166, e.g. "ES"; "" picks the language's
// usual country and adds international ones).
//
// lang may be a tag ("es-MX"): its region is used when region is "".
// Languages without a text fall back to English. The resources start
// with the region's emergency number; abuse answers list the
// domestic-violence and child lines first; every answer ends with the
// international directories, so a person abroad still finds a line. A
// region without an entry gets those directories and the advice to call
// the local emergency number.
func Answer(c Category, lang, region string) Escalation {
	l := baseLang(lang)
	t, ok := texts[l]
	if !ok {
		l, t = "en", texts["en"]
	}
	code := regionCode(lang, region, l)
	reg, known := book.Regions[code]

	var b strings.Builder
	if o := t.opening[c]; o != "" {
		b.WriteString(o)
		b.WriteString("\n\n")
	}
	b.WriteString(t.body)
	b.WriteString("\n\n")
	if known && reg.Emergency != "" {
		b.WriteString(strings.ReplaceAll(t.emergency, "{number}", reg.Emergency))
	} else {
		b.WriteString(t.emergencyLocal)
	}

	var res []Resource
	if known && reg.Emergency != "" {
		res = append(res, Resource{Name: t.emergencyName, Phone: reg.Emergency, Hours: "24/7"})
	}
	if known {
		if c == Abuse {
			res = append(res, reg.Abuse...)
		}
		res = append(res, reg.Crisis...)
	}
	res = append(res, book.International...)
	return Escalation{Text: b.String(), Resources: res}
}

// regionCode picks the region: the one given, else the language tag's,
// else the language's home country.
func regionCode(tag, region, lang string) string {
	code := strings.ToUpper(strings.TrimSpace(region))
	if code == "" {
		if _, r, ok := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-"); ok && len(r) == 2 {
			code = strings.ToUpper(r)
		}
	}
	if code == "" {
		code = book.HomeRegion[lang]
	}
	if a, ok := book.Aliases[code]; ok {
		code = a
	}
	return code
}
