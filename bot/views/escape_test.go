package views

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"rappeler les *leads chauds* _vite_", "rappeler les ∗leads chauds∗ ˍviteˍ"},
		{"<@U123> & <!channel>", "&lt;@U123&gt; &amp; &lt;!channel&gt;"},
		{"~barré~ et `code`", "∼barré∼ et ˋcodeˋ"},
		{"ligne 1\n> ligne 2\r\n• 3", "ligne 1 &gt; ligne 2 • 3"},
		{"jean_dupont", "jeanˍdupont"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A terminal shows escaped text as it was typed, and mrkdwn as Slack's
// reader sees it: code verbatim, emphasis without its markers.
func TestUnemphasise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*Tes chiffres* — _vite_", "Tes chiffres — vite"},
		{"`/kpi ritual set digest 0 8 * * 1`", "/kpi ritual set digest 0 8 * * 1"},
		{"*gras* `a_b_c` ~barré~", "gras a_b_c barré"},
		{"SLACK_BOT_TOKEN (America/New_York)", "SLACK_BOT_TOKEN (America/New_York)"},
		{"📝 " + Escape("le *client* <X> & _co_"), "📝 le *client* <X> & _co_"},
		{"`offre&gt;signature`", "offre>signature"},
		{"un ` seul", "un ` seul"},
		{"```\nbloc * _\n```", "\nbloc * _\n"},
	}
	for _, tt := range tests {
		if got := Unemphasise(tt.in); got != tt.want {
			t.Errorf("Unemphasise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// spans pairs mrkdwn markers the most permissive way: any two identical
// markers on a line make a span, wherever they stand. Escaped text must
// not change that pairing under any model, so the permissive one is the
// strictest test.
func spans(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		open := map[rune]int{}
		for i, r := range line {
			if !strings.ContainsRune("*_~`", r) {
				continue
			}
			if start, ok := open[r]; ok {
				out = append(out, line[start:i+1])
				delete(open, r)
				continue
			}
			open[r] = i
		}
	}
	return out
}

var entity = regexp.MustCompile(`&(amp|lt|gt);`)

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"rappeler les *leads chauds* _vite_", "<@U123>", "a & b", "`x`", "~x~", "ligne\n> quote", "*", "_a", "∗", "&amp;"} {
		f.Add(s)
	}
	frame := func(inner string) string { return "*Action :* " + inner + " _(équipe)_ `code` ~fin~" }
	want := spans(frame(""))
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if got := spans(frame(e)); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("Escape(%q) = %q changes the formatting around it: %q, want %q", s, e, got, want)
		}
		if strings.ContainsAny(e, "<>\n\r") {
			t.Fatalf("Escape(%q) = %q keeps a control character", s, e)
		}
		if strings.Count(e, "&") != len(entity.FindAllString(e, -1)) {
			t.Fatalf("Escape(%q) = %q has a bare &", s, e)
		}
		// What the user typed reads back unchanged, line breaks aside.
		if utf8.ValidString(s) && !strings.ContainsAny(s, "∗ˍ∼ˋ") {
			typed := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
			if got := Unemphasise(e); got != typed {
				t.Fatalf("Unemphasise(Escape(%q)) = %q, want %q", s, got, typed)
			}
		}
	})
}
