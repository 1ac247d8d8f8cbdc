//go:build loadtest

package main

// Helpers of the load, latency and crash tests (load_test.go): a fake
// Slack Web API, signed slash commands, an open-loop sender, prefilled
// history, the server run in-process or as a child process, and stats.
// Everything listens on and talks to loopback only.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

const (
	loadSecret    = "load-signing-secret"
	loadWorkspace = "T1"
	loadReps      = 500 // simulated reps sending /log
	// The French "saving…" acknowledgement, sent when the answer is not
	// ready within the responder's 2 seconds.
	savingPrefix = "⏳"
	// The French "recorded" answer.
	recordedPrefix = "✅"
)

var paris = mustLoadLocation("Europe/Paris")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// envInt reads a positive integer setting, or def.
func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// envInts reads a comma-separated list of non-negative integers, or def.
func envInts(t testing.TB, name string, def []int) []int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			t.Fatalf("%s=%q: want non-negative integers separated by commas", name, v)
		}
		out = append(out, n)
	}
	return out
}

func repID(i int) string { return fmt.Sprintf("U%03d", i) }

// fakeSlack answers users.info with a Paris, fr-FR user and every other
// call (including response_url posts) with {"ok":true}.
type fakeSlack struct {
	srv       *httptest.Server
	userInfos atomic.Int64
	hooks     atomic.Int64 // posts to a response_url: late answers
	others    atomic.Int64
}

func startFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The form first: reading the body leaves nothing to parse.
		_ = r.ParseForm()
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/users.info"):
			f.userInfos.Add(1)
			user := r.FormValue("user")
			b, _ := json.Marshal(map[string]any{"ok": true, "user": map[string]any{"id": user, "tz": "Europe/Paris", "locale": "fr-FR"}})
			_, _ = w.Write(b)
		case strings.HasPrefix(r.URL.Path, "/hook/"):
			f.hooks.Add(1)
			_, _ = io.WriteString(w, `{"ok":true}`)
		default:
			f.others.Add(1)
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) URL() string { return f.srv.URL }

// serverEnv is the environment of kpibot in HTTP mode on the embedded
// store in dir, listening on addr, with Slack's Web API at slackURL.
func serverEnv(dir, addr, slackURL string) map[string]string {
	return map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-load",
		"SLACK_SIGNING_SECRET": loadSecret,
		"SLACK_API_URL":        slackURL,
		"KPIBOT_DATA_DIR":      dir,
		"KPIBOT_ADDR":          addr,
		"KPIBOT_ADMIN_ADDR":    "127.0.0.1:0", // a free port: several servers run at once
		"KPIBOT_LOG_LEVEL":     "warn",
	}
}

func serverConfig(dir, addr, slackURL string) (Config, error) {
	// The map, not the process's environment: nothing such as an
	// OPENAI_API_KEY of the machine reaches the server under test.
	cfg, err := LoadConfig(env(serverEnv(dir, addr, slackURL)), files(nil))
	if err != nil {
		return Config{}, err
	}
	if cfg.Mode() != ModeHTTP {
		return Config{}, fmt.Errorf("mode %s, want http", cfg.Mode())
	}
	return cfg, nil
}

// slashForm is a /log slash command form as Slack sends it.
func slashForm(user, text, trigger, responseURL string) string {
	return url.Values{
		"team_id":      {loadWorkspace},
		"user_id":      {user},
		"user_name":    {strings.ToLower(user)},
		"channel_id":   {"C1"},
		"command":      {"/log"},
		"text":         {text},
		"response_url": {responseURL},
		"trigger_id":   {trigger},
	}.Encode()
}

// signedRequest signs body with Slack's v0 scheme, on its own: an HMAC
// SHA-256 of "v0:ts:body" with the signing secret.
func signedRequest(ctx context.Context, base, body string, now time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/slack/commands", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(loadSecret))
	_, _ = io.WriteString(mac, "v0:"+ts+":"+body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req, nil
}

// loadClient keeps connections alive and bounds every request.
func loadClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil, // loopback only, whatever the environment says
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     90 * time.Second,
		},
	}
}

