package slackhttp

import (
	"crypto/hmac"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/internal/testkit"
)

// FuzzVerify feeds signature and timestamp headers to the verifier: it
// must accept only a request signed with the secret inside the window,
// spelled in any case, and each only once.
func FuzzVerify(f *testing.F) {
	now := time.Unix(docTimestamp, 0)
	good := hex.EncodeToString(sign([]byte(docSecret), strconv.Itoa(docTimestamp), []byte(docBody)))
	for _, s := range []struct{ sig, ts, body string }{
		{"v0=" + good, strconv.Itoa(docTimestamp), docBody},
		{"v0=" + strings.ToUpper(good), strconv.Itoa(docTimestamp), docBody},
		{"v0=" + good, strconv.Itoa(docTimestamp + 301), docBody},
		{"v0=" + good[:10], strconv.Itoa(docTimestamp), docBody},
		{"v1=" + good, strconv.Itoa(docTimestamp), docBody},
		{"v0=", "", ""},
		{"v0=zz", "-1", "x"},
		{"v0=" + good, "1531420618.5", docBody},
		{"v0=" + good, " 1531420618", docBody},
	} {
		f.Add(s.sig, s.ts, s.body)
	}
	f.Fuzz(func(t *testing.T, sig, ts, body string) {
		v := newVerifier(docSecret, func() time.Time { return now })
		h := http.Header{}
		h.Set("X-Slack-Signature", sig)
		h.Set("X-Slack-Request-Timestamp", ts)
		err := v.verify(h, []byte(body))
		if err != nil {
			if v.verify(h, []byte(body)) == nil {
				t.Fatal("a refused request was accepted the second time")
			}
			return
		}
		mac, derr := hex.DecodeString(strings.TrimPrefix(sig, "v0="))
		sec, perr := strconv.ParseInt(ts, 10, 64)
		if derr != nil || perr != nil || !hmac.Equal(mac, sign([]byte(docSecret), ts, []byte(body))) {
			t.Fatalf("accepted a request not signed with the secret: %q %q", sig, ts)
		}
		if d := now.Sub(time.Unix(sec, 0)); d > replayWindow || d < -replayWindow {
			t.Fatalf("accepted a timestamp %v away", d)
		}
		if v.verify(h, []byte(body)) == nil {
			t.Fatal("the same request was accepted twice")
		}
	})
}

// FuzzEvents posts signed bodies to the Events API URL: whatever they
// hold, the answer is a 200 or a 400, never a crash, and a URL check is
// answered with its challenge.
func FuzzEvents(f *testing.F) {
	for _, s := range []string{
		`{"token":"t","challenge":"abc","type":"url_verification"}`,
		`{"token":"t","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1700000000,"event":{"type":"app_home_opened","user":"U1","channel":"D1","tab":"home"}}`,
		`{"type":"event_callback","event":{"type":"user_change","user":{"id":"U1","tz":"Europe/Paris","profile":{"status_emoji":":palm_tree:"}}}}`,
		`{"type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820}`,
		`{"type":"event_callback","event":null}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev2","event":{"type":"app_uninstalled"}}`,
		`{"type":"event_callback","enterprise_id":"E1","event_id":"Ev3","event":{"type":"tokens_revoked","tokens":{"bot":["U1"]}}}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev4","event":{"type":"user_change","user":{"id":"U1","deleted":true,"profile":{"status_expiration":-1}}}}`,
		`{"type":1}`, `[]`, `null`, ``, `{"challenge":"<script>"}`,
	} {
		f.Add(s)
	}
	fx := newHTTPFixture(f, nil, nil)
	f.Fuzz(func(t *testing.T, body string) {
		w := httptest.NewRecorder()
		fx.handler.ServeHTTP(w, testkit.SignedRequest("/slack/events", body, testkit.TestSecret, fx.clk.Now()))
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest && w.Code != http.StatusUnauthorized {
			t.Fatalf("status %d for %q", w.Code, body)
		}
	})
}
