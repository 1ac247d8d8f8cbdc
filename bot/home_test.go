package bot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// homeRig is a handler with the fake Slack as its UI.
type homeRig struct {
	store *storage.Store
	web   *testkit.FakeWebAPI
	h     *bot.Handler
	logs  *testkit.SyncBuffer
	clk   *testkit.Clock
}

func newHomeRig(t *testing.T, profiles bot.Profiles) *homeRig {
	t.Helper()
	r := &homeRig{store: memStore(t), web: testkit.NewFakeWebAPI(t), logs: &testkit.SyncBuffer{}}
	clk := newClock(monday10)
	r.clk = clk
	r.web.SetClock(clk.Now)
	r.h = bot.NewHandler(bot.HandlerConfig{Store: r.store, Profiles: profiles, Now: clk.Now, TZ: paris, Lang: prompts.French, Logger: slog.New(slog.NewTextHandler(r.logs, nil))})
	r.h.SetSlackUI(r.web.API(t))
	return r
}

func (r *homeRig) do(t *testing.T, user, name, text string) slack.Msg {
	t.Helper()
	msg, err := r.h.Handle(context.Background(), bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + text})
	if err != nil {
		t.Fatalf("%s %s: %v", name, text, err)
	}
	return msg
}

// lastHome is the last Home tab published for user, checked against
// Block Kit's limits, as text.
func (r *homeRig) lastHome(t *testing.T, user string) (slack.HomeTabViewRequest, string) {
	t.Helper()
	var last *testkit.Published
	for _, p := range r.web.PublishedHomes() {
		if p.User == user {
			last = &p
		}
	}
	if last == nil {
		t.Fatalf("no Home tab published for %s", user)
	}
	testkit.CheckHomeLimits(t, last.View)
	return last.View, views.PlainText(views.HomeMsg(prompts.French, last.View))
}

func openHome(t *testing.T, h *bot.Handler, id, user string) {
	t.Helper()
	if err := h.HandleEvent(context.Background(), bot.Event{ID: id, Workspace: "T1", Type: bot.EventAppHomeOpened, User: user, Tab: "home"}); err != nil {
		t.Fatal(err)
	}
}

