package prompts

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kpibot/kpibot/kpi"
)

const testKey = "sk-test-0123456789"

// fakeLLM is an OpenAI-compatible server: it answers chat completions and
// model lists the way the current mode says, and keeps every request body.
type fakeLLM struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	mode   string // "ok", "slow", "500", "empty", "surveillance", "refusal", "401"
	answer string
	bodies [][]byte
	paths  []string
}

func newFakeLLM(t *testing.T) *fakeLLM {
	f := &fakeLLM{t: t, mode: "ok"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLLM) set(mode, answer string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode, f.answer = mode, answer
}

func (f *fakeLLM) lastBody() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bodies) == 0 {
		f.t.Fatal("the LLM got no request")
	}
	return f.bodies[len(f.bodies)-1]
}

func (f *fakeLLM) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.paths)
}

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	mode, answer := f.mode, f.answer
	f.mu.Unlock()

	if mode == "401" || r.Header.Get("Authorization") != "Bearer "+testKey {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Incorrect API key provided: sk-te***789.","type":"invalid_request_error","code":"invalid_api_key"}}`)
		return
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /v1/models":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","owned_by":"test"}]}`)
		return
	case "POST /v1/chat/completions":
	default:
		http.NotFound(w, r)
		return
	}
	switch mode {
	case "slow":
		// Past the deadline: block until the client gives up.
		<-r.Context().Done()
		return
	case "500":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"message":"boom","type":"server_error"}}`)
		return
	case "empty":
		answer = ""
	}
	resp := map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": answer},
			"finish_reason": "stop",
		}},
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// logBuffer collects slog records as JSON lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) count(level string) int {
	return strings.Count(l.String(), `"level":"`+level+`"`)
}

