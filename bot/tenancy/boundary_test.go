package tenancy_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
)

// Workspace A (T2) is the one at stake, B (T3) the one trying.
const (
	wsA, wsB     = "T2", "T3"
	tokenA       = "xoxb-2-alpha-token-secret"
	tokenB       = "xoxb-3-beta-token-secret"
	repA, mgrA   = "UREPA", "UMGRA"
	adminA       = "UADMIN" + wsA // the installer (oauthBot.install)
	repB, mgrB   = "UEVE", "UMGRB"
	adminB       = "UADMIN" + wsB
	channelA     = "CSALESA"
	channelB     = "CSALESB"
	secretMetric = "437 appels" // Léa's calls, A's alone
)

// aLeak matches what only A's data holds: Léa's calls, her note, her
// practice, her commitment, her manager's question, A's team word.
var aLeak = regexp.MustCompile(`\b437 (appels|calls)\b|zebre-alpha|pratique-alpha|engagement-alpha|question-alpha|motalpha`)

// aObjects are A's object IDs, which B's payloads name.
type aObjects struct {
	entryCode, entryRef, pending, objective, draft, commitment, thread string
}

// cmdIn sends a slash command from channel and returns the answer's body.
func (b *oauthBot) cmdIn(t *testing.T, team, user, channel, name, text string) string {
	t.Helper()
	return b.post(t, "/slack/commands", url.Values{"team_id": {team}, "user_id": {user}, "channel_id": {channel}, "command": {name}, "text": {text},
		"trigger_id": {fmt.Sprintf("trig-%s%s-%d", team, user, clicks.Add(1))}, "response_url": {b.srv.URL + "/hook"}}.Encode())
}

// clicks numbers the commands and clicks sent, so that none is refused
// as a replay of the one before.
var clicks atomic.Int64

// act sends a click on actionID in block, with value; in App Home when
// home, else on a message in channel.
func (b *oauthBot) act(t *testing.T, team, user, actionID, block, value, channel string, home bool) string {
	t.Helper()
	p := map[string]any{
		"type": "block_actions", "team": map[string]any{"id": team}, "user": map[string]any{"id": user, "team_id": team},
		"api_app_id": "A1", "trigger_id": "trig-click-" + team, "response_url": b.srv.URL + "/hook",
		"actions": []map[string]any{{"action_id": actionID, "block_id": block, "type": "button", "value": value,
			// Each click is a request of its own, not a replay of the last.
			"action_ts": fmt.Sprintf("1764000000.%06d", clicks.Add(1))}},
	}
	if home {
		p["container"] = map[string]any{"type": "view", "view_id": "VHOMEA"}
		p["view"] = map[string]any{"id": "VHOMEA", "type": "home", "team_id": team, "callback_id": views.HomeCallback}
	} else {
		p["container"] = map[string]any{"type": "message", "channel_id": channel, "message_ts": "1764000000.000100"}
		p["channel"] = map[string]any{"id": channel}
	}
	return b.post(t, "/slack/interactions", url.Values{"payload": {testkit.MustJSON(p)}}.Encode())
}

// submit sends a modal's submission and returns the acknowledgement.
func (b *oauthBot) submit(t *testing.T, team, user, callback, viewID, metadata string, state map[string]map[string]any) string {
	t.Helper()
	p := map[string]any{
		"type": "view_submission", "team": map[string]any{"id": team}, "user": map[string]any{"id": user, "team_id": team},
		"api_app_id": "A1", "trigger_id": "trig-submit-" + team,
		"view": map[string]any{"id": viewID, "team_id": team, "type": "modal", "callback_id": callback, "private_metadata": metadata,
			"state": map[string]any{"values": state}},
	}
	return b.post(t, "/slack/interactions", url.Values{"payload": {testkit.MustJSON(p)}}.Encode())
}

// event delivers one event of team and returns the acknowledgement.
func (b *oauthBot) event(t *testing.T, team, id string, ev map[string]any) string {
	t.Helper()
	return b.post(t, "/slack/events", testkit.MustJSON(map[string]any{"token": "x", "team_id": team, "api_app_id": "A1", "type": "event_callback",
		"event_id": id, "event_time": 1764000000, "event": ev}))
}