// texts are what the simulated reps type; each parses in French.
var texts = []string{"3 rdv 1 offre", "5 calls 2 demos", "2 demos", "4 appels"}

// answer is how one request went.
type answer int

const (
	answerFailed   answer = iota // transport error or non-200
	answerRecorded               // 200, "✅ Noté…"
	answerSaving                 // 200, "⏳ Enregistrement…"
	answerOther                  // 200, anything else (a refusal, a failure message)
)

type result struct {
	User, Key string
	Sent      time.Duration // since the run's start
	Latency   time.Duration
	Answer    answer
	Status    int
	Err       error
	Text      string // the answer's text when answerOther, for the report
}

// acknowledged says the answer told the rep the entry is stored: a 200
// that is not "saving…".
func (r result) acknowledged() bool { return r.Answer == answerRecorded || r.Answer == answerOther }

// sendLog sends one signed /log and classifies the answer.
func sendLog(ctx context.Context, client *http.Client, base, hookBase, user, key, text string) result {
	res := result{User: user, Key: key}
	body := slashForm(user, text, key, hookBase+"/hook/"+key)
	start := time.Now()
	req, err := signedRequest(ctx, base, body, start)
	if err != nil {
		res.Err = err
		return res
	}
	resp, err := client.Do(req)
	if err != nil {
		res.Latency, res.Err = time.Since(start), err
		return res
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	res.Latency, res.Status = time.Since(start), resp.StatusCode
	if err != nil {
		res.Err = err
		return res
	}
	if resp.StatusCode != http.StatusOK {
		res.Err = fmt.Errorf("status %d", resp.StatusCode)
		return res
	}
	var msg struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		res.Err = fmt.Errorf("answer is not JSON: %w", err)
		return res
	}
	switch {
	case strings.HasPrefix(msg.Text, savingPrefix):
		res.Answer = answerSaving
	case strings.HasPrefix(msg.Text, recordedPrefix):
		res.Answer = answerRecorded
	default:
		res.Answer, res.Text = answerOther, msg.Text
	}
	return res
}

// openLoop sends rate signed /log per second for dur, each on its own
// goroutine, whatever the answers' latency, and returns every result.
// It stops early when ctx is done (the requests in flight then fail).
// Bounded: rate×dur requests, each within the client's timeout.
// sendDur is how long sending took (the offered rate is len(results) /
// sendDur), elapsed until the last answer.
func openLoop(ctx context.Context, client *http.Client, base, hookBase, prefix string, rate int, dur time.Duration, reps int) (results []result, sendDur, elapsed time.Duration) {
	total := int(float64(rate) * dur.Seconds())
	results = make([]result, total)
	interval := time.Second / time.Duration(rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var wg sync.WaitGroup
	start := time.Now()
	next := 0
send:
	for next < total {
		select {
		case <-ctx.Done():
			break send
		case <-tick.C:
		}
		// A ticker drops ticks when the sender falls behind; launching
		// whatever is due keeps the rate.
		due := min(total, int(time.Since(start)/interval)+1)
		for ; next < due; next++ {
			i := next
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := prefix + strconv.Itoa(i)
				sent := time.Since(start)
				results[i] = sendLog(ctx, client, base, hookBase, repID(i%reps), key, texts[i%len(texts)])
				results[i].Sent = sent
			}()
		}
	}
	sendDur = time.Since(start)
	wg.Wait()
	return results[:next], sendDur, time.Since(start)
}

