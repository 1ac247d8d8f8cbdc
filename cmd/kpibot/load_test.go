//go:build loadtest

package main

// Load, latency and crash-safety tests of the whole server on the
// embedded journaled store, over loopback. Behind the loadtest build tag:
//
//	make loadtest   # TestLoadEmbedded and TestLatencyByHistory
//	make crashtest  # TestCrashSafety
//
// Settings: KPIBOT_LOAD_RATE (800 /s), KPIBOT_LOAD_SECONDS (10),
// KPIBOT_LOAD_HISTORY (0; a comma list such as 0,50000 runs each),
// KPIBOT_LATENCY_REQUESTS (300), KPIBOT_CRASH_ROUNDS (20),
// KPIBOT_CRASH_RATE (400 /s), KPIBOT_CRASH_SEED (1), and
// KPIBOT_LOAD_CPUPROFILE (a file prefix: a CPU profile of each
// TestLoadEmbedded load phase, without the prefill), and
// KPIBOT_LOAD_P99_MS (100; 0 checks no latency).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// Targets from the issue.
const (
	targetP99        = 100 * time.Millisecond
	targetP50Ratio   = 1.5
	targetStartup100 = 5 * time.Second
)

// TestLoadEmbedded sends signed /log open-loop at a fixed rate to the
// real server (Run, HTTP mode, embedded store), then checks that every
// acknowledged entry is stored, and nothing else.
func TestLoadEmbedded(t *testing.T) {
	rate := envInt(t, "KPIBOT_LOAD_RATE", 800)
	secs := envInt(t, "KPIBOT_LOAD_SECONDS", 10)
	if rate == 0 || secs == 0 {
		t.Fatal("KPIBOT_LOAD_RATE and KPIBOT_LOAD_SECONDS must be positive")
	}
	for _, h := range envInts(t, "KPIBOT_LOAD_HISTORY", []int{0}) {
		t.Run("history="+strconv.Itoa(h), func(t *testing.T) { loadRun(t, rate, secs, h) })
	}
	// The in-process store is not reachable through Run, so the journal's
	// fsync figures come from a store of our own on the same disk.
	t.Run("journal", func(t *testing.T) { journalMicro(t, rate) })
}