func newTestCoach(t *testing.T, baseURL string, timeout time.Duration) (*Coach, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	c := NewCoach(CoachConfig{
		APIKey:  testKey,
		BaseURL: baseURL,
		Timeout: timeout,
		Logger:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	return c, logs
}

var llmFacts1 = CoachFacts{
	Pseudonym: "Rep A",
	Lang:      French,
	Signals:   []CoachSignal{sigStageDrop, sigNoFollow},
	Rates:     map[string]float64{"proposals_signatures": 0.18, "leads_meetings": 0.4},
	Trend:     map[string]float64{"proposals_signatures": 0.31},
}

func TestDraftFallsBackAndCounts(t *testing.T) {
	llm := newFakeLLM(t)
	// Short, so the slow case ends quickly; long enough for a local
	// round trip under -race.
	coach, logs := newTestCoach(t, llm.srv.URL+"/v1", 250*time.Millisecond)
	templates := Questions(llmFacts1, 7)
	ctx := context.Background()

	// (1) A normal answer, with the decorations models add.
	llm.set("ok", "Voici quelques questions :\n\n1. Qu'est-ce qui a changé sur tes offres ces dernières semaines ?\n- **Quelles relances** pourrais-tu reprendre en premier ?\n• « Comment puis-je t'aider ? »\n")
	got, source := coach.Draft(ctx, llmFacts1, 7)
	want := []string{
		"Qu'est-ce qui a changé sur tes offres ces dernières semaines ?",
		"Quelles relances pourrais-tu reprendre en premier ?",
		"Comment puis-je t'aider ?",
	}
	if source != SourceLLM || !slices.Equal(got, want) {
		t.Fatalf("normal answer: %s %q, want llm %q", source, got, want)
	}
	if coach.Fallbacks() != 0 {
		t.Fatalf("fallbacks after a good answer: %d", coach.Fallbacks())
	}

	cases := []struct{ name, mode, answer, reason string }{
		{"slow, past the deadline", "slow", "", `"reason":"timeout"`},
		{"server error", "500", "", `"status":500`},
		{"empty answer", "empty", "", `"reason":"empty"`},
		{"surveillance-style answer", "ok", "Il faut surveiller ses appels de près : combien en as-tu passé ?\nComment comptes-tu t'organiser ?", `"reason":"guardrail"`},
		{"refusal", "ok", "Je ne peux pas aider avec cette demande.", `"reason":"refusal"`},
	}
	for i, tc := range cases {
		llm.set(tc.mode, tc.answer)
		start := time.Now()
		got, source := coach.Draft(ctx, llmFacts1, 7)
		if source != SourceTemplate || !slices.Equal(got, templates) {
			t.Errorf("%s: %s %q, want the templates %q", tc.name, source, got, templates)
		}
		if n := coach.Fallbacks(); n != int64(i+1) {
			t.Errorf("%s: Fallbacks() = %d, want %d", tc.name, n, i+1)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: took %s", tc.name, took)
		}
		if !strings.Contains(logs.String(), tc.reason) {
			t.Errorf("%s: no log with %s in:\n%s", tc.name, tc.reason, logs)
		}
	}
	if n := coach.Fallbacks(); n != 5 {
		t.Errorf("Fallbacks() = %d, want 5", n)
	}
	// Metrics: one request per draft, and each fallback under its reason.
	if n := coach.Calls(); n != 6 {
		t.Errorf("Calls() = %d, want 6", n)
	}
	byReason := coach.FallbacksByReason()
	for _, r := range []string{"timeout", "http error", "empty", "guardrail", "refusal"} {
		if byReason[r] != 1 {
			t.Errorf("FallbacksByReason()[%q] = %d, want 1 (%v)", r, byReason[r], byReason)
		}
	}
	if len(byReason) != len(FallbackReasons) || byReason["unreachable"] != 0 {
		t.Errorf("FallbacksByReason() = %v, want every reason of FallbackReasons", byReason)
	}
	if n := logs.count("WARN"); n != 5 {
		t.Errorf("%d warnings, want one per fallback:\n%s", n, logs)
	}
	// The logs say why, never what: no facts, no answer, no key.
	for _, s := range []string{"Rep A", "offres", "ses appels", "Je ne peux pas", testKey, "boom"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the logs contain %q:\n%s", s, logs)
		}
	}
	for _, p := range llm.paths {
		if p != "POST /v1/chat/completions" {
			t.Errorf("unexpected request %s", p)
		}
	}
}

func TestDraftOtherRejections(t *testing.T) {
	llm := newFakeLLM(t)
	coach, _ := newTestCoach(t, llm.srv.URL+"/v1", 2*time.Second)
	for _, tc := range []struct{ name, answer string }{
		{"English refusal", "I'm sorry, but I can't help with that."},
		{"only a heading", "Voici les questions :"},
		{"comparison", "Qu'est-ce que tes collègues font différemment sur les offres ?"},
		{"ranking", "Qui a passé le plus d'appels cette semaine ?"},
		{"too long", strings.Repeat("Pourquoi ", 40) + "?"},
		{"names the pseudonym", "Rep A, qu'est-ce qui a changé sur tes offres ?"},
		{"reasoning only", "<think>the rep is slow</think>\n"},
	} {
		llm.set("ok", tc.answer)
		if got, source := coach.Draft(context.Background(), llmFacts1, 1); source != SourceTemplate {
			t.Errorf("%s: accepted %q", tc.name, got)
		}
	}
	if n := coach.Fallbacks(); n != 7 {
		t.Errorf("Fallbacks() = %d, want 7", n)
	}
	// A reasoning block before the answer is dropped, and more than four
	// questions are cut to four.
	llm.set("ok", "<think>\nplan\n</think>\nQ1 ?\nQ2 ?\nQ3 ?\nQ4 ?\nQ5 ?")
	got, source := coach.Draft(context.Background(), llmFacts1, 1)
	if source != SourceLLM || !slices.Equal(got, []string{"Q1 ?", "Q2 ?", "Q3 ?", "Q4 ?"}) {
		t.Errorf("got %s %q", source, got)
	}
}

func TestDraftCallerCancellation(t *testing.T) {
	llm := newFakeLLM(t)
	llm.set("slow", "")
	coach, _ := newTestCoach(t, llm.srv.URL+"/v1", time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for llm.requests() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, source := coach.Draft(ctx, llmFacts1, 1); source != SourceTemplate || coach.Fallbacks() != 1 {
		t.Errorf("source %s, fallbacks %d", source, coach.Fallbacks())
	}
}

func TestDraftWithoutLLM(t *testing.T) {
	logs := &logBuffer{}
	coach := NewCoach(CoachConfig{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if coach.Enabled() {
		t.Fatal("enabled without a key")
	}
	got, source := coach.Draft(context.Background(), llmFacts1, 7)
	if source != SourceTemplate || !slices.Equal(got, Questions(llmFacts1, 7)) || coach.Fallbacks() != 0 {
		t.Errorf("got %s %q, fallbacks %d", source, got, coach.Fallbacks())
	}
	if err := coach.Check(context.Background()); err != nil || logs.count("WARN") != 0 {
		t.Errorf("Check with the LLM off: %v\n%s", err, logs)
	}
}

func TestDraftConcurrent(t *testing.T) {
	llm := newFakeLLM(t)
	llm.set("500", "")
	coach, _ := newTestCoach(t, llm.srv.URL+"/v1", 2*time.Second)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { coach.Draft(context.Background(), llmFacts1, uint64(i)) })
	}
	wg.Wait()
	if n := coach.Fallbacks(); n != 8 {
		t.Errorf("Fallbacks() = %d, want 8", n)
	}
}

// A rep as storage knows them: everything in decoy must stay out of the
// request. factsFor builds CoachFacts the way a caller must: from
// aggregates through kpi, with a pseudonym.
type decoyRep struct {
	Name, SlackID, Email, Company, Note, Manager, ObjectiveID string
	Current, Trailing                                         kpi.Totals
}

var decoy = decoyRep{
	Name: "Alice Martin", SlackID: "U01ALICE42", Email: "alice.martin@acme-widgets.example",
	Company: "Acme Widgets", Note: "le client Dupont SA veut une démo", Manager: "Bruno Lefèvre",
	ObjectiveID: "obj-7f3a9c",
	Current: kpi.Totals{Counts: map[kpi.Metric]int{
		kpi.Calls: 80, kpi.Leads: 15, kpi.Meetings: 12, kpi.Proposals: 10, kpi.Followups: 4, kpi.Signatures: 2,
	}, RevenueCents: 1900000},
	Trailing: kpi.Totals{Counts: map[kpi.Metric]int{
		kpi.Calls: 300, kpi.Leads: 30, kpi.Meetings: 24, kpi.Proposals: 20, kpi.Followups: 18, kpi.Signatures: 8,
	}, RevenueCents: 10000000},
}

func factsFor(r decoyRep, pseudonym string, lang Lang) CoachFacts {
	obj := kpi.Objective{ID: r.ObjectiveID, Owner: r.SlackID, Target: "signatures", Value: 10, Action: r.Note}
	progress := []kpi.Progress{{Objective: obj, Value: 4, Ratio: 0.4, Forecast: 6, Status: kpi.OffTrack}}
	f := CoachFacts{Pseudonym: pseudonym, Lang: lang, Rates: map[string]float64{}, Trend: map[string]float64{}}
	for _, s := range kpi.CoachingSignals(r.Current, r.Trailing, progress, 0) {
		cs := CoachSignal{Kind: string(s.Kind), Stage: s.Stage, Value: s.Value, Reference: s.Reference, Count: s.Count}
		if s.Kind == kpi.SignalObjectiveAtRisk {
			cs.Stage = obj.Target
		}
		f.Signals = append(f.Signals, cs)
	}
	for _, st := range kpi.Stages {
		if rate := kpi.RateOf(r.Current, st, 0); rate.Enough {
			f.Rates[st.Key] = rate.Value
		}
		if rate := kpi.RateOf(r.Trailing, st, 0); rate.Enough {
			f.Trend[st.Key] = rate.Value
		}
	}
	for _, p := range progress {
		f.Objectives = append(f.Objectives, CoachObjective{Target: p.Objective.Target, Status: string(p.Status), Ratio: p.Ratio})
	}
	return f
}

func TestDraftRequestPrivacy(t *testing.T) {
	llm := newFakeLLM(t)
	llm.set("ok", "Qu'est-ce qui a changé sur tes offres ?\nComment puis-je t'aider ?")
	coach, _ := newTestCoach(t, llm.srv.URL+"/v1", 2*time.Second)
	f := factsFor(decoy, "Rep A", French)
	if len(f.Signals) < 3 {
		t.Fatalf("the decoy should raise several signals, got %+v", f.Signals)
	}
	if _, source := coach.Draft(context.Background(), f, 3); source != SourceLLM {
		t.Fatalf("source %s", source)
	}
	body := llm.lastBody()

	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		User string `json:"user"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("request body: %v\n%s", err, body)
	}
	if req.Model != DefaultCoachModel || req.User != "" || len(req.Messages) != 2 ||
		req.Messages[0].Role != "system" || req.Messages[0].Content != systemPrompt || req.Messages[1].Role != "user" {
		t.Fatalf("unexpected request shape: %s", body)
	}
	user := req.Messages[1].Content

	// Nothing that names or identifies a person, a customer or a note, in
	// the raw body or in the decoded user message.
	forbidden := []string{
		decoy.Name, "Alice", "Martin", decoy.SlackID, decoy.Email, "@", decoy.Company, "Acme",
		decoy.Note, "Dupont", decoy.Manager, "Bruno", decoy.ObjectiveID, testKey,
	}
	for _, s := range forbidden {
		for where, text := range map[string]string{"body": string(body), "user message": user} {
			if strings.Contains(strings.ToLower(text), strings.ToLower(s)) {
				t.Errorf("the %s contains %q", where, s)
			}
		}
	}
	if !strings.Contains(string(body), "Rep A") {
		t.Errorf("the body lacks the pseudonym: %s", body)
	}

	// Exactly the documented keys, at every level.
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(user), &top); err != nil {
		t.Fatalf("user message is not JSON: %v\n%s", err, user)
	}
	wantKeys := []string{"language", "objectives", "pseudonym", "questions", "rates", "signals", "trend"}
	if got := slices.Sorted(maps.Keys(top)); !slices.Equal(got, wantKeys) {
		t.Errorf("user message keys %v, want %v", got, wantKeys)
	}
	var msg struct {
		Pseudonym  string                       `json:"pseudonym"`
		Language   string                       `json:"language"`
		Signals    []map[string]json.RawMessage `json:"signals"`
		Rates      map[string]float64           `json:"rates"`
		Trend      map[string]float64           `json:"trend"`
		Objectives []map[string]json.RawMessage `json:"objectives"`
		Questions  []string                     `json:"questions"`
	}
	if err := json.Unmarshal([]byte(user), &msg); err != nil {
		t.Fatal(err)
	}
	for _, s := range msg.Signals {
		if got := slices.Sorted(maps.Keys(s)); !slices.Equal(got, []string{"count", "kind", "reference", "stage", "value"}) {
			t.Errorf("signal keys %v", got)
		}
	}
	for _, o := range msg.Objectives {
		if got := slices.Sorted(maps.Keys(o)); !slices.Equal(got, []string{"ratio", "status", "target"}) {
			t.Errorf("objective keys %v", got)
		}
	}
	if msg.Pseudonym != "Rep A" || msg.Language != "fr" || len(msg.Signals) != len(f.Signals) || len(msg.Objectives) != 1 {
		t.Errorf("user message %s", user)
	}
	// Rates travel rounded to 4 decimals: enough for a percentage.
	if !maps.Equal(msg.Rates, roundRates(f.Rates)) || !maps.Equal(msg.Trend, roundRates(f.Trend)) || len(msg.Rates) == 0 {
		t.Errorf("rates %v / trend %v, want %v / %v", msg.Rates, msg.Trend, f.Rates, f.Trend)
	}
	if !slices.Equal(msg.Questions, Questions(f, 3)) {
		t.Errorf("questions %q, want the templates", msg.Questions)
	}
}

// Whatever a careless caller puts in the free-text fields of CoachFacts,
// only known keys reach the LLM.
func TestDraftRequestPrivacyCarelessCaller(t *testing.T) {
	llm := newFakeLLM(t)
	llm.set("ok", "Comment puis-je t'aider ?")
	coach, _ := newTestCoach(t, llm.srv.URL+"/v1", 2*time.Second)
	f := CoachFacts{
		Pseudonym: decoy.Email,
		Lang:      English,
		Signals: []CoachSignal{
			{Kind: "stage_drop", Stage: decoy.Company, Value: 0.1, Reference: 0.3},
			{Kind: decoy.Note},
			{Kind: "objective_at_risk", Stage: decoy.ObjectiveID, Value: 5, Reference: 10},
		},
		Rates:      map[string]float64{decoy.SlackID: 0.5, "calls_leads": 0.08},
		Trend:      map[string]float64{decoy.Name: 0.5},
		Objectives: []CoachObjective{{Target: decoy.Manager, Status: "at_risk"}, {Target: "revenue", Status: decoy.Name}},
	}
	coach.Draft(context.Background(), f, 1)
	body := strings.ToLower(string(llm.lastBody()))
	for _, s := range []string{decoy.Email, decoy.Company, decoy.Note, decoy.ObjectiveID, decoy.SlackID, decoy.Name, decoy.Manager} {
		if strings.Contains(body, strings.ToLower(s)) {
			t.Errorf("the body contains %q", s)
		}
	}
	if !strings.Contains(body, "calls_leads") {
		t.Errorf("the body lost the valid rate: %s", body)
	}
}

func TestCheck(t *testing.T) {
	llm := newFakeLLM(t)

	t.Run("bad key", func(t *testing.T) {
		llm.set("401", "")
		coach, logs := newTestCoach(t, llm.srv.URL+"/v1", 2*time.Second)
		err := coach.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "OPENAI_API_KEY") {
			t.Fatalf("Check = %v, want an error about the key", err)
		}
		if n := logs.count("WARN"); n != 1 || !strings.Contains(logs.String(), "OPENAI_API_KEY") {
			t.Errorf("%d warnings, want 1:\n%s", n, logs)
		}
		for _, s := range []string{testKey, "sk-te"} {
			if strings.Contains(err.Error(), s) || strings.Contains(logs.String(), s) {
				t.Errorf("the key leaks: %v\n%s", err, logs)
			}
		}
		// Coaching continues on templates, and the first use warns once
		// more; later failures do not flood the logs.
		for range 3 {
			if _, source := coach.Draft(context.Background(), llmFacts1, 1); source != SourceTemplate {
				t.Errorf("source %s", source)
			}
		}
		if n := logs.count("WARN"); n != 2 {
			t.Errorf("%d warnings after Check and 3 drafts, want 2:\n%s", n, logs)
		}
	})

	t.Run("bad URL path", func(t *testing.T) {
		llm.set("ok", "")
		coach, logs := newTestCoach(t, llm.srv.URL+"/nope", 2*time.Second)
		if err := coach.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "OPENAI_BASE_URL") {
			t.Fatalf("Check = %v", err)
		}
		if n := logs.count("WARN"); n != 1 {
			t.Errorf("%d warnings, want 1:\n%s", n, logs)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		url := dead.URL
		dead.Close()
		coach, logs := newTestCoach(t, "http://user:secret@"+strings.TrimPrefix(url, "http://")+"/v1?api-key=secret", 2*time.Second)
		err := coach.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "OPENAI_BASE_URL") {
			t.Fatalf("Check = %v", err)
		}
		if n := logs.count("WARN"); n != 1 || strings.Contains(logs.String(), "secret") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%d warnings, or a secret in:\n%v\n%s", n, err, logs)
		}
	})

	t.Run("unknown model", func(t *testing.T) {
		llm.set("ok", "")
		logs := &logBuffer{}
		coach := NewCoach(CoachConfig{APIKey: testKey, BaseURL: llm.srv.URL + "/v1", Model: "llama-9000",
			Logger: slog.New(slog.NewJSONHandler(logs, nil))})
		if err := coach.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "OPENAI_MODEL") {
			t.Fatalf("Check = %v", err)
		}
		if n := logs.count("WARN"); n != 1 {
			t.Errorf("%d warnings, want 1:\n%s", n, logs)
		}
	})

	t.Run("good", func(t *testing.T) {
		llm.set("ok", "")
		coach, logs := newTestCoach(t, llm.srv.URL+"/v1", 2*time.Second)
		if err := coach.Check(context.Background()); err != nil {
			t.Fatalf("Check = %v", err)
		}
		if n := logs.count("WARN"); n != 0 {
			t.Errorf("%d warnings:\n%s", n, logs)
		}
	})
}

func TestCoachDefaultsAndEnv(t *testing.T) {
	env := map[string]string{"OPENAI_API_KEY": " k ", "OPENAI_BASE_URL": "http://localhost:11434/v1", "OPENAI_MODEL": ""}
	cfg := CoachConfigFromEnv(func(k string) string { return env[k] })
	if cfg.APIKey != "k" || cfg.BaseURL != "http://localhost:11434/v1" || cfg.Model != "" {
		t.Errorf("config %+v", cfg)
	}
	c := NewCoach(cfg)
	if !c.Enabled() || c.cfg.Model != DefaultCoachModel || c.cfg.Timeout != DefaultCoachTimeout {
		t.Errorf("defaults: enabled %v, model %q, timeout %s", c.Enabled(), c.cfg.Model, c.cfg.Timeout)
	}
}

func TestParseAnswer(t *testing.T) {
	got := parseAnswer("Here are some questions:\n1) What changed?\n2. How can I help?\n\n* \"Which deal first?\"\n- \n— What next?")
	want := []string{"What changed?", "How can I help?", "Which deal first?", "What next?"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, s := range []string{"I'm sorry, I can't", "I can’t help", "**Désolé**, je ne peux pas", "Je ne peux pas répondre", "As an AI, I"} {
		if !isRefusal(s) {
			t.Errorf("%q is a refusal", s)
		}
	}
	if isRefusal("Qu'est-ce qui a changé ?") {
		t.Error("a question is not a refusal")
	}
}
