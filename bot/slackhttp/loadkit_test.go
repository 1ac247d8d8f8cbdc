//go:build loadtest

package slackhttp

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/internal/testkit"
)

// openLoop sends total signed /log at rate a second, each from its own
// goroutine whatever the answers' pace (open loop), from reps simulated
// users, with response_url pointing at responseURL. It returns each
// request's time to its HTTP answer, its error, and the time it all took.
func openLoop(t *testing.T, client *http.Client, srv *httptest.Server, total, rate, reps int, trigger, responseURL string) ([]time.Duration, []error, time.Duration) {
	t.Helper()
	latencies := make([]time.Duration, total)
	errs := make([]error, total)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	for i := range total {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := testkit.SlashBody("U"+strconv.Itoa(i%reps), "3 rdv 1 offre", trigger+strconv.Itoa(i), responseURL)
			req := testkit.SignedRequest("/slack/commands", body, testkit.TestSecret, time.Now())
			req.RequestURI = ""
			u := *req.URL
			u.Scheme, u.Host = "http", srv.Listener.Addr().String()
			req.URL = &u
			sent := time.Now()
			resp, err := client.Do(req)
			latencies[i] = time.Since(sent)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = &statusError{resp.StatusCode}
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return latencies, errs, time.Since(start)
}