// A rep opens App Home: their week and month, funnel, objectives, last
// check-ins with Edit and Remove, and open commitments with Done. A
// check-in publishes it again; Done marks the commitment, which the next
// coaching thread shows as done.
func TestAppHomeOfARep(t *testing.T) {
	r := newHomeRig(t, nil)
	ctx := context.Background()
	r.do(t, "UALICE", "/log", "3 rdv 1 offre")
	r.do(t, "UALICE", "/log", "hier 20 appels 2 leads")
	r.do(t, "UALICE", "/kpi", "goal set rdv 12 mois")
	c, err := r.store.SaveCommitment(ctx, storage.Commitment{Workspace: "T1", Rep: "UALICE", Manager: "UMAUD", Text: "relancer les 3 offres", CreatedBy: "UMAUD", CreatedAt: monday10})
	if err != nil {
		t.Fatal(err)
	}
	r.h.Wait()
	before := len(r.web.PublishedHomes())
	openHome(t, r.h, "EvH1", "UALICE")
	openHome(t, r.h, "EvH1", "UALICE") // a redelivery publishes nothing more
	if n := len(r.web.PublishedHomes()) - before; n != 1 {
		t.Fatalf("%d Home tabs published for one app_home_opened", n)
	}
	v, text := r.lastHome(t, "UALICE")
	for _, want := range []string{"TES CHIFFRES", "Cette semaine", "3 rdv", "20 appels", "Ce mois-ci", "Objectifs", "Tes dernières saisies", "3 rdv 1 offre", "relancer les 3 offres", "[✅ Fait]", "[📝 Noter ma journée]"} {
		if !strings.Contains(text, want) {
			t.Errorf("App Home lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Ton équipe") || strings.Contains(text, "équipe de") {
		t.Errorf("a rep's App Home shows a team section:\n%s", text)
	}
	if n := strings.Count(text, "[✏️ Modifier]"); n != 2 {
		t.Errorf("%d Edit buttons for 2 entries:\n%s", n, text)
	}
	_ = v

	// Another rep forges a click on Alice's commitment: refused, logged.
	click := func(user, action, value string) {
		cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, Team: slack.Team{ID: "T1"}, User: slack.User{ID: user}, View: slack.View{Type: slack.VTHomeTab}}
		cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: action, Value: value}}
		if _, err := r.h.Interact(ctx, cb); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	click("UBRUNO", views.ActionCommitmentDone, c.Code)
	if list, _ := r.store.Commitments(ctx, "T1", "UALICE"); list[0].DoneAt != nil {
		t.Fatal("another user marked Alice's commitment done")
	}
	if !strings.Contains(r.logs.String(), "refused: a commitment that is not the clicking user's") {
		t.Errorf("the forged click was not logged:\n%s", r.logs.String())
	}
	click("UALICE", views.ActionCommitmentDone, c.Code)
	if list, _ := r.store.Commitments(ctx, "T1", "UALICE"); list[0].DoneAt == nil {
		t.Fatal("Done did not mark the commitment")
	}
	if _, text := r.lastHome(t, "UALICE"); !strings.Contains(text, "relancer les 3 offres — fait") || strings.Contains(text, "[✅ Fait]") {
		t.Errorf("after Done:\n%s", text)
	}

	// Remove from App Home: the entry is withdrawn and the tab published
	// again without it.
	entries := allCheckIns(t, r.store, "T1", "UALICE")
	var ref string
	for _, e := range entries {
		if e.Raw == "3 rdv 1 offre" {
			ref = e.Ref()
		}
	}
	click("UBRUNO", views.ActionEntryDelete, ref)
	if !strings.Contains(r.logs.String(), "refused: a button naming an entry that is not the clicking user's") {
		t.Errorf("a forged Remove was not logged:\n%s", r.logs.String())
	}
	if got := allCheckIns(t, r.store, "T1", "UALICE"); len(got) != 2 || !got[0].Live() || !got[1].Live() {
		t.Fatalf("another user's Remove withdrew Alice's entry: %+v", got)
	}
	click("UALICE", views.ActionEntryDelete, ref)
	if _, text := r.lastHome(t, "UALICE"); strings.Contains(text, "\n3 rdv 1 offre") || strings.Count(text, "[✏️ Modifier]") != 1 {
		t.Errorf("after Remove:\n%s", text)
	}

	// A new check-in publishes App Home again.
	n := len(r.web.PublishedHomes())
	r.do(t, "UALICE", "/log", "2 relances")
	r.h.Wait()
	if len(r.web.PublishedHomes()) != n+1 {
		t.Fatal("App Home was not published again after a check-in")
	}
	if _, text := r.lastHome(t, "UALICE"); !strings.Contains(text, "2 relances") {
		t.Errorf("after a check-in:\n%s", text)
	}
}

// A check-in publishes App Home again only for whoever opened it in the
// last half hour: Slack publishes it afresh at every opening, and a
// team's check-ins must not rebuild the tabs nobody looks at.
func TestACheckInRefreshesOnlyAHomeOpenedLately(t *testing.T) {
	r := newHomeRig(t, nil)
	published := func() int { r.h.Wait(); return len(r.web.PublishedHomes()) }
	r.do(t, "UALICE", "/log", "3 rdv")
	if n := published(); n != 0 {
		t.Fatalf("%d tabs published for a rep who never opened hers", n)
	}
	openHome(t, r.h, "EvOpen1", "UALICE")
	n := published()
	r.do(t, "UALICE", "/log", "2 offres")
	if got := published(); got != n+1 {
		t.Fatalf("a check-in after opening published %d tabs, want 1", got-n)
	}
	if _, text := r.lastHome(t, "UALICE"); !strings.Contains(text, "2 offres") {
		t.Errorf("the refreshed tab lacks the check-in:\n%s", text)
	}
	r.do(t, "UBRUNO", "/log", "1 rdv") // another rep, who never opened his
	r.clk.Set(r.clk.Now().Add(31 * time.Minute))
	n = published()
	r.do(t, "UALICE", "/log", "1 relance")
	if got := published(); got != n {
		t.Fatalf("%d tabs published half an hour after the last opening", got-n)
	}
}

