package prompts

import (
	"strings"
	"testing"

	"github.com/kpibot/kpibot/kpi"
)

// The manager reads the draft questions: when the rep keeps their raw
// activity counts, the proposals left without a follow-up are a topic
// without their number, in the templates and in what the LLM is sent;
// shared, the number is there.
func TestNoFollowupQuestionsKeepAPrivateCount(t *testing.T) {
	for _, lang := range Langs {
		for _, private := range []bool{true, false} {
			signal := CoachSignal{Kind: string(kpi.SignalNoFollowup), Count: 7, Value: 0.4, Reference: 1, Private: private}
			counted := 0
			for seed := range uint64(24) {
				qs := Questions(CoachFacts{Lang: lang, Signals: []CoachSignal{signal}}, seed)
				if len(qs) < MinQuestions {
					t.Fatalf("%s private=%v seed %d: %q", lang, private, seed, qs)
				}
				if strings.Contains(qs[0], "7") {
					counted++
				}
				if private && strings.Contains(qs[0], "7") {
					t.Errorf("%s seed %d: the rep's count in %q", lang, seed, qs[0])
				}
			}
			if !private && counted == 0 {
				t.Errorf("%s: no question with a shared count says it", lang)
			}
			msg, err := userMessage(sanitizeFacts(CoachFacts{Lang: lang, Signals: []CoachSignal{signal}}), nil)
			if err != nil {
				t.Fatal(err)
			}
			if private != strings.Contains(msg, `"count":0,"private":true`) || private == strings.Contains(msg, `"count":7`) {
				t.Errorf("%s private=%v: the LLM gets %s", lang, private, msg)
			}
		}
	}
}