func loadRun(t *testing.T, rate, secs, history int) {
	dir := t.TempDir()
	prefillDur := prefill(t, dir, history, loadReps, 1)
	slack := startFakeSlack(t)
	srv := startInProcess(t, dir, slack.URL())
	client := loadClient()
	defer client.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second+time.Minute)
	defer cancel()
	prefix := fmt.Sprintf("load-%d-", history)
	stopProfile := startCPUProfile(t, history)
	results, sendDur, elapsed := openLoop(ctx, client, srv.base, slack.URL(), prefix, rate, time.Duration(secs)*time.Second, loadReps)
	stopProfile()
	client.CloseIdleConnections()
	stopStart := time.Now()
	if err := srv.stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	stopDur := time.Since(stopStart)

	stored, total, err := storedEntries(ctx, dir, loadReps)
	if err != nil {
		t.Fatalf("reopening the store: %v", err)
	}
	s := summarize(results)
	c := compareStored(results, stored, prefix)
	answered := s.N - s.Failed
	t.Logf("history=%d rate=%d/s for %ds: sent %d in %v (offered %.0f/s), answered %d in %v (throughput %.0f/s); p50 %s p99 %s p99.9 %s max %s (p99 by second sent: %s); errors %d, saving… %d, acknowledged %d (recorded %d, other %d), stored %d (of saving… %d, of errors %d); acknowledged but not stored: %d recorded (lost), %d other (refused); phantom %d; history kept %d/%d; users.info %d, late posts %d; prefill %v, start-up %v, stop %v; server log: %s",
		history, rate, secs, s.N, sendDur.Round(time.Millisecond), float64(s.N)/sendDur.Seconds(), answered, elapsed.Round(time.Millisecond), float64(answered)/elapsed.Seconds(),
		ms(s.P50), ms(s.P99), ms(s.P999), ms(s.Max), p99BySecond(results),
		s.Failed, s.Saving, c.Acknowledged, s.Recorded, s.Other, c.Stored, c.StoredOfSaving, c.StoredOfFailed, c.Lost, c.Refused, c.Phantom,
		total-c.Stored, history, slack.userInfos.Load(), slack.hooks.Load(),
		prefillDur.Round(time.Millisecond), srv.startup.Round(time.Millisecond), stopDur.Round(time.Millisecond), srv.logs.summary())
	if s.Failed > 0 {
		t.Errorf("%d requests failed; first: %s", s.Failed, s.FirstErr)
	}
	if c.Lost > 0 {
		t.Errorf("%d acknowledged (✅) entries not stored; first: %s", c.Lost, c.FirstLost)
	}
	if c.Refused > 0 {
		t.Errorf("%d answers were 200 but neither recorded nor saving… (counted as acknowledged), and not stored; first: %s", c.Refused, c.FirstRefused)
	}
	if c.Phantom > 0 {
		t.Errorf("%d stored entries no request explains", c.Phantom)
	}
	if s.Saving == 0 && s.Failed == 0 && c.Stored != c.Acknowledged {
		t.Errorf("stored %d, acknowledged %d", c.Stored, c.Acknowledged)
	}
	if total-c.Stored != history {
		t.Errorf("history: %d entries stored besides the run's, want %d", total-c.Stored, history)
	}
	// CI's smoke run sets KPIBOT_LOAD_P99_MS=0: it checks that nothing is
	// lost, and prints the p99 of a machine it does not own.
	if target := time.Duration(envInt(t, "KPIBOT_LOAD_P99_MS", int(targetP99/time.Millisecond))) * time.Millisecond; target > 0 && s.P99 >= target {
		t.Errorf("p99 %s, target under %s (missed by %s)", ms(s.P99), ms(target), ms(s.P99-target))
	}
}

// startCPUProfile profiles the load phase alone (not the prefill) when
// KPIBOT_LOAD_CPUPROFILE names a file: it gets ".history=N" appended.
// The profile holds the server and the load generator, which share this
// process.
func startCPUProfile(t *testing.T, history int) (stop func()) {
	path := os.Getenv("KPIBOT_LOAD_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	path += ".history=" + strconv.Itoa(history)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		t.Fatalf("CPU profile: %v (not with go test -cpuprofile)", err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			t.Error(err)
		}
		t.Logf("CPU profile of the load phase: %s", path)
	}
}

// journalMicro measures the journal's fsyncs on a store opened here,
// on the disk the tests use: one writer at a time (an fsync per write),
// then writers at rate per second for two seconds (group commit).
func journalMicro(t *testing.T, rate int) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store, err := storage.Open(ctx, storage.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(context.WithoutCancel(ctx))
	today := kpi.DateOf(time.Now().In(paris))
	monday, _ := kpi.WeekOf(today)
	save := func(i int) (time.Duration, error) {
		start := time.Now()
		_, _, _, err := store.SaveCheckIn(ctx, storage.CheckIn{
			Workspace: loadWorkspace, User: repID(i % loadReps), Key: "micro-" + strconv.Itoa(i), Day: today.String(), TZ: "Europe/Paris",
			Raw: "3 rdv 1 offre", Counts: map[string]int{string(kpi.Meetings): 3, string(kpi.Proposals): 1}, Source: "micro", CreatedAt: time.Now(),
		}, monday.String(), kpi.MaxPerMetric)
		return time.Since(start), err
	}
	before, ok := store.JournalStats()
	if !ok {
		t.Fatal("no journal stats on the embedded store")
	}
	const sequential = 200
	seqLat := make([]time.Duration, 0, sequential)
	for i := range sequential {
		d, err := save(i)
		if err != nil {
			t.Fatal(err)
		}
		seqLat = append(seqLat, d)
	}
	mid, _ := store.JournalStats()

	n := 2 * rate
	conLat := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	tick := time.NewTicker(interval)
	start := time.Now()
	for next := 0; next < n; {
		<-tick.C
		for due := min(n, int(time.Since(start)/interval)+1); next < due; next++ {
			i := next
			wg.Add(1)
			go func() {
				defer wg.Done()
				conLat[i], errs[i] = save(sequential + i)
			}()
		}
	}
	tick.Stop()
	wg.Wait()
	after, _ := store.JournalStats()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(seqLat)
	slices.Sort(conLat)
	mean := func(fa, fb uint64, ta, tb time.Duration) string {
		if fb == fa {
			return "n/a"
		}
		return ms((tb - ta) / time.Duration(fb-fa))
	}
	t.Logf("journal (a store of the test's own, same disk): sequential %d saves: %d fsyncs, mean fsync %s, save p50 %s p99 %s; at %d/s for 2s, %d saves: %d fsyncs (%.1f saves per fsync), mean fsync %s, save p50 %s p99 %s max %s; appends %d, %d bytes",
		sequential, mid.Fsyncs-before.Fsyncs, mean(before.Fsyncs, mid.Fsyncs, before.FsyncTime, mid.FsyncTime), ms(percentile(seqLat, 0.5)), ms(percentile(seqLat, 0.99)),
		rate, n, after.Fsyncs-mid.Fsyncs, float64(n)/float64(max(1, after.Fsyncs-mid.Fsyncs)), mean(mid.Fsyncs, after.Fsyncs, mid.FsyncTime, after.FsyncTime), ms(percentile(conLat, 0.5)), ms(percentile(conLat, 0.99)), ms(conLat[len(conLat)-1]),
		after.Stores-before.Stores, after.Bytes-before.Bytes)
}

