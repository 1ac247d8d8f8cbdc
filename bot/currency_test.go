package bot_test

import (
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot/internal/bottest"
)

// A workspace counts in one currency: an admin chooses it, amounts in it
// are stored and shown in it, and an amount in another is refused, never
// shown as the wrong currency.
func TestWorkspaceCurrency(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	lines := []string{
		"/kpi settings", // admin is the first user of the workspace
		"/log 1 vente 12k€",
		"/user bob",
		"/kpi settings currency USD",
		"/user admin",
		"/kpi settings currency XYZ",
		"/kpi settings currency usd",
		"/log 1 vente 12k€",
		"/log 1 vente $12,500",
		"/log 2 renouvellements 8k",
		"/kpi me",
		"/kpi goal set CA 50k€ mois",
		"/kpi goal set CA 50k mois",
		"/kpi settings currency USD",
	}
	script := []struct {
		want []string
		not  []string
	}{
		{want: []string{"Devise : EUR (les montants s'affichent ainsi : 12\u202f500\u00a0€)", "Mots ajoutés par l'équipe : 0"}},
		{want: []string{"1 signature · CA 12\u202f000\u00a0€"}},
		{},
		{want: []string{"🔒 C'est réservé"}},
		{},
		{want: []string{"Je ne connais pas la devise XYZ", "USD"}},
		{want: []string{"La devise de l'espace est maintenant USD", "12\u202f500\u00a0$US", "Les montants déjà notés en EUR ne sont pas convertis"}},
		{want: []string{"12k€ est un montant en EUR, alors que cet espace compte en USD", "Rien n'a été enregistré."}, not: []string{"✅"}},
		{want: []string{"✅ Noté pour aujourd'hui (lun. 23 nov.) : 1 signature · CA 12\u202f500\u00a0$US", "2 signatures · CA 12\u202f500\u00a0$US"}, not: []string{"€"}},
		{want: []string{"2 renouvellements · CA 8\u202f000\u00a0$US", "CA 20\u202f500\u00a0$US"}},
		// The euros logged before the change are kept but not added to dollars.
		{want: []string{"CA 20\u202f500\u00a0$US"}, not: []string{"32\u202f500", "€"}},
		{want: []string{"50k€ est un montant en EUR"}, not: []string{"Objectif"}},
		{want: []string{"CA 50\u202f000\u00a0$US par mois"}},
		{want: []string{"La devise de l'espace est déjà USD."}},
	}
	out := (&consoleSession{t: t, h: h, lines: lines}).run()
	for i, s := range script {
		got := out[i]
		for _, want := range s.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s\nlacks %q in:\n%s", lines[i], want, got)
			}
		}
		for _, not := range s.not {
			if strings.Contains(got, not) {
				t.Errorf("%s\nshould not show %q:\n%s", lines[i], not, got)
			}
		}
	}
	stored := allCheckIns(t, store, "console-demo", "console:admin")
	if len(stored) != 3 || stored[0].Currency != "EUR" || stored[1].Currency != "USD" || stored[1].RevenueCents != 1_250_000 {
		t.Errorf("stored %+v", stored)
	}
}