// In the console, `/kpi home` shows App Home as text.
func TestKPIHomeAsText(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	ctx := context.Background()
	if _, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/log", Text: "5 calls 2 demos", Key: "a"}); err != nil {
		t.Fatal(err)
	}
	msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "U1", Name: "/kpi", Text: "home", Key: "b"})
	if err != nil {
		t.Fatal(err)
	}
	checkBlockKitLimits(t, msg)
	golden(t, "kpi_home_fr", msg)
}

// countPerRep is a count beside a metric, such as "23 calls".
var countPerRep = regexp.MustCompile(`\d+ (calls|leads|meetings|proposals|signatures)\b`)

// A manager of 200 reps with two years of history: App Home holds the
// team section within Slack's 100 blocks, with rates, never counts per
// rep, and the rest pointed to /kpi team.
func TestAppHomeOfAManagerOf200Reps(t *testing.T) {
	r := newHomeRig(t, bottest.Profiles{"UMGR": {Loc: paris, Lang: prompts.English}})
	ctx := context.Background()
	if _, err := r.store.MakeManager(ctx, "T1", "UMGR"); err != nil {
		t.Fatal(err)
	}
	today := kpi.DateOf(monday10)
	var batch []storage.CheckIn
	for i := range 200 {
		rep := "UREP" + strconv.Itoa(1000+i)
		if _, err := r.store.AddRep(ctx, "T1", "UMGR", rep); err != nil {
			t.Fatal(err)
		}
		r.do(t, rep, "/kpi", "goal set rdv 3 week")
		// Two years, one check-in a week each: every week has history.
		for w := range 104 {
			day := today.AddDays(-7*w - i%5)
			batch = append(batch, storage.CheckIn{
				Workspace: "T1", User: rep, Key: rep + "-" + day.String(), Day: day.String(), TZ: "Europe/Paris",
				Raw: "20 appels 3 leads 2 rdv 1 offre", Source: "seed", CreatedAt: monday10,
				Counts: map[string]int{"calls": 20 + i%7, "leads": 2 + w%3, "meetings": 1 + w%2, "proposals": 1, "signatures": w % 4 / 3},
			})
		}
	}
	if _, err := r.store.ImportCheckIns(ctx, batch, func(d string) string {
		date, _ := kpi.ParseDate(d)
		monday, _ := kpi.WeekOf(date)
		return monday.String()
	}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	openHome(t, r.h, "EvM1", "UMGR")
	took := time.Since(start)
	homes := r.web.PublishedHomes()
	if len(homes) != 1 {
		t.Fatalf("%d Home tabs published", len(homes))
	}
	v := homes[0].View
	testkit.CheckHomeLimits(t, v)
	text := views.PlainText(slack.Msg{Blocks: v.Blocks})
	if len(v.Blocks.BlockSet) > views.MaxHomeBlocks {
		t.Fatalf("%d blocks", len(v.Blocks.BlockSet))
	}
	for _, want := range []string{"UREP1000", "UREP1199", "calls → leads"} {
		if !strings.Contains(text, want) {
			t.Errorf("the manager's App Home lacks %q", want)
		}
	}
	// Rates per rep, never a count per rep.
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "UREP") && countPerRep.MatchString(line) {
			t.Errorf("a count per rep: %s", line)
		}
	}
	// On Monday morning, the 160 reps who did not log yet are too little
	// logged to judge: ten are named, the rest counted.
	_, unjudged, ok := strings.Cut(text, "Too little logged to judge")
	if !ok {
		t.Fatal("no list of objectives too little logged to judge")
	}
	if n := strings.Count(unjudged, "• <@UREP"); n != 10 || !strings.Contains(unjudged, "…and 150 more: /kpi goal list") {
		t.Errorf("%d reps named in the list, want 10 then the 150 others counted:\n%s", n, unjudged)
	}
	t.Logf("App Home of a manager of 200 reps (%d check-ins): %d blocks, built and published in %v", len(batch), len(v.Blocks.BlockSet), took)
}

