package slackhttp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// replayWindow is Slack's documented tolerance for request timestamps.
const replayWindow = 5 * time.Minute

// errUnverified covers every reason a request is refused. Callers answer a
// bare 401 whatever the reason, so that nothing about the expected
// signature leaks back.
var errUnverified = errors.New("bot: request not verified")

// verifier checks Slack's v0 request signatures. It does what
// slack.NewSecretsVerifier does, with an injectable clock (the documented
// test vector is from 2018) and a memory of signatures already seen, so a
// captured request cannot be replayed inside the window either.
type verifier struct {
	secret []byte
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]struct{}
	// order holds seen signatures by arrival, so expired ones are dropped
	// from the front without scanning the whole map on each request.
	order []seenSig
}

type seenSig struct {
	sig   string    // the decoded MAC
	until time.Time // when the timestamp leaves the window anyway
}

func newVerifier(secret string, now func() time.Time) *verifier {
	return &verifier{secret: []byte(secret), now: now, seen: map[string]struct{}{}}
}

// verify checks the signature of body under header's timestamp, and records
// it so the same request is refused if it comes again.
func (v *verifier) verify(header http.Header, body []byte) error {
	sig, ok := strings.CutPrefix(header.Get("X-Slack-Signature"), "v0=")
	ts := header.Get("X-Slack-Request-Timestamp")
	if !ok || ts == "" || len(v.secret) == 0 {
		return errUnverified
	}
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return errUnverified
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errUnverified
	}
	now := v.now()
	sent := time.Unix(sec, 0)
	if now.Sub(sent).Abs() > replayWindow {
		return errUnverified
	}
	if !hmac.Equal(got, sign(v.secret, ts, body)) {
		return errUnverified
	}

	// Remember the MAC itself, not the header's spelling of it: hex decodes
	// upper, lower and mixed case alike, so the same signed request
	// re-cased must still count as seen.
	mac := string(got)
	v.mu.Lock()
	defer v.mu.Unlock()
	for len(v.order) > 0 && now.After(v.order[0].until) {
		delete(v.seen, v.order[0].sig)
		v.order = v.order[1:]
	}
	if _, replayed := v.seen[mac]; replayed {
		return errUnverified
	}
	v.seen[mac] = struct{}{}
	v.order = append(v.order, seenSig{sig: mac, until: sent.Add(replayWindow)})
	return nil
}

// sign computes Slack's v0 signature: HMAC-SHA256 over "v0:ts:body".
func sign(secret []byte, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}