// latencyStats are the percentiles of a run.
type latencyStats struct {
	N                       int
	P50, P99, P999, Max     time.Duration
	Failed, Saving, Other   int
	Recorded, Acknowledged  int
	FirstErr, FirstOther    string
	SlowestKey, SlowestUser string
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func summarize(rs []result) latencyStats {
	s := latencyStats{N: len(rs)}
	lat := make([]time.Duration, 0, len(rs))
	for _, r := range rs {
		lat = append(lat, r.Latency)
		if r.Latency >= s.Max {
			s.Max, s.SlowestKey, s.SlowestUser = r.Latency, r.Key, r.User
		}
		switch {
		case r.Err != nil:
			s.Failed++
			if s.FirstErr == "" {
				s.FirstErr = r.Err.Error()
			}
			continue
		case r.Answer == answerSaving:
			s.Saving++
		case r.Answer == answerRecorded:
			s.Recorded++
		case r.Answer == answerOther:
			s.Other++
			if s.FirstOther == "" {
				s.FirstOther = r.Text
			}
		}
		if r.acknowledged() {
			s.Acknowledged++
		}
	}
	slices.Sort(lat)
	s.P50, s.P99, s.P999 = percentile(lat, 0.50), percentile(lat, 0.99), percentile(lat, 0.999)
	return s
}

// p99BySecond is the p99 of the requests sent in each second of a run,
// in whole milliseconds: it shows whether latency builds up.
func p99BySecond(rs []result) string {
	var buckets [][]time.Duration
	for _, r := range rs {
		b := int(r.Sent / time.Second)
		for len(buckets) <= b {
			buckets = append(buckets, nil)
		}
		buckets[b] = append(buckets[b], r.Latency)
	}
	parts := make([]string, len(buckets))
	for i, b := range buckets {
		slices.Sort(b)
		parts[i] = strconv.FormatInt(percentile(b, 0.99).Milliseconds(), 10)
	}
	return strings.Join(parts, ",") + "ms"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// prefill imports n past check-ins into the store in dir: spread over
// reps reps and the 540 days before the current week (Europe/Paris), so
// they sit in many monthly partitions, the current month's among them,
// but never in the week the load writes to. Deterministic.
func prefill(t testing.TB, dir string, n, reps int, seed uint64) time.Duration {
	t.Helper()
	if n == 0 {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	store, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("prefill: open: %v", err)
	}
	monday, _ := kpi.WeekOf(kpi.DateOf(time.Now().In(paris)))
	lastDay := monday.AddDays(-1)
	r := rand.New(rand.NewPCG(seed, 0x6b7069))
	weekStart := func(day string) string {
		d, err := kpi.ParseDate(day)
		if err != nil {
			panic(err) // the days below are well-formed
		}
		m, _ := kpi.WeekOf(d)
		return m.String()
	}
	const chunk = 10000
	batch := make([]storage.CheckIn, 0, chunk)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		got, err := store.ImportCheckIns(ctx, batch, weekStart)
		if err != nil {
			t.Fatalf("prefill: import: %v", err)
		}
		if got != len(batch) {
			t.Fatalf("prefill: imported %d of %d", got, len(batch))
		}
		batch = batch[:0]
	}
	// History is written in the order it happens, oldest first, as a
	// store that has run for 18 months holds it: past weeks were last
	// changed long ago, and the journal since the last snapshot holds only
	// recent ones.
	back := make([]int, n)
	for i := range back {
		back[i] = r.IntN(540)
	}
	slices.SortFunc(back, func(a, b int) int { return b - a })
	for i := range n {
		day := lastDay.AddDays(-back[i])
		calls, meetings := 1+r.IntN(12), r.IntN(4)
		batch = append(batch, storage.CheckIn{
			Workspace: loadWorkspace,
			User:      repID(i % reps),
			Key:       fmt.Sprintf("hist-%d-%d", seed, i),
			Day:       day.String(),
			TZ:        "Europe/Paris",
			Raw:       fmt.Sprintf("%d appels %d rdv", calls, meetings),
			Counts:    map[string]int{string(kpi.Calls): calls, string(kpi.Meetings): meetings},
			Source:    "import",
			CreatedAt: day.In(paris).Add(18 * time.Hour),
		})
		if len(batch) == chunk {
			flush()
		}
	}
	flush()
	if err := store.Close(ctx); err != nil {
		t.Fatalf("prefill: close: %v", err)
	}
	return time.Since(start)
}

// storedEntries opens the store in dir and returns, for every rep, the
// keys of its stored entries, and how many entries there are in all.
func storedEntries(ctx context.Context, dir string, reps int) (keys map[string]string, total int, err error) {
	store, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err != nil {
		return nil, 0, err
	}
	defer func() {
		if cerr := store.Close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = cerr
		}
	}()
	keys = map[string]string{}
	// Ten years back, a year ahead: wider than any entry of the tests
	// (the store refuses a period of more than a century).
	now := time.Now().In(paris)
	from, to := now.AddDate(-10, 0, 0).Format(time.DateOnly), now.AddDate(1, 0, 0).Format(time.DateOnly)
	for i := range reps {
		cs, err := store.CheckIns(ctx, loadWorkspace, repID(i), from, to)
		if err != nil {
			return nil, 0, err
		}
		for _, c := range cs {
			keys[c.Key] = c.User
		}
		total += len(cs)
	}
	return keys, total, nil
}

