package bot

// White-box tests of the few pieces with no way in from outside.

import (
	"testing"

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"time"
)

func TestParseClock(t *testing.T) {
	for in, want := range map[string]string{
		"17:30": "17:30", "8:45": "08:45", "08:45": "08:45", "17h30": "17:30", "9h": "09:00", "17H": "17:00", "0:00": "00:00", "23:59": "23:59",
		"24:00": "", "17:60": "", "1730": "", "17": "", "5pm": "", "17:3": "", "": "", "-1:00": "",
	} {
		got, ok := parseClock(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseClock(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestInteractionWorkspace(t *testing.T) {
	// An org-wide app gets "team": null; the user's workspace stands in.
	cb := testkit.MustCallback(t, `{"type":"view_submission","team":null,"user":{"id":"W1","team_id":"T9"},"enterprise":{"id":"E1"},"view":{"id":"V1"}}`)
	if got := interactionCommand(cb); got.Workspace != "T9" || got.User != "W1" {
		t.Errorf("command %+v", got)
	}
	cb = testkit.MustCallback(t, `{"type":"view_submission","team":null,"user":{"id":"W1"},"enterprise":{"id":"E1"},"view":{"id":"V1"}}`)
	if got := interactionCommand(cb); got.Workspace != "E1" {
		t.Errorf("command %+v", got)
	}
}

// A schedule shown in either language reads back as the same schedule,
// so "/kpi ritual set reminder jours ouvrés 17:30" and the list agree.
func TestSchedulesShowInTheReadersWordsAndReadBack(t *testing.T) {
	tests := []struct{ spec, fr, en string }{
		{"mon 08:00", "lun. 08:00", "Mon 08:00"},
		{"weekdays 17:30", "jours ouvrés 17:30", "weekdays 17:30"},
		{"jours ouvrés 17h30", "jours ouvrés 17:30", "weekdays 17:30"},
		{"lun, jeu 9h", "lun., jeu. 09:00", "Mon, Thu 09:00"},
		{"tous les jours 02:30", "tous les jours 02:30", "daily 02:30"},
		{"0 8 * * 1", "0 8 * * 1", "0 8 * * 1"},
	}
	from := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		want, err := rituals.ParseSchedule(tt.spec, time.UTC)
		if err != nil {
			t.Fatalf("%q: %v", tt.spec, err)
		}
		for lang, shown := range map[prompts.Lang]string{prompts.French: tt.fr, prompts.English: tt.en} {
			got := specIn(lang, tt.spec)
			if got != shown {
				t.Errorf("specIn(%s, %q) = %q, want %q", lang, tt.spec, got, shown)
			}
			back, err := rituals.ParseSchedule(got, time.UTC)
			if err != nil || !back.Next(from).Equal(want.Next(from)) {
				t.Errorf("%q does not read back as %q: %v", got, tt.spec, err)
			}
		}
	}
}