// Where Slack refuses the native chart in a Home tab, the tab is
// published without it, the funnel's text standing.
func TestAppHomeWithoutNativeCharts(t *testing.T) {
	r := newHomeRig(t, nil)
	r.web.RefuseBlocks(string(slack.MBTDataVisualization))
	r.do(t, "UALICE", "/log", "40 appels 8 leads 4 rdv 2 offres")
	r.h.Wait()
	openHome(t, r.h, "EvNC", "UALICE")
	v, text := r.lastHome(t, "UALICE")
	for _, b := range v.Blocks.BlockSet {
		if b.BlockType() == slack.MBTDataVisualization {
			t.Fatal("the refused chart was published")
		}
	}
	if !strings.Contains(text, "appels → leads : 20 %") {
		t.Errorf("the funnel's text is missing:\n%s", text)
	}
	if !strings.Contains(r.logs.String(), "App Home published without its native chart") {
		t.Errorf("the fallback was not logged:\n%s", r.logs.String())
	}
}

// A manager's App Home lists, under a neutral heading, the objectives whose
// owner logged on too few days to be judged, as the digest decides and
// words them: who, on what, and on how many days they logged; never a
// count of what they did, and never as behind.
func TestAppHomeOfAManagerListsWhoLoggedTooLittleToJudge(t *testing.T) {
	for _, lang := range []prompts.Lang{prompts.French, prompts.English} {
		t.Run(string(lang), func(t *testing.T) {
			r := newHomeRig(t, bottest.Profiles{"UMAUD": {Loc: paris, Lang: lang}})
			ctx := context.Background()
			r.store.MakeManager(ctx, "T1", "UMAUD")
			for _, rep := range []string{"UALICE", "UBRUNO", "UCHLOE"} {
				r.store.AddRep(ctx, "T1", "UMAUD", rep)
				r.do(t, rep, "/kpi", "goal set rdv 10 semaine")
			}
			r.do(t, "UMAUD", "/kpi", "goal set signatures 20 mois --for team")
			// Alice and Chloé log every day; Bruno on Monday only.
			log := func(user, text string) {
				t.Helper()
				if _, err := r.h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: "/log", Text: text, Key: user + r.clk.Now().String()}); err != nil {
					t.Fatal(err)
				}
			}
			for d := range 4 {
				r.clk.Set(monday10.AddDate(0, 0, d).Add(8 * time.Hour))
				log("UALICE", "30 appels 4 rdv 1 offre")
				log("UCHLOE", "20 appels 1 rdv")
				if d == 0 {
					log("UBRUNO", "2 rdv")
				}
			}
			r.clk.Set(monday10.AddDate(0, 0, 3).Add(9 * time.Hour)) // Thursday 19:00
			r.h.Wait()
			openHome(t, r.h, "EvU"+string(lang), "UMAUD")
			v, _ := r.lastHome(t, "UMAUD")
			text := views.PlainText(slack.Msg{Blocks: v.Blocks})
			title := map[prompts.Lang]string{prompts.French: "Pas assez de saisies pour juger", prompts.English: "Too little logged to judge"}[lang]
			_, list, ok := strings.Cut(text, title)
			if !ok {
				t.Fatalf("no list of objectives too little logged to judge:\n%s", text)
			}
			if !strings.Contains(list, "UBRUNO") || strings.Contains(list, "UALICE") || strings.Contains(list, "UCHLOE") {
				t.Errorf("the list should name Bruno only:\n%s", list)
			}
			if countPerRep.MatchString(list) || strings.Contains(list, "2 rdv") {
				t.Errorf("a count in the list:\n%s", list)
			}
			// The team objective's code is random: the golden file says CODE.
			var codes [][2]string
			wire, _ := json.Marshal(views.Wire(views.HomeMsg(lang, v)))
			for _, m := range regexp.MustCompile("`([a-z2-9]{5})`").FindAllStringSubmatch(string(wire), -1) {
				codes = append(codes, [2]string{m[0], "`CODE`"})
			}
			golden(t, "home_manager_unjudged_"+string(lang), views.HomeMsg(lang, v), codes...)
		})
	}
}
