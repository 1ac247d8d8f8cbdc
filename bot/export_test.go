package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// readCSV checks a file is UTF-8 with a BOM and CRLF line ends, and
// returns its records.
func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(data, []byte("\ufeff"))
	if !ok {
		t.Fatalf("no UTF-8 BOM: %q", data[:min(20, len(data))])
	}
	if !bytes.Contains(body, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(body, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("lines do not end in CRLF: %q", body)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180: %v\n%s", err, body)
	}
	return records
}

// column returns the index of name in the header.
func column(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return -1
}

// /kpi export me: every version of every entry, notes and withdrawals
// included, as a CSV uploaded to the rep's DM with files upload v2.
func TestExportMeOverSlack(t *testing.T) {
	fake := testkit.NewFakeWebAPI(t)
	clk := newStepClock(time.Date(2026, 11, 27, 18, 0, 0, 0, paris))
	fake.SetClock(clk.Now)
	d := deliver.New(deliver.Config{API: fake.API(t), Clock: clk, Logger: quiet})
	store := memStore(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.French, Outbox: d, Logger: quiet})
	ctx := context.Background()
	run := func(name, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: "UREP", Name: name, Text: text, Key: text, Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	run("/log", `lundi 3 rdv 1 offre 12k€ -- réunion "client", à revoir`)
	run("/log", "mardi 2 démos")
	run("/log", "mercredi 20 appels 1 vente 8k -- =HYPERLINK(\"http://evil\")")
	var monday, tuesday string
	for _, c := range allCheckIns(t, store, "T1", "UREP") {
		switch c.Day {
		case "2026-11-23":
			monday = c.Code()
		case "2026-11-24":
			tuesday = c.Code()
		}
	}
	run("/log", "edit "+monday+" lundi 4 rdv 1 offre 12k€ -- réunion \"client\", à revoir")
	run("/log", "rm "+tuesday)

	got := run("/kpi", "export me 2026-11-01 2026-11-30")
	if !strings.Contains(got, "📎 Ton export est dans ta conversation avec kpibot : 3 saisies du dim. 1 nov. 2026 au ven. 27 nov. 2026") {
		t.Errorf("export answered %q", got)
	}
	shares := fake.Shares()
	if len(shares) != 1 || !strings.HasPrefix(shares[0].Channel, "D") {
		t.Fatalf("shared %+v, want one file in the rep's DM", shares)
	}
	records := readCSV(t, fake.Upload(shares[0].FileID))
	header := records[0]
	status, rev, day, text, note, meetings, revenue, at := column(t, header, "status"), column(t, header, "revision"), column(t, header, "day"),
		column(t, header, "text"), column(t, header, "note"), column(t, header, "meetings"), column(t, header, "revenue"), column(t, header, "recorded_at")
	pipeline := column(t, header, "pipeline_value")
	var lines []string
	for _, r := range records[1:] {
		lines = append(lines, r[day]+" "+r[status]+" "+r[rev]+" "+r[meetings]+" "+r[revenue]+"/"+r[pipeline])
		if _, err := time.Parse(time.RFC3339, r[at]); err != nil {
			t.Errorf("recorded_at %q is not ISO 8601", r[at])
		}
	}
	want := []string{"2026-11-23 revised 0 3 /12000.00", "2026-11-23 current 1 4 /12000.00", "2026-11-24 withdrawn 0 0 /", "2026-11-25 current 0 0 8000.00/"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if last := records[len(records)-1]; last[note] != `'=HYPERLINK("http://evil")` {
		t.Errorf("a note read as a formula: %q", last[note])
	}
	if records[1][note] != `réunion "client", à revoir` || !strings.HasPrefix(records[1][text], "lundi 3 rdv") {
		t.Errorf("the note or the text did not survive: %q / %q", records[1][note], records[1][text])
	}

	if got := run("/kpi", "export me 2026-12-01 2026-11-01"); !strings.Contains(got, "La première date doit précéder la seconde") {
		t.Errorf("reversed range: %s", got)
	}
	if got := run("/kpi", "export me hier"); !strings.Contains(got, "hier n'est pas une date") {
		t.Errorf("bad date: %s", got)
	}
	if got := run("/kpi", "export team"); !strings.Contains(got, "🔒") {
		t.Errorf("a rep exported a team: %s", got)
	}
}

// /kpi export team: each rep's weeks, with rates, outcomes and days
// logged; raw activity counts only for the reps who share them.
func TestExportTeamKeepsToWhatTheManagerSees(t *testing.T) {
	store := memStore(t)
	clk := newClock(time.Date(2026, 11, 27, 18, 0, 0, 0, paris))
	out := testkit.NewRecordingOutbox(t)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: clk.Now, TZ: paris, Lang: prompts.English, Outbox: out, Logger: quiet})
	ctx := context.Background()
	store.MakeManager(ctx, "T1", "UMAUD")
	join(t, h, "T1", "UMAUD", "ULEA", "UBOB")
	do := func(user, name, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: "T1", User: user, Name: name, Text: text, Key: user + text})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	for _, rep := range []string{"ULEA", "UBOB"} {
		for _, day := range []string{"monday", "tuesday", "wednesday"} {
			do(rep, "/log", day+" 20 calls 4 leads 2 meetings 2 proposals 1 sale 5k")
		}
	}
	do("UBOB", "/kpi", "share counts on")
	if got := do("UMAUD", "/kpi", "export team 2026-11-23 2026-11-27"); !strings.Contains(got, "2 rows (one per rep and week)") {
		t.Fatalf("team export answered %q", got)
	}
	if len(out.Uploads) != 1 || out.Uploads[0].Channel != "UMAUD" {
		t.Fatalf("uploads %+v", out.Uploads)
	}
	records := readCSV(t, out.Uploads[0].PNG)
	header := records[0]
	rep, calls, leads, sig, days, rate := column(t, header, "rep"), column(t, header, "calls"), column(t, header, "calls_leads"), column(t, header, "signatures"), column(t, header, "days_logged"), column(t, header, "proposals_signatures")
	rows := map[string][]string{}
	for _, r := range records[1:] {
		rows[r[rep]] = r
		if r[0] != "2026-11-23" {
			t.Errorf("week %q", r[0])
		}
	}
	if r := rows["ULEA"]; r[calls] != "" || r[leads] != "0.2" || r[sig] != "3" || r[days] != "3" || r[rate] != "0.5" {
		t.Errorf("Léa's row (no shared counts): %v", r)
	}
	if r := rows["UBOB"]; r[calls] != "60" {
		t.Errorf("Bob shares his counts: %v", r)
	}
}
