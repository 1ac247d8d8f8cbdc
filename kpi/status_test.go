package kpi

import "testing"

func TestStatusOut(t *testing.T) {
	for _, c := range []struct {
		text, emoji string
		want        bool
	}{
		{"", ":palm_tree:", true},
		{"En congés jusqu'au 4", "", true},
		{"EN CONGES", ":speech_balloon:", true},
		{"Vacances 🌴", "", true},
		{"OOO until Monday", "", true},
		{"Day off", "", true},
		{"malade", "", true},
		{"Out of office", "", true},
		{"", ":face_with_thermometer:", true},
		{"", ":AIRPLANE:", true},
		{"At the office", "", false},
		{"offre envoyée", "", false},
		{"In a meeting", ":calendar:", false},
		{"", "", false},
		{"Congélateur en panne", "", false},
	} {
		if got := StatusOut(c.text, c.emoji, DefaultOutStatus); got != c.want {
			t.Errorf("StatusOut(%q, %q) = %v, want %v", c.text, c.emoji, got, c.want)
		}
	}
	// A workspace's own list replaces the default.
	own := []string{":skier:", "RTT"}
	if !StatusOut("rtt", "", own) || !StatusOut("", ":skier:", own) || StatusOut("vacances", ":palm_tree:", own) {
		t.Error("a workspace's own list")
	}
}

func FuzzStatusOut(f *testing.F) {
	for _, s := range []string{"En congés", ":palm_tree:", "office", "", "  ", "ＯＯＯ"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, text, emoji string) {
		out := StatusOut(text, emoji, DefaultOutStatus)
		if StatusOut(text, emoji, nil) {
			t.Fatal("an empty list found a status out")
		}
		_ = out
	})
}
