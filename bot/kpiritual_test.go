package bot_test

import (
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot/internal/bottest"
)

func TestKPIRitualAndAwayCommands(t *testing.T) {
	h := bottest.NewHandler(t, memStore(t), newClock(friday).Now, nil)
	lines := []string{
		"/kpi team manager @maud",
	}
	lines = append(lines, consoleJoin("maud", "alice")...)
	lines = append(lines, "/kpi team channel #ventes")
	script := []struct {
		line string
		want []string
	}{
		{"/kpi ritual list", []string{"Rituels de l'équipe @maud", "synthèse pour le manager (MP) : lun. 08:00 (Europe/Paris) · par défaut", "revue du lundi (canal d'équipe) : lun. 09:30 (Europe/Paris) → #ventes · par défaut", "rappel de saisie (MP de chacun, à son heure) : jours ouvrés 17:30 (→ Europe/Paris)"}},
		{"/kpi ritual set review lun 10h #rituels", []string{"Revue du lundi (canal d'équipe) : désormais lun. 10:00 (Europe/Paris) → #rituels. Prochain envoi : lun. 30 nov. 10:00."}},
		{"/kpi ritual set digest tous les jours", []string{"Je ne sais pas lire l'horaire tous les jours", "Exemple : /kpi ritual set revue lun. 09:30 #ventes"}},
		{"/kpi ritual set standup mon 09:00", []string{"standup n'est pas un rituel"}},
		{"/kpi ritual off reminder", []string{"En pause : rappel de saisie (MP de chacun, à son heure). /kpi ritual set reminder jours ouvrés 17:30 le remet en route."}},
		{"/kpi ritual list", []string{"lun. 10:00 (Europe/Paris) → #rituels", "jours ouvrés 17:30 (→ Europe/Paris) · en pause"}},
		{"/user alice", nil},
		{"/kpi ritual list", []string{"revue du lundi"}},
		{"/kpi ritual set review mon 08:00", []string{"🔒 C'est réservé à un manager."}},
		{"/kpi away 2026-12-21 2026-12-31", []string{"absence du lundi 21 décembre au jeudi 31 décembre. Pas de rappel"}},
		{"/kpi away 2026-12-31 2026-12-21", []string{"Le dernier jour ne peut pas précéder le premier"}},
		{"/kpi away demain", []string{"/kpi away 2026-12-21 2026-12-31"}},
	}
	first := len(lines)
	for _, s := range script {
		lines = append(lines, s.line)
	}
	out := (&consoleSession{t: t, h: h, lines: lines}).run()
	for i, s := range script {
		for _, want := range s.want {
			if !strings.Contains(out[first+i], want) {
				t.Errorf("%s\nlacks %q in:\n%s", s.line, want, out[first+i])
			}
		}
	}
}