// TestLatencyByHistory sends /log one at a time on stores prefilled with
// 0, 50k and 100k past check-ins: a /log must cost about the same
// whatever the history. It also reports start-up time and idle memory.
func TestLatencyByHistory(t *testing.T) {
	n := envInt(t, "KPIBOT_LATENCY_REQUESTS", 300)
	if n == 0 {
		t.Fatal("KPIBOT_LATENCY_REQUESTS must be positive")
	}
	const warmReps = 100
	type row struct {
		history       int
		p50, p99, max time.Duration
		startup       time.Duration
		rssMiB        float64
	}
	var rows []row
	for _, h := range []int{0, 50000, 100000} {
		dir := t.TempDir()
		prefillDur := prefill(t, dir, h, loadReps, 2)
		slack := startFakeSlack(t)
		runtime.GC()
		srv := startInProcess(t, dir, slack.URL())
		selfRSS, _, _ := rss(os.Getpid())
		client := loadClient()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		// One /log per rep first: users.info is then cached, and
		// connections are open, as in steady state.
		for i := range warmReps {
			if r := sendLog(ctx, client, srv.base, slack.URL(), repID(i), fmt.Sprintf("warm-%d-%d", h, i), texts[i%len(texts)]); r.Err != nil {
				t.Fatalf("warm-up: %v", r.Err)
			}
		}
		results := make([]result, 0, n)
		for i := range n {
			results = append(results, sendLog(ctx, client, srv.base, slack.URL(), repID(i%warmReps), fmt.Sprintf("seq-%d-%d", h, i), texts[i%len(texts)]))
		}
		cancel()
		client.CloseIdleConnections()
		if err := srv.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
		s := summarize(results)
		t.Logf("history=%d: %d sequential /log: p50 %s p99 %s max %s; errors %d, saving… %d, other %d; start-up (Run to Listening) %v; prefill %v; VmRSS after start-up %.0f MiB (in-process: includes the test's own memory and the prefill's garbage)",
			h, s.N, ms(s.P50), ms(s.P99), ms(s.Max), s.Failed, s.Saving, s.Other, srv.startup.Round(time.Millisecond), prefillDur.Round(time.Millisecond), selfRSS)
		if s.Failed > 0 || s.Other > 0 {
			t.Errorf("history=%d: %d failed, %d other answers; first: %s %q", h, s.Failed, s.Other, s.FirstErr, s.FirstOther)
		}
		rows = append(rows, row{h, s.P50, s.P99, s.Max, srv.startup, selfRSS})
	}
	r50, r100 := float64(rows[1].p50)/float64(rows[0].p50), float64(rows[2].p50)/float64(rows[0].p50)
	t.Logf("p50 ratio 50k/0 = %.2f, 100k/0 = %.2f (target ≤ %.1f); p99 ratio 50k/0 = %.2f, 100k/0 = %.2f; start-up at 100k %v (target < %v)",
		r50, r100, targetP50Ratio, float64(rows[1].p99)/float64(rows[0].p99), float64(rows[2].p99)/float64(rows[0].p99), rows[2].startup.Round(time.Millisecond), targetStartup100)

	// Idle memory, in a child process that holds nothing but the server:
	// one data directory grown to 10k, 50k then 100k check-ins.
	dir := t.TempDir()
	slack := startFakeSlack(t)
	have := 0
	for i, h := range []int{10000, 50000, 100000} {
		prefill(t, dir, h-have, loadReps, uint64(10+i))
		have = h
		c, err := startChild(dir, slack.URL(), filepath.Join(t.TempDir(), "child.log"), 2*time.Minute)
		if err != nil {
			t.Fatalf("history=%d: %v", h, err)
		}
		time.Sleep(2 * time.Second) // idle: start-up's garbage has had a GC cycle or two
		rssMiB, hwmMiB, err := rss(c.cmd.Process.Pid)
		stopErr := c.stop(30 * time.Second)
		if err != nil {
			t.Logf("history=%d: no RSS (%v)", h, err)
		} else {
			t.Logf("history=%d: child process idle after start-up: VmRSS %.0f MiB, VmHWM (peak) %.0f MiB; start-up %v (Run to Listening %v)",
				h, rssMiB, hwmMiB, c.startup.Round(time.Millisecond), c.runStart.Round(time.Millisecond))
		}
		if stopErr != nil {
			t.Errorf("history=%d: child: %v; log: %s", h, stopErr, tail(c.logPath))
		}
	}

	if r50 > targetP50Ratio || r100 > targetP50Ratio {
		t.Errorf("p50 grows with history: ×%.2f at 50k, ×%.2f at 100k (target ≤ %.1f)", r50, r100, targetP50Ratio)
	}
	if rows[2].startup >= targetStartup100 {
		t.Errorf("start-up at 100k %v, target under %v", rows[2].startup, targetStartup100)
	}
}

