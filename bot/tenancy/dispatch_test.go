package tenancy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
)

// What the bot dispatches on, read from its source so that a subcommand,
// a button or a modal added later is in the tenancy test's list at once,
// and fails it until the test tries it across workspaces.

// clause is one branch of a dispatcher: its key (the first word it takes,
// and what else it looks at, e.g. "team min"), and every word it takes.
type clause struct {
	key   string
	words []string
}

// parseBot parses one of package bot's files.
func parseBot(t *testing.T, rel string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(testkit.ModuleRoot(t), rel), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func funcDecl(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name {
			return fd
		}
	}
	return nil
}

// stringLits lists the string literals under n.
func stringLits(n ast.Node) []string {
	var out []string
	ast.Inspect(n, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, _ := strconv.Unquote(lit.Value)
			out = append(out, s)
		}
		return true
	})
	return out
}

// conjuncts flattens a && b && c.
func conjuncts(e ast.Expr) []ast.Expr {
	e = ast.Unparen(e)
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.LAND {
		return append(conjuncts(b.X), conjuncts(b.Y)...)
	}
	return []ast.Expr{e}
}

func mentions(e ast.Node, ident string) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == ident {
			found = true
		}
		return !found
	})
	return found
}

// kpiClauses reads (*Handler).kpi's switch: each case's words are the
// literals compared with sub, or those of the isX(sub) it calls; its key
// adds the other literals and is* calls of the case (team min, team
// isTeamAdmin, settings slack).
func kpiClauses(t *testing.T) []clause {
	f := parseBot(t, "bot/kpi.go")
	fd := funcDecl(f, "kpi")
	if fd == nil {
		t.Fatal("no (*Handler).kpi in bot/kpi.go")
	}
	var sw *ast.SwitchStmt
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if s, ok := n.(*ast.SwitchStmt); ok && s.Tag == nil && sw == nil {
			sw = s
		}
		return sw == nil
	})
	if sw == nil {
		t.Fatal("no switch in (*Handler).kpi")
	}
	var out []clause
	for _, st := range sw.Body.List {
		cc := st.(*ast.CaseClause)
		if len(cc.List) == 0 {
			continue
		}
		var c clause
		var quals []string
		for _, part := range conjuncts(cc.List[0]) {
			if !mentions(part, "sub") {
				quals = append(quals, stringLits(part)...)
				ast.Inspect(part, func(n ast.Node) bool {
					if call, ok := n.(*ast.CallExpr); ok {
						if id, ok := call.Fun.(*ast.Ident); ok && strings.HasPrefix(id.Name, "is") {
							quals = append(quals, id.Name)
						}
					}
					return true
				})
				continue
			}
			ast.Inspect(part, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BinaryExpr:
					if id, ok := n.X.(*ast.Ident); ok && id.Name == "sub" && n.Op == token.EQL {
						c.words = append(c.words, stringLits(n.Y)...)
					}
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && len(n.Args) == 1 && mentions(n.Args[0], "sub") {
						if is := funcDecl(f, id.Name); is != nil {
							c.words = append(c.words, stringLits(is.Body)...)
						}
					}
				}
				return true
			})
		}
		if len(c.words) == 0 {
			t.Fatalf("a case of (*Handler).kpi names no subcommand: %v", stringLits(cc.List[0]))
		}
		c.key = strings.Join(append([]string{c.words[0]}, quals...), " ")
		out = append(out, c)
	}
	return out
}

// logClauses reads logVerb's switch: each case's words, keyed by its first
// non-empty one; "" is /log alone, the default a text to record.
func logClauses(t *testing.T) []clause {
	f := parseBot(t, "bot/checkins.go")
	fd := funcDecl(f, "logVerb")
	if fd == nil {
		t.Fatal("no logVerb in bot/checkins.go")
	}
	var out []clause
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		cc, ok := n.(*ast.CaseClause)
		if !ok {
			return true
		}
		var c clause
		for _, e := range cc.List {
			c.words = append(c.words, stringLits(e)...)
		}
		for _, w := range c.words {
			if w != "" {
				c.key = w
				break
			}
		}
		out = append(out, c)
		return true
	})
	return append(out, clause{key: "<text>"})
}

// viewsConsts reads package views' string constants whose name starts or
// ends with affix: every action ID (Action…) and modal (…Callback).
func viewsConsts(t *testing.T, prefix, suffix string) map[string]string {
	dir := filepath.Join(testkit.ModuleRoot(t), "bot", "views")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		constsOf(parseBot(t, filepath.Join("bot", "views", e.Name())), prefix, suffix, out)
	}
	if len(out) == 0 {
		t.Fatalf("no constant %s…%s in bot/views", prefix, suffix)
	}
	return out
}