// compareStored checks the results of a run against the stored keys.
// Acknowledged counts every 200 that is not "saving…"; of those not
// stored (under their user), Lost are the "✅ recorded" answers, a real
// loss, and Refused the other answers (a "busy" or a failure message,
// which promised nothing but still break stored == acknowledged).
// Phantom are stored entries of the run that no request explains
// (neither acknowledged, "saving…", nor failed on the client's side).
type storedCheck struct {
	Stored, Acknowledged, StoredOfSaving, StoredOfFailed int
	Lost, Refused, Phantom                               int
	FirstLost, FirstRefused                              string
}

func compareStored(rs []result, stored map[string]string, prefix string) storedCheck {
	var c storedCheck
	byKey := make(map[string]result, len(rs))
	for _, r := range rs {
		byKey[r.Key] = r
		if !r.acknowledged() || r.Err != nil {
			continue
		}
		c.Acknowledged++
		if stored[r.Key] == r.User {
			continue
		}
		if r.Answer == answerRecorded {
			c.Lost++
			if c.FirstLost == "" {
				c.FirstLost = r.User + " " + r.Key
			}
		} else {
			c.Refused++
			if c.FirstRefused == "" {
				c.FirstRefused = fmt.Sprintf("%s %s %q", r.User, r.Key, r.Text)
			}
		}
	}
	for k := range stored {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		c.Stored++
		r, ok := byKey[k]
		switch {
		case !ok:
			c.Phantom++
		case r.Err != nil:
			c.StoredOfFailed++
		case r.Answer == answerSaving:
			c.StoredOfSaving++
		}
	}
	return c
}

// boundedLog keeps the first lines a server logs and counts them all.
type boundedLog struct {
	mu    sync.Mutex
	lines []string
	n     int
	buf   bytes.Buffer
}

func (b *boundedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	for {
		line, err := b.buf.ReadString('\n')
		if err != nil {
			b.buf.Reset()
			b.buf.WriteString(line)
			break
		}
		b.n++
		if len(b.lines) < 10 {
			b.lines = append(b.lines, strings.TrimSpace(line))
		}
	}
	return len(p), nil
}

func (b *boundedLog) summary() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == 0 {
		return "no warnings"
	}
	return fmt.Sprintf("%d warning/error lines, first: %s", b.n, strings.Join(b.lines, " | "))
}

// inProcess is kpibot's Run serving HTTP in this process.
type inProcess struct {
	base    string
	startup time.Duration // from calling Run to the Listening callback
	cancel  context.CancelFunc
	done    chan error
	logs    *boundedLog
}

