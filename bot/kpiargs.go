package bot

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/kpibot/kpibot/bot/views"
)

// splitArgs splits a command's text on spaces, keeping quoted parts
// ("…", “…” or «…») together, as people type an alert's action.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	var closing rune
	inToken := false
	flush := func() {
		if inToken {
			out = append(out, cur.String())
			cur.Reset()
			inToken = false
		}
	}
	for _, r := range s {
		switch {
		case closing != 0 && r == closing:
			closing = 0
		case closing != 0:
			cur.WriteRune(r)
		case r == '"' || r == '“' || r == '«':
			closing = map[rune]rune{'"': '"', '“': '”', '«': '»'}[r]
			inToken = true
		case unicode.IsSpace(r):
			flush()
		default:
			cur.WriteRune(r)
			inToken = true
		}
	}
	flush()
	return out
}

var (
	slackUser    = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)
	slackChannel = regexp.MustCompile(`^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$`)
)

// userArg resolves a mention: Slack sends <@U123|name> for commands that
// escape mentions; the console takes @name.
func userArg(cmd Command, tok string) (string, bool) {
	if m := slackUser.FindStringSubmatch(tok); m != nil {
		return m[1], true
	}
	if cmd.Source == "console" {
		if name, ok := strings.CutPrefix(tok, "@"); ok && name != "" {
			return views.ConsolePrefix + name, true
		}
	}
	return "", false
}

// channelArg resolves a channel: <#C123|name> from Slack, #name in the console.
func channelArg(cmd Command, tok string) (string, bool) {
	if m := slackChannel.FindStringSubmatch(tok); m != nil {
		return m[1], true
	}
	if cmd.Source == "console" {
		if name, ok := strings.CutPrefix(tok, "#"); ok && name != "" {
			return name, true
		}
	}
	return "", false
}

// parseAmount reads a target or a threshold: "5", "12.5", "12,5", "50k",
// "50k€", "30%". percent reports a trailing %.
func parseAmount(tok string) (v float64, percent bool, ok bool) {
	s := strings.TrimSpace(strings.ToLower(tok))
	s = strings.NewReplacer("€", "", "$", "", "eur", "", "\u00a0", "", "\u202f", "").Replace(s)
	if p, found := strings.CutSuffix(s, "%"); found {
		s, percent = p, true
	}
	mult := 1.0
	if p, found := strings.CutSuffix(s, "k"); found {
		s, mult = p, 1000
	}
	s = strings.Replace(s, ",", ".", 1)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || s == "" || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, false
	}
	return f * mult, percent, true
}
