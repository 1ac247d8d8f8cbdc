package slackhttp

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kpibot/kpibot/bot/internal/testkit"
)

// Slack's documented example, from "Verifying requests from Slack".
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = 1531420618
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)

func docHeader() http.Header {
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", strconv.Itoa(docTimestamp))
	h.Set("X-Slack-Signature", docSignature)
	return h
}

func TestVerifySlackDocumentedVector(t *testing.T) {
	at := time.Unix(docTimestamp, 0)
	if got := "v0=" + hex.EncodeToString(sign([]byte(docSecret), strconv.Itoa(docTimestamp), []byte(docBody))); got != docSignature {
		t.Fatalf("sign = %s, want %s", got, docSignature)
	}
	tests := []struct {
		name   string
		now    time.Time
		header func() http.Header
		body   string
		ok     bool
	}{
		{"at its own timestamp", at, docHeader, docBody, true},
		{"4 minutes later", at.Add(4 * time.Minute), docHeader, docBody, true},
		{"6 minutes later", at.Add(6 * time.Minute), docHeader, docBody, false},
		{"6 minutes earlier", at.Add(-6 * time.Minute), docHeader, docBody, false},
		{"tampered body", at, docHeader, docBody + "x", false},
		{"unsigned", at, func() http.Header { h := docHeader(); h.Del("X-Slack-Signature"); return h }, docBody, false},
		{"no timestamp", at, func() http.Header { h := docHeader(); h.Del("X-Slack-Request-Timestamp"); return h }, docBody, false},
		{"timestamp moved", at, func() http.Header {
			h := docHeader()
			h.Set("X-Slack-Request-Timestamp", strconv.Itoa(docTimestamp+1))
			return h
		}, docBody, false},
		{"not v0", at, func() http.Header { h := docHeader(); h.Set("X-Slack-Signature", "v1="+docSignature[3:]); return h }, docBody, false},
		{"not hex", at, func() http.Header { h := docHeader(); h.Set("X-Slack-Signature", "v0=zz"); return h }, docBody, false},
		{"short", at, func() http.Header { h := docHeader(); h.Set("X-Slack-Signature", docSignature[:20]); return h }, docBody, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(docSecret, func() time.Time { return tt.now })
			err := v.verify(tt.header(), []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("verify = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestVerifyRefusesReplayInsideTheWindow(t *testing.T) {
	clk := testkit.NewClock(time.Unix(docTimestamp, 0))
	v := newVerifier(docSecret, clk.Now)
	if err := v.verify(docHeader(), []byte(docBody)); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(time.Minute))
	if err := v.verify(docHeader(), []byte(docBody)); err == nil {
		t.Fatal("the same signed request was accepted twice")
	}
	// Signatures seen long ago are forgotten, so memory stays bounded;
	// their timestamps are outside the window by then anyway.
	clk.Set(clk.Now().Add(10 * time.Minute))
	later := strconv.FormatInt(clk.Now().Unix(), 10)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", later)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(sign([]byte(docSecret), later, []byte(docBody))))
	if err := v.verify(h, []byte(docBody)); err != nil {
		t.Fatal(err)
	}
	if len(v.seen) != 1 || len(v.order) != 1 {
		t.Fatalf("verifier remembers %d signatures, want only the latest", len(v.seen))
	}
}

func TestVerifyWithoutSecretRefusesAll(t *testing.T) {
	v := newVerifier("", func() time.Time { return time.Unix(docTimestamp, 0) })
	if err := v.verify(docHeader(), []byte(docBody)); err == nil {
		t.Fatal("a verifier with no secret accepted a request")
	}
}

// The replay memory compared the header as sent, while its hex is decoded
// case-insensitively: the same captured request, re-cased, was accepted
// again. Every spelling of one MAC is one request.
func TestVerifyRefusesAReplayInAnyCase(t *testing.T) {
	at := time.Unix(docTimestamp, 0)
	hexSig := docSignature[3:]
	mixed := []byte(hexSig)
	for i := range mixed {
		if i%2 == 0 {
			mixed[i] = strings.ToUpper(string(mixed[i]))[0]
		}
	}
	variants := map[string]string{
		"as sent":     hexSig,
		"upper":       strings.ToUpper(hexSig),
		"mixed":       string(mixed),
		"other mixed": strings.ToUpper(hexSig[:32]) + hexSig[32:],
	}
	for first := range variants {
		t.Run("first "+first, func(t *testing.T) {
			v := newVerifier(docSecret, func() time.Time { return at })
			h := docHeader()
			h.Set("X-Slack-Signature", "v0="+variants[first])
			if err := v.verify(h, []byte(docBody)); err != nil {
				t.Fatalf("first delivery refused: %v", err)
			}
			for name, sig := range variants {
				h.Set("X-Slack-Signature", "v0="+sig)
				if err := v.verify(h, []byte(docBody)); err == nil {
					t.Errorf("replay spelled %s was accepted", name)
				}
			}
		})
	}
}