// run sends a command that must not fail, and returns its answer.
func (b *oauthBot) run(t *testing.T, team, user, name, text string) string {
	t.Helper()
	return b.cmdIn(t, team, user, "D"+user[1:], name, text)
}

// valuesOf lists the values of the buttons actionID in raw JSON
// (slack-go writes a button's action_id before its value).
func valuesOf(raw, actionID string) []string {
	var out []string
	re := regexp.MustCompile(`"action_id":"` + regexp.QuoteMeta(actionID) + `"[^{}]*?"value":"([^"]*)"`)
	for _, m := range re.FindAllStringSubmatch(raw, -1) {
		out = append(out, m[1])
	}
	return out
}

// seedA gives A a team with its manager, a rep with entries, a reading
// waiting, an objective, a coaching thread with a commitment, a practice,
// a team word, holidays, settings and a Slack status; every object's ID
// is returned.
func seedA(t *testing.T, b *oauthBot) aObjects {
	t.Helper()
	var a aObjects
	soon := time.Now().In(testkit.Paris).AddDate(0, 0, 20).Format("2006-01-02")
	must := func(out, want string) string {
		t.Helper()
		if !strings.Contains(out, want) {
			t.Fatalf("seeding A: want %q in\n%s", want, out)
		}
		return out
	}
	must(b.run(t, wsA, adminA, "/kpi", "team manager <@"+mgrA+">"), "manager")
	b.run(t, wsA, mgrA, "/kpi", "team add <@"+repA+">")
	must(b.run(t, wsA, repA, "/kpi", "team accept"), "✅")
	b.run(t, wsA, mgrA, "/kpi", "team channel <#"+channelA+"|ventes-a>")
	b.run(t, wsA, mgrA, "/kpi", "words add motalpha rdv")
	// Both today, so this week holds both whatever the day of the run.
	must(b.run(t, wsA, repA, "/log", secretMetric+" 29 leads 17 rdv 11 offres -- zebre-alpha"), "437")
	must(b.run(t, wsA, repA, "/log", secretMetric+" 12 rdv 2 motalpha"), "437")
	askOut := b.run(t, wsA, repA, "/log", "3 rdvs 2 apels")
	pending := valuesOf(askOut, views.ActionPendingSave)
	if len(pending) != 1 {
		t.Fatal("seeding A: no reading waiting: " + askOut)
	}
	a.pending = pending[0]
	obj := regexp.MustCompile(`([a-z2-9]{5})`).FindStringSubmatch(must(b.run(t, wsA, repA, "/kpi", "goal set rdv 30 semaine"), "30"))
	a.objective = obj[1]
	b.run(t, wsA, repA, "/kpi", "practice pratique-alpha : je relance à J+2 avec un cas client")
	b.run(t, wsA, repA, "/kpi", "share counts on")
	b.run(t, wsA, repA, "/kpi", "remind 18:00")
	b.run(t, wsA, repA, "/kpi", "away "+soon+" "+soon)
	b.run(t, wsA, adminA, "/kpi", "holiday add "+soon)
	must(b.run(t, wsA, adminA, "/kpi", "settings currency CHF"), "CHF")
	before := len(b.fake.Posted())
	b.run(t, wsA, mgrA, "/kpi", "coach <@"+repA+">")
	for _, m := range b.fake.Posted()[before:] {
		if d := regexp.MustCompile(`/kpi coach post ([a-z2-9]{5})`).FindStringSubmatch(views.PlainText(m.Msg(t))); d != nil {
			a.draft = d[1]
		}
	}
	if a.draft == "" {
		t.Fatal("seeding A: no coaching draft")
	}
	before = len(b.fake.Posted())
	// Edited, the draft's questions are posted in the thread.
	postOut := b.run(t, wsA, mgrA, "/kpi", "coach edit "+a.draft+" question-alpha : qu'est-ce qui a marché ?")
	for _, m := range b.fake.Posted()[before:] {
		if strings.HasPrefix(m.Channel, "G") {
			a.thread = m.Channel
		}
	}
	if a.thread == "" {
		t.Fatalf("seeding A: the coaching thread was not posted: %s\n%+v", postOut, b.fake.Posted()[before:])
	}
	must(b.cmdIn(t, wsA, repA, a.thread, "/kpi", "commit engagement-alpha d'ici le "+soon), "engagement-alpha")
	b.event(t, wsA, "EvStatusA", map[string]any{"type": "user_change", "user": map[string]any{"id": repA, "team_id": wsA, "tz": "Europe/Paris",
		"profile": map[string]any{"status_text": "En congés", "status_emoji": ":palm_tree:"}}})
	b.event(t, wsA, "EvHomeA", map[string]any{"type": "app_home_opened", "user": repA, "channel": "D" + repA[1:], "tab": "home"})
	homes := b.fake.PublishedHomes()
	if len(homes) == 0 || homes[len(homes)-1].Workspace != wsA {
		t.Fatal("seeding A: App Home not published")
	}
	home := testkit.MustJSON(homes[len(homes)-1].View)
	if v := valuesOf(home, views.ActionCommitmentDone); len(v) > 0 {
		a.commitment = v[0]
	}
	if v := valuesOf(home, views.ActionEntryDelete); len(v) > 0 {
		a.entryRef = v[0]
	}
	if a.commitment == "" || a.entryRef == "" {
		t.Fatalf("seeding A: App Home without its commitment or entries:\n%s", home)
	}
	for _, c := range testkit.AllCheckIns(t, b.store, wsA, repA) {
		a.entryCode = c.Code()
	}
	return a
}

