package bot_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/bottest"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

func logCmd(user, text, key string) bot.Command {
	return bot.Command{Workspace: "T1", User: user, Name: "/log", Text: text, Key: key, Source: "test"}
}

func TestLogRecordsEntryAndRepliesWithWeek(t *testing.T) {
	la := mustLoad("America/Los_Angeles")
	tests := []struct {
		name       string
		now        time.Time
		profile    *bot.Profile
		text       string
		wantDay    string
		wantCounts map[string]int
		wantCents  int64
		wantReply  []string
	}{
		{
			name:       "french default",
			now:        monday10,
			text:       "3 rdv 1 offre",
			wantDay:    "2026-11-23",
			wantCounts: map[string]int{"meetings": 3, "proposals": 1},
			wantReply:  []string{"Noté pour aujourd'hui (lun. 23 nov.) : 3 rdv · 1 offre", "Ta semaine jusqu'ici* (lun. 23 nov. – dim. 29 nov.)"},
		},
		{
			name:       "english from the slack locale",
			now:        monday10,
			profile:    &bot.Profile{Lang: prompts.English},
			text:       "5 calls 2 demos",
			wantDay:    "2026-11-23",
			wantCounts: map[string]int{"calls": 5, "demos": 2},
			wantReply:  []string{"Logged for today (Mon 23 Nov): 5 calls · 2 demos", "Your week so far* (Mon 23 Nov – Sun 29 Nov)"},
		},
		{
			name:       "yesterday falls in the previous week",
			now:        monday10,
			text:       "hier 2 rdv",
			wantDay:    "2026-11-22",
			wantCounts: map[string]int{"meetings": 2},
			wantReply:  []string{"Noté pour hier (dim. 22 nov.) : 2 rdv", "(lun. 16 nov. – dim. 22 nov.)"},
		},
		{
			name:       "the rep's own timezone decides the day",
			now:        time.Date(2026, 11, 23, 8, 0, 0, 0, paris), // 23:00 on Sunday in Los Angeles
			profile:    &bot.Profile{Loc: la, Lang: prompts.English},
			text:       "1 proposal",
			wantDay:    "2026-11-22",
			wantCounts: map[string]int{"proposals": 1},
			wantReply:  []string{"Logged for today (Sun 22 Nov): 1 proposal"},
		},
		{
			name:       "revenue",
			now:        monday10,
			text:       "1 vente 12k€",
			wantDay:    "2026-11-23",
			wantCounts: map[string]int{"signatures": 1},
			wantCents:  1_200_000,
			wantReply:  []string{"1 signature · CA 12\u202f000\u00a0€"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := memStore(t)
			profiles := bottest.Profiles{}
			if tt.profile != nil {
				profiles["U1"] = *tt.profile
			}
			h := bottest.NewHandler(t, store, newClock(tt.now).Now, profiles)
			msg, err := h.Handle(context.Background(), logCmd("U1", tt.text, "trig-1"))
			if err != nil {
				t.Fatal(err)
			}
			checkBlockKitLimits(t, msg)
			if msg.ResponseType != slack.ResponseTypeEphemeral {
				t.Errorf("response type %q, want ephemeral", msg.ResponseType)
			}
			reply := views.PlainText(msg) + "\n" + rawText(msg)
			for _, want := range tt.wantReply {
				if !strings.Contains(reply, want) {
					t.Errorf("reply lacks %q:\n%s", want, reply)
				}
			}
			got := allCheckIns(t, store, "T1", "U1")
			if len(got) != 1 {
				t.Fatalf("stored %d entries, want 1", len(got))
			}
			c := got[0]
			if c.Day != tt.wantDay || !maps.Equal(c.Counts, tt.wantCounts) || c.RevenueCents != tt.wantCents || c.Raw != tt.text || c.Key != "trig-1" {
				t.Errorf("stored %+v, want day %s counts %v revenue %d", c, tt.wantDay, tt.wantCounts, tt.wantCents)
			}
		})
	}
}

// rawText joins the mrkdwn of a message's blocks, emphasis included.
func rawText(msg slack.Msg) string {
	var b strings.Builder
	for _, bl := range msg.Blocks.BlockSet {
		if s, ok := bl.(*slack.SectionBlock); ok && s.Text != nil {
			b.WriteString(s.Text.Text + "\n")
		}
	}
	return b.String()
}

