package bot_test

import (
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot/internal/bottest"
)

// An amount beside offers is their pipeline value: stored apart from
// revenue, summed in totals, and shown with the average proposal next to
// the average deal.
func TestPipelineValue(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(friday).Now, nil)
	lines := []string{
		"/log lundi 2 offres 15k€",
		"/log mardi 3 offres",
		"/log mercredi 1 vente 9k€ 1 renouvellement 2k€",
		"/log jeudi 1 devis 5 000 € -- Globex",
		"/kpi me",
	}
	want := [][]string{
		{"✅ Noté pour lun. 23 nov. : 2 offres · pipeline 15\u202f000\u00a0€"},
		{"✅ Noté pour mar. 24 nov. : 3 offres\n", "5 offres · pipeline 15\u202f000\u00a0€"},
		{"1 signature · 1 renouvellement · CA 11\u202f000\u00a0€"},
		{"1 offre · pipeline 5\u202f000\u00a0€"},
		{"6 offres · 1 signature · 1 renouvellement · CA 11\u202f000\u00a0€ · pipeline 20\u202f000\u00a0€",
			// 20,000 over the 3 priced offers; a renewal is not a signature.
			"Panier moyen 11\u202f000\u00a0€ · offre moyenne 6\u202f667\u00a0€"},
	}
	out := (&consoleSession{t: t, h: h, lines: lines}).run()
	for i, ws := range want {
		for _, w := range ws {
			if !strings.Contains(out[i], w) {
				t.Errorf("%s\nlacks %q in:\n%s", lines[i], w, out[i])
			}
		}
	}
	stored := allCheckIns(t, store, "console-demo", "console:admin")
	if len(stored) != 4 {
		t.Fatalf("stored %d entries", len(stored))
	}
	if c := stored[0]; c.Counts["proposals"] != 2 || c.PipelineCents != 15_000_00 || !c.HasPipeline || c.HasRevenue || c.RevenueCents != 0 || c.Currency != "EUR" {
		t.Errorf("stored %+v", c)
	}
	if c := stored[2]; c.Counts["signatures"] != 1 || c.Counts["renewals"] != 1 || c.RevenueCents != 11_000_00 || c.HasPipeline {
		t.Errorf("stored %+v", c)
	}
}

// The check-in modal has its own field for the value of proposals, kept
// apart from revenue.
func TestCheckInModalStoresPipeline(t *testing.T) {
	f := newInteractionFixture(t, monday10)
	body := f.post(t, submitPayload("UEN", "V0PIPE", map[string]string{"proposals": "2", "pipeline": "15000", "revenue": "3000"})).Body.String()
	if !strings.Contains(body, `"response_action":"clear"`) {
		t.Fatalf("answered %s", body)
	}
	got := allCheckIns(t, f.store, "T1", "UEN")
	if len(got) != 1 || got[0].PipelineCents != 15_000_00 || got[0].RevenueCents != 3_000_00 || got[0].Counts["proposals"] != 2 {
		t.Fatalf("stored %+v", got)
	}
	if want := "2 proposals revenue 3000 EUR pipeline 15000 EUR"; got[0].Raw != want {
		t.Errorf("raw %q, want %q", got[0].Raw, want)
	}
}