// seedB gives B its own small team, so that its managers' and admins'
// commands have something of B's to act on.
func seedB(t *testing.T, b *oauthBot) {
	t.Helper()
	b.run(t, wsB, adminB, "/kpi", "team manager <@"+mgrB+">")
	b.run(t, wsB, mgrB, "/kpi", "team add <@"+repB+">")
	b.run(t, wsB, repB, "/kpi", "team accept")
	b.run(t, wsB, mgrB, "/kpi", "team channel <#"+channelB+"|ventes-b>")
	b.run(t, wsB, repB, "/log", "lundi 4 appels 1 rdv")
}

// kpiAttempts are, for each /kpi dispatcher clause, the commands B's
// people type naming A's objects: A's users, entries, objectives, drafts,
// channels.
func kpiAttempts(a aObjects, soon string) map[string][]string {
	at := "<@" + repA + ">"
	return map[string][]string{
		"me":               {"me", "me " + at, "me " + at + " mois", "me <@" + mgrA + "> --manager-view"},
		"team min":         {"team min 2"},
		"export":           {"export me", "export team"},
		"forget":           {"forget me", "forget workspace", "forget " + at},
		"share":            {"share counts on", "share counts off"},
		"settings slack":   {"settings"},
		"home":             {"home"},
		"team isTeamAdmin": {"team add " + at, "team manager <@" + mgrA + ">", "team move " + at + " <@" + mgrB + ">", "team channel <#" + channelA + "|ventes-a>", "team accept", "team decline", "team leave", "team lang en"},
		"team":             {"team", "team <@" + mgrA + ">"},
		"plan":             {"plan 5 signatures", "plan 30 rdv semaine"},
		"goal":             {"goal list", "goal list " + at, "goal rm " + a.objective, "goal set rdv 10 semaine --for " + at, "goal set signatures 20 mois --for team"},
		"ritual":           {"ritual list", "ritual run digest", "ritual run review", "ritual set review lun 10h <#" + channelA + "|ventes-a>", "ritual off rappel"},
		"away":             {"away " + soon + " " + soon, "away"},
		"practice":         {"practice je note tout le soir", "practice"},
		"shoutout":         {"shoutout on", "shoutout off"},
		"coach":            {"coach " + at, "coach history " + at, "coach post " + a.draft, "coach edit " + a.draft + " une question ?", "coach skip " + a.draft, "coach cadence " + at + " 2"},
		"commit":           {"commit relancer les offres d'ici le " + soon},
		"remind":           {"remind 17:00", "remind off"},
		"holiday":          {"holiday list", "holiday add " + soon, "holiday work " + soon, "holiday calendar none"},
		"settings":         {"settings currency USD", "settings status", "settings status default"},
		"words":            {"words list", "words add motbeta rdv", "words rm motalpha"},
	}
}

