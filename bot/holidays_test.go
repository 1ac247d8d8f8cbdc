package bot_test

import (
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot/internal/bottest"
)

func TestKPIHolidays(t *testing.T) {
	h := bottest.NewHandler(t, memStore(t), newClock(friday).Now, nil)
	script := []struct {
		line string
		want []string
		not  []string
	}{
		{"/kpi holiday add 2026-12-24 Veille de Noël", []string{"jeu. 24 déc. 2026 est désormais un jour sans rituel."}, nil},
		{"/kpi holiday work 2026-12-25", []string{"ven. 25 déc. 2026 est travaillé ici"}, nil},
		{"/kpi holiday list", []string{"jeu. 24 déc. 2026 — Veille de Noël", "ven. 1 janv. 2027"}, []string{"25 déc. 2026", "11 nov. 2026"}},
		{"/kpi holiday add demain", []string{"/kpi holiday add 2026-12-24"}, nil},
		{"/user bob", nil, nil},
		{"/kpi holiday add 2026-12-31", []string{"🔒 C'est réservé à un admin."}, nil},
	}
	var lines []string
	for _, s := range script {
		lines = append(lines, s.line)
	}
	out := (&consoleSession{t: t, h: h, lines: lines}).run()
	for i, s := range script {
		for _, want := range s.want {
			if !strings.Contains(out[i], want) {
				t.Errorf("%s\nlacks %q in:\n%s", s.line, want, out[i])
			}
		}
		for _, not := range s.not {
			if strings.Contains(out[i], not) {
				t.Errorf("%s\nshows %q:\n%s", s.line, not, out[i])
			}
		}
	}
}