func TestLogWeekTotalsAddUp(t *testing.T) {
	store := memStore(t)
	clk := newClock(monday10)
	h := bottest.NewHandler(t, store, clk.Now, nil)
	ctx := context.Background()
	if _, err := h.Handle(ctx, logCmd("U1", "10 appels 2 rdv", "a")); err != nil {
		t.Fatal(err)
	}
	clk.Set(monday10.Add(26 * time.Hour))
	msg, err := h.Handle(ctx, logCmd("U1", "5 appels 1 offre CA 3000", "b"))
	if err != nil {
		t.Fatal(err)
	}
	// Another rep's and another workspace's entries never show.
	if _, err := h.Handle(ctx, logCmd("U2", "99 appels", "c")); err != nil {
		t.Fatal(err)
	}
	other := logCmd("U1", "77 appels", "d")
	other.Workspace = "T2"
	if _, err := h.Handle(ctx, other); err != nil {
		t.Fatal(err)
	}
	want := "15 appels · 2 rdv · 1 offre · CA 3\u202f000\u00a0€"
	if !strings.Contains(views.PlainText(msg), want) {
		t.Fatalf("week line missing %q:\n%s", want, views.PlainText(msg))
	}
	golden(t, "log_recorded_fr", msg)
}

func TestLogRefusesBadInputAndStoresNothing(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"3 zzzzzz", "Je ne connais pas le mot `zzzzzz`."},
		{"-2 rdv", "`-2` : un nombre ne peut pas être négatif."},
		{"1001 appels", "plus de 1000 appels en une journée"},
		{"2026-12-01 2 rdv", "est dans le futur"},
		{"2026-08-01 1 rdv", "date de plus de 90 jours"},
		{"3", "`3` quoi ?"},
		{"2 rdv " + strings.Repeat("x", 500), "dépasse 500 caractères"},
		{"hier", "Je n'ai rien trouvé à enregistrer"},
		{"<!channel> 2 rdv", "&lt;"},
		{"31/11 2 rdv", "`31/11` n'existe pas au calendrier."},
		{"vendredi 19 2 rdv", "le 19 novembre est un jeudi. Tu voulais dire `jeudi 19` ?"},
		{"1 vente 500$", "`500$` est un montant en USD, alors que cet espace compte en EUR."},
		{"12k€", "`12k€`, c'est le montant de quoi ?"},
		{"1 rdv signé", "`rdv signé` : ces mots ne vont pas ensemble"},
		{"3 envoyés", "`envoyés` précise quelque chose, mais quoi ?"},
		{"12 appels dont 15 décrochés", "`dont 15 décrochés` : la partie dépasse le total."},
		{"2 rdv annulés", "`rdv annulés` : je ne note que ce qui a eu lieu."},
		{"demain 2 rdv", "`demain` (mar. 24 nov.) est dans le futur"},
	}
	for _, tt := range tests {
		t.Run(tt.text[:min(len(tt.text), 20)], func(t *testing.T) {
			store := memStore(t)
			h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
			msg, err := h.Handle(context.Background(), logCmd("U1", tt.text, "k"))
			if err != nil {
				t.Fatalf("bad input is the user's, not an internal error: %v", err)
			}
			checkBlockKitLimits(t, msg)
			raw := rawText(msg)
			if !strings.Contains(raw, tt.want) {
				t.Errorf("reply lacks %q:\n%s", tt.want, raw)
			}
			if strings.Contains(raw, "<!") {
				t.Errorf("user text reaches Slack unescaped:\n%s", raw)
			}
			if !strings.Contains(raw, "Rien n'a été enregistré.") {
				t.Errorf("reply does not say nothing was saved:\n%s", raw)
			}
			if !strings.Contains(views.PlainText(msg), "Exemple : /log 3 rdv 1 offre") {
				t.Errorf("reply has no example:\n%s", views.PlainText(msg))
			}
			if got := allCheckIns(t, store, "T1", "U1"); len(got) != 0 {
				t.Fatalf("stored %d entries after bad input", len(got))
			}
		})
	}
}