// constsOf adds f's exported string constants named prefix…suffix to out.
func constsOf(f *ast.File, prefix, suffix string, out map[string]string) {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, id := range vs.Names {
				if !id.IsExported() || !strings.HasPrefix(id.Name, prefix) || !strings.HasSuffix(id.Name, suffix) || i >= len(vs.Values) {
					continue
				}
				if lits := stringLits(vs.Values[i]); len(lits) == 1 {
					out[id.Name] = lits[0]
				}
			}
		}
	}
}

// covered fails the test for each key of want that tried lacks, and for
// each key of tried that is no longer dispatched (the list must follow
// the code both ways).
func covered(t *testing.T, what string, want []string, tried []string) {
	t.Helper()
	for _, k := range want {
		if !slices.Contains(tried, k) {
			t.Errorf("%s %q is not tried across workspaces: add it to the tenancy test", what, k)
		}
	}
	for _, k := range tried {
		if !slices.Contains(want, k) {
			t.Errorf("the tenancy test tries %s %q, which the code no longer has", what, k)
		}
	}
}

func TestDispatchersAreRead(t *testing.T) {
	var keys []string
	for _, c := range kpiClauses(t) {
		keys = append(keys, c.key)
	}
	for _, want := range []string{"me", "team min", "export", "settings slack", "team isTeamAdmin", "team", "words"} {
		if !slices.Contains(keys, want) {
			t.Errorf("/kpi clauses %q lack %q", keys, want)
		}
	}
	var logKeys []string
	for _, c := range logClauses(t) {
		logKeys = append(logKeys, c.key)
	}
	if !slices.Contains(logKeys, "rm") || !slices.Contains(logKeys, "help") || !slices.Contains(logKeys, "<text>") {
		t.Errorf("/log clauses %q", logKeys)
	}
	t.Logf("/kpi %q\n/log %q", keys, logKeys)
	if a := viewsConsts(t, "Action", ""); a["ActionEntryDelete"] != "entry_delete" {
		t.Errorf("actions %v", a)
	}
	if c := viewsConsts(t, "", "Callback"); c["CheckInCallback"] != "checkin" {
		t.Errorf("callbacks %v", c)
	}
}

// caseNames lists the names in the cases of fn's switches (views.ActionX
// gives ActionX), and fails for a case that is a bare string: a button,
// modal or event dispatched on a literal would escape the lists above.
func caseNames(t *testing.T, rel, fn string) []string {
	t.Helper()
	fd := funcDecl(parseBot(t, rel), fn)
	if fd == nil {
		t.Fatalf("no %s in %s", fn, rel)
	}
	var out []string
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		cc, ok := n.(*ast.CaseClause)
		if !ok {
			return true
		}
		for _, e := range cc.List {
			switch e := e.(type) {
			case *ast.SelectorExpr:
				out = append(out, e.Sel.Name)
			case *ast.Ident:
				out = append(out, e.Name)
			case *ast.BasicLit:
				t.Errorf("%s dispatches on the literal %s: name it with a constant, which the tenancy test reads", fn, e.Value)
			}
		}
		return true
	})
	return out
}

// Every button, modal and event the bot dispatches is one the tenancy
// test enumerates: a views constant, or bot.HandledEvents.
func TestEveryDispatchedIDIsEnumerated(t *testing.T) {
	actions, callbacks := viewsConsts(t, "Action", ""), viewsConsts(t, "", "Callback")
	for _, name := range caseNames(t, "bot/interactions.go", "blockActions") {
		if _, ok := actions[name]; !ok {
			t.Errorf("blockActions dispatches %s, not an Action… constant of bot/views", name)
		}
	}
	for _, name := range caseNames(t, "bot/interactions.go", "interact") {
		if _, ok := callbacks[name]; !ok && !strings.HasPrefix(name, "InteractionType") {
			t.Errorf("interact dispatches %s, not a …Callback constant of bot/views", name)
		}
	}
	events := map[string]string{}
	constsOf(parseBot(t, "bot/events.go"), "Event", "", events)
	for _, name := range caseNames(t, "bot/events.go", "action") {
		if !slices.Contains(bot.HandledEvents(), events[name]) {
			t.Errorf("events.action handles %s (%q), which bot.HandledEvents does not list", name, events[name])
		}
	}
}
