package bot

// White-box tests of the few pieces with no way in from outside.

import (
	"testing"

	"github.com/kpibot/kpibot/bot/internal/testkit"
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