func startInProcess(t testing.TB, dir, slackURL string) *inProcess {
	t.Helper()
	cfg, err := serverConfig(dir, "127.0.0.1:0", slackURL)
	if err != nil {
		t.Fatal(err)
	}
	logs := &boundedLog{}
	ctx, cancel := context.WithCancel(context.Background())
	s := &inProcess{cancel: cancel, done: make(chan error, 1), logs: logs}
	listening := make(chan string, 1)
	stdio := IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard, Listening: func(a string) { listening <- a }}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	start := time.Now()
	go func() { s.done <- Run(ctx, cfg, nil, stdio, log) }()
	select {
	case addr := <-listening:
		s.startup = time.Since(start)
		s.base = "http://" + addr
	case err := <-s.done:
		cancel()
		t.Fatalf("Run ended before listening: %v (%s)", err, logs.summary())
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatalf("Run not listening after 2 minutes")
	}
	return s
}

// stop cancels Run and waits for it to return, in-flight commands done.
func (s *inProcess) stop() error {
	s.cancel()
	select {
	case err := <-s.done:
		return err
	case <-time.After(time.Minute):
		return errors.New("Run did not return within a minute of its context's end")
	}
}

// Child processes: the test binary re-executed on TestLoadChild.
const (
	childDirEnv   = "KPIBOT_LOADCHILD_DIR"
	childSlackEnv = "KPIBOT_LOADCHILD_SLACK"
	childAddrEnv  = "KPIBOT_LOADCHILD_ADDR"
	// The child ends on its own after this long, or when its stdin
	// closes (the parent died), whatever happens to the parent.
	childMaxLife = 15 * time.Minute
)

type child struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	base     string
	startup  time.Duration // exec to "LISTENING", as the parent sees it
	runStart time.Duration // Run to Listening, as the child reports it
	exited   chan error
	logPath  string
}

// startChild runs kpibot in a child process on dir and waits until it
// listens. An error means it did not start within the timeout.
func startChild(dir, slackURL, logPath string, timeout time.Duration) (*child, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadChild$", "-test.count=1", "-test.timeout="+(childMaxLife+time.Minute).String())
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir, childSlackEnv+"="+slackURL, childAddrEnv+"=127.0.0.1:0")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin, exited: make(chan error, 1), logPath: logPath}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if l := sc.Text(); !sent && strings.HasPrefix(l, "LISTENING ") {
				lines <- l
				sent = true
			}
		}
		c.exited <- cmd.Wait()
	}()
	select {
	case l := <-lines:
		c.startup = time.Since(start)
		f := strings.Fields(l)
		c.base = "http://" + f[1]
		if len(f) > 2 {
			c.runStart, _ = time.ParseDuration(strings.TrimPrefix(f[2], "run="))
		}
		return c, nil
	case err := <-c.exited:
		return nil, fmt.Errorf("child exited before listening: %v; log: %s", err, tail(logPath))
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-c.exited
		return nil, fmt.Errorf("child not listening after %v; log: %s", timeout, tail(logPath))
	}
}

// kill sends SIGKILL and waits for the child to be gone.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.exited
	c.stdin.Close()
}

// stop asks the child to end (SIGTERM, then stdin's end) and waits;
// past the timeout it is killed. It reports whether it ended by itself.
func (c *child) stop(timeout time.Duration) error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	c.stdin.Close()
	select {
	case err := <-c.exited:
		return err
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("child did not stop within %v of SIGTERM; killed", timeout)
	}
}

// rss reads VmRSS and VmHWM of pid from /proc (Linux), in MiB.
func rss(pid int) (rssMiB, hwmMiB float64, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	read := func(field string) float64 {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, field+":") {
				f := strings.Fields(l)
				if len(f) >= 2 {
					kb, _ := strconv.ParseFloat(f[1], 64)
					return kb / 1024
				}
			}
		}
		return math.NaN()
	}
	return read("VmRSS"), read("VmHWM"), nil
}

// tail is the end of a log file, for failure messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}