// logAttempts are, for each /log verb, what B's people type naming A's
// entries and reading.
func logAttempts(a aObjects) map[string][]string {
	return map[string][]string{
		"help":    {"", "help"},
		"undo":    {"undo"},
		"ok":      {"ok " + a.pending, "ok"},
		"cancel":  {"cancel " + a.pending},
		"edit":    {"edit", "edit " + a.entryCode, "edit " + a.entryCode + " 1 appel", "edit " + a.entryRef + " 1 appel"},
		"rm":      {"rm " + a.entryCode, "rm " + a.entryRef},
		"history": {"history", "history 2"},
		"<text>":  {"4 appels -- note-beta", "2 motalpha"},
	}
}

// Nothing of workspace A can be read or written from workspace B: every
// /kpi and /log subcommand the dispatchers have, every button of the
// bot, every modal and every event handled, sent by B's people (B's own,
// and B's users carrying A's users' IDs) at A's users, entries, readings,
// objectives, drafts, commitments, threads and channels. A's documents
// are the same afterwards, nothing of A shows in any answer, message,
// modal, App Home or file, every Slack call carries B's token, and A
// goes on working after B uninstalls.
func TestNothingCrossesFromOneWorkspaceToAnother(t *testing.T) {
	b := newOAuthBot(t)
	b.install(t, wsA, tokenA)
	b.install(t, wsB, tokenB)
	// The digest's charts are refused as blocks: they go up as PNG files.
	b.fake.RefuseBlocks(string(slack.MBTDataVisualization))
	a := seedA(t, b)
	seedB(t, b)
	ctx := context.Background()
	soon := time.Now().In(testkit.Paris).AddDate(0, 0, 21).Format("2006-01-02")

	// Each workspace's digest, and each rep's export uploaded with their
	// workspace's token (a team of one rep gets no chart to upload: its
	// funnel would be the rep's own counts).
	b.run(t, wsA, mgrA, "/kpi", "ritual run digest")
	b.run(t, wsB, mgrB, "/kpi", "ritual run digest")
	b.run(t, wsA, repA, "/kpi", "export me")
	b.run(t, wsB, repB, "/kpi", "export me")
	checkUploads(t, b, map[string]bool{wsA: true, wsB: true})

	fpA, err := b.store.WorkspaceFingerprint(ctx, wsA)
	if err != nil {
		t.Fatal(err)
	}
	calls0, bad0, foreign0 := len(b.fake.CallLog()), len(b.fake.BadAuthCalls()), len(b.fake.ForeignCalls())
	posted0, views0, homes0, uploads0, sched0 := len(b.fake.Posted()), len(b.fake.OpenedViews()), len(b.fake.PublishedHomes()), len(b.fake.UploadPosts()), len(b.fake.ScheduledMessages())
	hooks0 := len(b.hooks.String())
	// answers are what B's people got back, each with what they typed:
	// an answer may say back what its sender typed ("« motalpha » is not
	// a team word"), which shows nothing of A.
	type answer struct{ typed, got string }
	var answers []answer
	// B's people: its own rep, manager and admin, and B's users whose
	// IDs are those of A's rep and manager.
	actors := []string{repB, mgrB, adminB, repA, mgrA}

	// Every /kpi subcommand.
	kpiTried := kpiAttempts(a, soon)
	var keys, triedKeys []string
	for _, c := range kpiClauses(t) {
		keys = append(keys, c.key)
		for _, text := range kpiTried[c.key] {
			if head, _, _ := strings.Cut(text, " "); !slices.Contains(c.words, head) {
				t.Errorf("/kpi %q is tried for the clause %q, which does not take %q", text, c.key, head)
			}
			channel := channelA
			if c.key == "commit" || c.key == "coach" {
				channel = a.thread
			}
			for _, user := range actors {
				answers = append(answers, answer{text, b.cmdIn(t, wsB, user, channel, "/kpi", text)})
			}
		}
	}
	for k := range kpiTried {
		triedKeys = append(triedKeys, k)
	}
	covered(t, "the /kpi clause", keys, triedKeys)
	for _, user := range actors {
		answers = append(answers, answer{"", b.cmdIn(t, wsB, user, channelA, "/kpi", "help")})
	}

	// Every /log subcommand.
	logTried := logAttempts(a)
	keys, triedKeys = nil, nil
	for _, c := range logClauses(t) {
		keys = append(keys, c.key)
		for _, text := range logTried[c.key] {
			if head, _, _ := strings.Cut(text, " "); c.key != "<text>" && !slices.Contains(c.words, strings.ToLower(head)) {
				t.Errorf("/log %q is tried for the verb %q, which does not take %q", text, c.key, head)
			}
			for _, user := range actors {
				answers = append(answers, answer{text, b.cmdIn(t, wsB, user, channelA, "/log", text)})
			}
		}
	}
	for k := range logTried {
		triedKeys = append(triedKeys, k)
	}
	covered(t, "the /log verb", keys, triedKeys)

	// Every modal, submitted with A's objects in its metadata.
	modals := map[string]func(user string){
		views.CheckInCallback: func(user string) {
			for _, meta := range []string{"", "edit:" + a.entryRef, "pending:" + a.pending, "edit:" + a.entryRef + " pending:" + a.pending} {
				answers = append(answers, answer{"", b.submit(t, wsB, user, views.CheckInCallback, "VCHECK"+user+fmt.Sprint(len(meta)), meta, map[string]map[string]any{
					"calls":            {"calls": map[string]any{"type": "number_input", "value": "3"}},
					views.DayBlock:     {views.DayBlock: map[string]any{"type": "datepicker", "selected_date": nil}},
					views.NoteBlock:    {views.NoteBlock: map[string]any{"type": "plain_text_input", "value": "note-beta"}},
					views.RevenueBlock: {views.RevenueBlock: map[string]any{"type": "number_input", "value": nil}},
				})})
			}
		},
		views.MySettingsCallback: func(user string) {
			radio := func(v string) map[string]any {
				return map[string]any{views.SettingsActionID: map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": v}}}
			}
			answers = append(answers, answer{"", b.submit(t, wsB, user, views.MySettingsCallback, "VSET"+user, repA, map[string]map[string]any{
				views.SettingsLangBlock: radio("en"), views.SettingsReminderBlock: radio("off"),
			})})
		},
		views.PlanCallback: func(user string) {
			sel := func(v string) map[string]any {
				return map[string]any{views.PlanActionID: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}}
			}
			answers = append(answers, answer{"", b.submit(t, wsB, user, views.PlanCallback, "VPLAN"+user, repA, map[string]map[string]any{
				views.PlanTargetBlock: {views.PlanActionID: map[string]any{"type": "number_input", "value": "30"}},
				views.PlanMetricBlock: sel("meetings"), views.PlanPeriodBlock: sel("week"),
			})})
		},
		views.CoachCallback: func(user string) {
			answers = append(answers, answer{"", b.submit(t, wsB, user, views.CoachCallback, "VCOACH"+user, a.draft, map[string]map[string]any{
				views.CoachBlock: {views.CoachBlock: map[string]any{"type": "plain_text_input", "value": "une question de B ?"}},
			})})
		},
		views.HomeCallback: func(user string) {
			// App Home is a tab, never submitted: a forged submission of it
			// is ignored.
			answers = append(answers, answer{"", b.submit(t, wsB, user, views.HomeCallback, "VHOMEA", a.entryRef, nil)})
		},
	}
	var callbacks, triedCallbacks []string
	for _, v := range viewsConsts(t, "", "Callback") {
		callbacks = append(callbacks, v)
	}
	for k := range modals {
		triedCallbacks = append(triedCallbacks, k)
	}
	covered(t, "the modal", callbacks, triedCallbacks)
	for _, cb := range callbacks {
		for _, user := range actors {
			if f := modals[cb]; f != nil {
				f(user)
			}
		}
	}

	// Every button, its value and block naming each of A's objects, on a
	// message in A's channel and in App Home. The buttons that erase go
	// last, so the others still find B's data to act on.
	values := []string{a.entryRef, a.entryCode, a.pending, a.objective, a.draft, a.commitment, a.thread, mgrA, repA, channelA, "confirm", "2", ""}
	actions := viewsConsts(t, "Action", "")
	ids := make([]string, 0, len(actions))
	for _, id := range actions {
		ids = append(ids, id)
	}
	sort.SliceStable(ids, func(i, j int) bool {
		return !strings.HasPrefix(ids[i], "forget") && strings.HasPrefix(ids[j], "forget")
	})
	for _, id := range ids {
		for _, v := range values {
			for _, user := range actors[:4] {
				answers = append(answers, answer{"", b.act(t, wsB, user, id, v, v, channelA, false)})
				answers = append(answers, answer{"", b.act(t, wsB, user, id, v, v, a.thread, true)})
			}
		}
	}

	// Every event handled, about A's users; B uninstalls last.
	events := map[string]map[string]any{
		bot.EventAppHomeOpened: {"type": bot.EventAppHomeOpened, "user": repA, "channel": "D" + repA[1:], "tab": "home"},
		bot.EventUserChange: {"type": bot.EventUserChange, "user": map[string]any{"id": repA, "team_id": wsA, "tz": "Asia/Tokyo", "locale": "en-US",
			"profile": map[string]any{"status_text": "", "status_emoji": ""}}},
		bot.EventTokensRevoked:  {"type": bot.EventTokensRevoked, "tokens": map[string]any{"bot": []string{"UBOT"}}},
		bot.EventAppUninstalled: {"type": bot.EventAppUninstalled},
	}
	covered(t, "the event", bot.HandledEvents(), slices.Sorted(func(yield func(string) bool) {
		for k := range events {
			if !yield(k) {
				return
			}
		}
	}))
	for i, name := range bot.HandledEvents() {
		if name == bot.EventAppUninstalled || name == bot.EventTokensRevoked {
			continue
		}
		b.event(t, wsB, fmt.Sprintf("EvB%d", i), events[name])
	}
	b.event(t, wsB, "EvBRevoked", events[bot.EventTokensRevoked])
	b.event(t, wsB, "EvBUninstalled", events[bot.EventAppUninstalled])
	b.fake.RevokeToken(tokenB)
	b.resp.Wait()
	b.handler.Wait()

	// Nothing of A was written.
	if got, err := b.store.WorkspaceFingerprint(ctx, wsA); err != nil || got != fpA {
		t.Errorf("A's documents changed under B's attempts (%v)", err)
	}
	// Nothing of A was read: not in an answer, a response_url post, a
	// message, a modal, App Home, a scheduled message or a file.
	var shown []string
	for _, a := range answers {
		got := a.got
		for _, tok := range strings.Fields(a.typed) {
			got = strings.ReplaceAll(got, tok, "")
		}
		shown = append(shown, got)
	}
	hooked := b.hooks.String()[hooks0:]
	if strings.Count(hooked, "\n") < 100 {
		t.Errorf("only %d response_url posts for B's clicks: the test does not reach them", strings.Count(hooked, "\n"))
	}
	shown = append(shown, hooked)
	for _, m := range b.fake.Posted()[posted0:] {
		shown = append(shown, m.Text+string(m.Blocks))
	}
	for _, v := range b.fake.OpenedViews()[views0:] {
		shown = append(shown, string(v))
	}
	for _, h := range b.fake.PublishedHomes()[homes0:] {
		shown = append(shown, testkit.MustJSON(h.View))
	}
	for _, s := range b.fake.ScheduledMessages()[sched0:] {
		shown = append(shown, s.Text+string(s.Blocks))
	}
	for _, u := range b.fake.UploadPosts()[uploads0:] {
		shown = append(shown, string(b.fake.Upload(u.FileID)))
	}
	for _, s := range shown {
		if aLeak.MatchString(s) {
			t.Errorf("B was shown A's data (%q):\n%.2000s", aLeak.FindString(s), s)
		}
	}
	// Every call B's attempts made carried B's token.
	calls := b.fake.CallLog()[calls0:]
	if len(calls) == 0 {
		t.Fatal("B's attempts made no Slack call at all")
	}
	byMethod := map[string]int{}
	for _, c := range calls {
		byMethod[c.Method]++
		if c.Workspace != wsB {
			t.Errorf("a call of B's attempts carried %s's token: %+v", c.Workspace, c)
		}
	}
	// Every click of Log today opens the modal, whatever its value: the
	// calls were made, not turned down before leaving.
	if opens := len(values) * 4 * 2; byMethod["views.open"] < opens {
		t.Errorf("%d views.open for %d clicks of %s", byMethod["views.open"], opens, views.ActionCheckInOpen)
	}
	for _, m := range []string{"chat.postMessage", "chat.scheduleMessage", "conversations.history", "views.open", "views.publish", "files.completeUploadExternal", "users.info"} {
		if byMethod[m] == 0 {
			t.Errorf("B's attempts made no %s call: the test does not reach it (%v)", m, byMethod)
		}
	}
	for _, c := range b.fake.ForeignCalls()[foreign0:] {
		t.Errorf("a call of B's attempts was on A's conversation %s: %+v", c.Channel, c)
	}
	if bad := b.fake.BadAuthCalls()[bad0:]; len(bad) > 0 {
		t.Errorf("calls with a token no workspace has: %+v", bad)
	}
	for _, u := range b.fake.UploadPosts()[uploads0:] {
		if u.Workspace != wsB {
			t.Errorf("a file of B's attempts went up with %q's token: %+v", u.Workspace, u)
		}
	}

	t.Logf("B sent %d commands, clicks and submissions and %d events; the bot posted %d answers to response_url and made %d Slack calls, all with B's token: %v", len(answers), len(events), strings.Count(hooked, "\n"), len(calls), byMethod)

	// B is gone; A goes on, with its own token.
	if in, _ := b.store.Installation(ctx, wsA); !in.Active() {
		t.Errorf("A's installation after B's uninstall: %+v", in)
	}
	before := len(b.fake.CallLog())
	if out := b.run(t, wsA, repA, "/kpi", "me"); !strings.Contains(out, "874 appels") { // her two days
		t.Errorf("A's rep after B's attempts: %s", out)
	}
	for _, c := range b.fake.CallLog()[before:] {
		if c.Workspace != wsA {
			t.Errorf("A's command made a call with %s's token", c.Workspace)
		}
	}
}