func TestLogUnknownWordGolden(t *testing.T) {
	for _, lang := range prompts.Langs {
		h := bottest.NewHandler(t, memStore(t), newClock(monday10).Now, bottest.Profiles{"U1": {Lang: lang}})
		msg, _ := h.Handle(context.Background(), logCmd("U1", "3 zzzzzz", "k"))
		golden(t, "log_unknown_word_"+string(lang), msg)
	}
}

// The same week, for an English-speaking rep.
func TestLogRecordedGoldenInEnglish(t *testing.T) {
	clk := newClock(monday10)
	h := bottest.NewHandler(t, memStore(t), clk.Now, bottest.Profiles{"U1": {Lang: prompts.English}})
	ctx := context.Background()
	if _, err := h.Handle(ctx, logCmd("U1", "10 calls 2 meetings", "a")); err != nil {
		t.Fatal(err)
	}
	clk.Set(monday10.Add(26 * time.Hour))
	msg, err := h.Handle(ctx, logCmd("U1", "5 calls 1 proposal revenue 3000", "b"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "log_recorded_en", msg)
}

// Undo, for a French-speaking rep.
func TestLogUndoGoldenInFrench(t *testing.T) {
	clk := newClock(monday10)
	h := bottest.NewHandler(t, memStore(t), clk.Now, nil)
	ctx := context.Background()
	if _, err := h.Handle(ctx, logCmd("U1", "2 rdv", "a")); err != nil {
		t.Fatal(err)
	}
	clk.Set(monday10.Add(time.Minute))
	if _, err := h.Handle(ctx, logCmd("U1", "1 offre -- client <X> *urgent*", "b")); err != nil {
		t.Fatal(err)
	}
	msg, err := h.Handle(ctx, logCmd("U1", "undo", "u1"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "log_undo_fr", msg)
}

func TestLogDailyLimitCountsEarlierEntries(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	ctx := context.Background()
	if _, err := h.Handle(ctx, logCmd("U1", "600 appels", "a")); err != nil {
		t.Fatal(err)
	}
	msg, err := h.Handle(ctx, logCmd("U1", "500 appels", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "`500 appels` : avec ce qui est déjà noté le lun. 23 nov., cela ferait 1100 appels, plus de 1000 en une journée — sans doute une faute de frappe. Tu peux encore en noter 400 ce jour-là."; !strings.Contains(rawText(msg), want) {
		t.Fatalf("reply lacks %q:\n%s", want, rawText(msg))
	}
	if got := allCheckIns(t, store, "T1", "U1"); len(got) != 1 {
		t.Fatalf("stored %d entries, want only the first", len(got))
	}
	// The limit is per day: yesterday's 600 leave room today.
	if _, err := h.Handle(ctx, logCmd("U1", "hier 500 appels", "c")); err != nil {
		t.Fatal(err)
	}
	if got := allCheckIns(t, store, "T1", "U1"); len(got) != 2 {
		t.Fatalf("stored %d entries, want 2", len(got))
	}
}

func TestLogSameDeliveryTwiceStoresOnce(t *testing.T) {
	store := memStore(t)
	h := bottest.NewHandler(t, store, newClock(monday10).Now, nil)
	ctx := context.Background()
	first, err := h.Handle(ctx, logCmd("U1", "3 rdv", "trig-1"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.Handle(ctx, logCmd("U1", "3 rdv", "trig-1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := allCheckIns(t, store, "T1", "U1"); len(got) != 1 {
		t.Fatalf("stored %d entries, want 1", len(got))
	}
	if !strings.Contains(views.PlainText(again), "déjà enregistrée") {
		t.Errorf("repeat reply does not say so:\n%s", views.PlainText(again))
	}
	// The week is not double-counted on the repeat.
	for _, msg := range []slack.Msg{first, again} {
		if !strings.Contains(rawText(msg), "(lun. 23 nov. – dim. 29 nov.)\n3 rdv") {
			t.Errorf("week line wrong:\n%s", rawText(msg))
		}
	}
}

func TestLogUndo(t *testing.T) {
	store := memStore(t)
	clk := newClock(monday10)
	h := bottest.NewHandler(t, store, clk.Now, bottest.Profiles{"U1": {Lang: prompts.English}})
	ctx := context.Background()
	for key, text := range map[string]string{"y": "yesterday 4 calls"} {
		if _, err := h.Handle(ctx, logCmd("U1", text, key)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Handle(ctx, logCmd("U1", "2 meetings", "a")); err != nil {
		t.Fatal(err)
	}
	clk.Set(monday10.Add(time.Minute))
	if _, err := h.Handle(ctx, logCmd("U1", "1 offre -- client <X>", "b")); err != nil {
		t.Fatal(err)
	}

	msg, err := h.Handle(ctx, logCmd("U1", "undo", "u1"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "log_undo_en", msg)
	if want := "`1 offre -- client &lt;X&gt;` — 1 proposal"; !strings.Contains(rawText(msg), want) {
		t.Errorf("undo reply lacks %q:\n%s", want, rawText(msg))
	}
	if _, err := h.Handle(ctx, logCmd("U1", "undo", "u2")); err != nil {
		t.Fatal(err)
	}
	// Yesterday's entry is the last one left: undo takes it too, whatever
	// day it was for.
	msg, err = h.Handle(ctx, logCmd("U1", "undo", "u3"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Removed your last entry, for yesterday (Sun 22 Nov): yesterday 4 calls — 4 calls."; !strings.Contains(views.PlainText(msg), want) {
		t.Errorf("third undo lacks %q:\n%s", want, views.PlainText(msg))
	}
	msg, err = h.Handle(ctx, logCmd("U1", "undo", "u4"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "There is nothing to undo"; !strings.Contains(rawText(msg), want) {
		t.Errorf("fourth undo lacks %q:\n%s", want, rawText(msg))
	}
	if got := allCheckIns(t, store, "T1", "U1"); len(got) != 0 {
		t.Fatalf("live entries %+v, want none", got)
	}
}

func TestLogHelp(t *testing.T) {
	for _, tt := range []struct {
		lang prompts.Lang
		text string
	}{{prompts.French, ""}, {prompts.French, "aide"}, {prompts.English, "help"}} {
		h := bottest.NewHandler(t, memStore(t), newClock(monday10).Now, bottest.Profiles{"U1": {Lang: tt.lang}})
		msg, err := h.Handle(context.Background(), logCmd("U1", tt.text, "k"))
		if err != nil {
			t.Fatal(err)
		}
		checkBlockKitLimits(t, msg)
		if tt.text != "aide" {
			golden(t, "log_help_"+string(tt.lang), msg)
		}
		if !strings.Contains(rawText(msg), "`/log undo`") {
			t.Errorf("%s help lacks undo:\n%s", tt.lang, rawText(msg))
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	h := bottest.NewHandler(t, memStore(t), newClock(monday10).Now, nil)
	msg, err := h.Handle(context.Background(), bot.Command{Workspace: "T1", User: "U1", Name: "/stats", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rawText(msg), "Je ne connais pas la commande `/stats`") {
		t.Fatalf("reply:\n%s", rawText(msg))
	}
}

// brokenStore fails every check-in call, as a database that is down does.
type brokenStore struct{ *storage.Store }

var errDown = errors.New("connection refused")

func (brokenStore) SaveCheckIn(context.Context, storage.CheckIn, string, int) (storage.CheckIn, bool, storage.Week, error) {
	return storage.CheckIn{}, false, storage.Week{}, errDown
}

func (brokenStore) UserCheckIns(context.Context, string, string, string, string) ([]storage.CheckIn, error) {
	return nil, errDown
}

func (brokenStore) FindCheckIn(context.Context, string, string, string, string, string) (storage.CheckIn, error) {
	return storage.CheckIn{}, errDown
}

func TestStorageFailureIsToldKindly(t *testing.T) {
	h := bottest.NewHandler(t, brokenStore{memStore(t)}, newClock(monday10).Now, nil)
	for _, text := range []string{"3 rdv", "undo", "edit", "edit abcde 2 rdv", "rm abcde", "history"} {
		msg, err := h.Handle(context.Background(), logCmd("U1", text, "k"))
		if !errors.Is(err, errDown) {
			t.Errorf("%q: err = %v, want the storage error for the log", text, err)
		}
		reply := rawText(msg)
		if !strings.Contains(reply, "Désolé") || strings.Contains(reply, "connection refused") {
			t.Errorf("%q: reply should apologise without internals:\n%s", text, reply)
		}
	}
}