// TestCrashSafety kills the server (SIGKILL) under load, round after
// round on one data directory, and checks that it restarts and that no
// acknowledged check-in is lost.
func TestCrashSafety(t *testing.T) {
	rounds := envInt(t, "KPIBOT_CRASH_ROUNDS", 20)
	rate := envInt(t, "KPIBOT_CRASH_RATE", 400)
	seed := envInt(t, "KPIBOT_CRASH_SEED", 1)
	if rate == 0 {
		t.Fatal("KPIBOT_CRASH_RATE must be positive")
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x637261))
	dir := t.TempDir()
	logs := t.TempDir()
	slack := startFakeSlack(t)
	client := loadClient()
	defer client.CloseIdleConnections()

	var all []result // every request of every round
	var (
		totalAcked, lost, refused, failedRestarts, corrupted int
		maxRestart                                           time.Duration
		restarts                                             []time.Duration
	)
	for round := range rounds {
		c, err := startChild(dir, slack.URL(), filepath.Join(logs, fmt.Sprintf("round%02d-a.log", round)), time.Minute)
		if err != nil {
			t.Fatalf("round %d: the server did not start: %v", round, err)
		}
		delay := 500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond)))
		loadCtx, cancelLoad := context.WithTimeout(context.Background(), time.Minute)
		prefix := fmt.Sprintf("crash-%d-%d-", seed, round)
		type loadOut struct{ rs []result }
		out := make(chan loadOut, 1)
		go func() {
			rs, _, _ := openLoop(loadCtx, client, c.base, slack.URL(), prefix, rate, 3*time.Second, loadReps)
			out <- loadOut{rs}
		}()
		time.Sleep(delay)
		c.kill()
		cancelLoad()
		rs := (<-out).rs
		client.CloseIdleConnections()
		all = append(all, rs...)
		s := summarize(rs)

		restartLog := filepath.Join(logs, fmt.Sprintf("round%02d-b.log", round))
		r, err := startChild(dir, slack.URL(), restartLog, time.Minute)
		if err != nil {
			failedRestarts++
			t.Errorf("round %d: restart failed: %v", round, err)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if st, oerr := storage.Open(ctx, storage.Config{DataDir: dir}); oerr != nil {
				corrupted++
				t.Errorf("round %d: the store does not open either: %v", round, oerr)
			} else {
				_ = st.Close(ctx)
			}
			cancel()
			break
		}
		restarts = append(restarts, r.startup)
		maxRestart = max(maxRestart, r.startup)
		if err := r.stop(30 * time.Second); err != nil {
			t.Errorf("round %d: restarted server did not stop cleanly: %v; log: %s", round, err, tail(restartLog))
		}

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		stored, total, err := storedEntries(ctx, dir, loadReps)
		cancel()
		if err != nil {
			corrupted++
			t.Errorf("round %d: opening the store after the restart: %v", round, err)
			break
		}
		ck := compareStored(all, stored, fmt.Sprintf("crash-%d-", seed))
		acked := s.Acknowledged
		totalAcked += acked
		newLost, newRefused := ck.Lost-lost, ck.Refused-refused
		lost, refused = ck.Lost, ck.Refused
		t.Logf("round %d: killed after %v: sent %d, acknowledged %d (recorded %d, other %d), saving… %d, failed %d; restart %v (Run to Listening %v); store holds %d entries; acknowledged-but-lost so far %d (new %d), refused-and-not-stored so far %d, phantom %d",
			round, delay.Round(time.Millisecond), s.N, acked, s.Recorded, s.Other, s.Saving, s.Failed, r.startup.Round(time.Millisecond), r.runStart.Round(time.Millisecond), total, ck.Lost, newLost, ck.Refused, ck.Phantom)
		if newLost > 0 {
			t.Errorf("round %d: %d acknowledged (✅) entries lost; first: %s", round, newLost, ck.FirstLost)
		}
		if newRefused > 0 {
			t.Errorf("round %d: %d answers 200 but neither recorded nor saving… (counted as acknowledged), not stored; first: %s", round, newRefused, ck.FirstRefused)
		}
		if ck.Phantom > 0 {
			t.Errorf("round %d: %d stored entries no request explains", round, ck.Phantom)
		}
	}
	slices.Sort(restarts)
	t.Logf("crash safety: %d rounds at %d/s, seed %d: acknowledged %d in all, lost %d, refused-and-not-stored %d, failed restarts %d, corrupted stores %d; restart time median %v, max %v",
		len(restarts), rate, seed, totalAcked, lost, refused, failedRestarts, corrupted, percentile(restarts, 0.5).Round(time.Millisecond), maxRestart.Round(time.Millisecond))
	if totalAcked == 0 {
		t.Errorf("no request was acknowledged: the test checked nothing")
	}
}

// TestLoadChild is the server of TestCrashSafety and of the memory
// figures of TestLatencyByHistory, in a process of its own: it runs only
// when they re-execute the test binary with its environment set, and
// serves until SIGTERM, its stdin's end, or childMaxLife.
func TestLoadChild(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Skip("the server process of TestCrashSafety and TestLatencyByHistory; it runs only under them")
	}
	cfg, err := serverConfig(dir, os.Getenv(childAddrEnv), os.Getenv(childSlackEnv))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, childMaxLife)
	defer cancel()
	go func() {
		// The parent holds our stdin open: its end means the parent is gone.
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	start := time.Now()
	listening := func(addr string) { fmt.Fprintf(os.Stdout, "LISTENING %s run=%s\n", addr, time.Since(start)) }
	if err := Run(ctx, cfg, nil, IO{In: strings.NewReader(""), Out: io.Discard, Err: os.Stderr, Listening: listening}, log); err != nil {
		t.Fatal(err)
	}
}