// checkUploads checks that every file went up, was posted to its upload
// URL and shared with the token of the workspace it is for, and that
// each of want's workspaces uploaded some.
func checkUploads(t *testing.T, b *oauthBot, want map[string]bool) {
	t.Helper()
	got := map[string]int{}
	for _, u := range b.fake.UploadPosts() {
		if u.Workspace == "" || u.Workspace != u.URLWorkspace {
			t.Errorf("file %s: its URL was asked for with %q's token, its bytes sent with %q's", u.FileID, u.URLWorkspace, u.Workspace)
		}
		got[u.Workspace]++
	}
	for _, s := range b.fake.Shares() {
		if s.Workspace == "" {
			t.Errorf("file %s shared without a workspace", s.FileID)
		}
	}
	for ws := range want {
		if got[ws] == 0 {
			t.Errorf("no file uploaded for %s (%v)", ws, got)
		}
	}
	byWS := map[string][]string{}
	for _, c := range b.fake.CallLog() {
		if strings.HasPrefix(c.Method, "files.") {
			byWS[c.Workspace] = append(byWS[c.Workspace], c.Method)
		}
	}
	for ws := range want {
		if !slices.Contains(byWS[ws], "files.getUploadURLExternal") || !slices.Contains(byWS[ws], "files.completeUploadExternal") {
			t.Errorf("%s's upload calls: %v", ws, byWS[ws])
		}
	}
}
