package views

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gacharts "github.com/go-analyze/charts"
	"github.com/go-analyze/charts/chartdraw/drawing"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// decode checks that b is a PNG of w×h that is not a blank canvas, and
// returns it.
func decode(t testing.TB, b []byte, w, h int) image.Image {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("not a PNG: % x", b[:min(8, len(b))])
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	if got := img.Bounds().Size(); got.X != w || got.Y != h {
		t.Fatalf("size = %dx%d, want %dx%d", got.X, got.Y, w, h)
	}
	colors := map[[4]uint32]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 3 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 3 {
			r, g, b, a := img.At(x, y).RGBA()
			colors[[4]uint32{r, g, b, a}] = true
		}
	}
	if len(colors) < 10 { // text antialiasing alone gives dozens
		t.Fatalf("only %d colours: the chart looks blank", len(colors))
	}
	return img
}

func counts(calls, leads, meetings, proposals, signatures int) kpi.Totals {
	return kpi.Totals{Counts: map[kpi.Metric]int{
		kpi.Calls: calls, kpi.Leads: leads, kpi.Meetings: meetings,
		kpi.Proposals: proposals, kpi.Signatures: signatures,
	}}
}

var monday = kpi.Date{Year: 2026, Month: time.September, Day: 7}

// twelveWeeks has every rate well fed except week gapWeek, whose 3 calls
// are below kpi.DefaultMinEvents: calls→leads has no value that week.
const gapWeek = 4

func twelveWeeks() []ChartWeek {
	weeks := make([]ChartWeek, 12)
	for i := range weeks {
		t := counts(80+3*i, 9+i%4, 4+i%3, 5+i%2, 1+i%3)
		if i == gapWeek {
			t.Counts[kpi.Calls] = 3
		}
		weeks[i] = ChartWeek{Start: monday.AddDays(7 * i), Totals: t}
	}
	return weeks
}

func TestFunnel(t *testing.T) {
	for _, lang := range prompts.Langs {
		t.Run(string(lang), func(t *testing.T) {
			b, err := FunnelChart(lang, counts(420, 46, 15, 4, 1), "Équipe Ouest — semaine du 23 nov.")
			if err != nil {
				t.Fatal(err)
			}
			decode(t, b, 800, 480)
		})
	}
}

func TestFunnelEmpty(t *testing.T) {
	for _, tt := range []struct {
		name  string
		tot   kpi.Totals
		title string
	}{
		{"zero value", kpi.Totals{}, "Semaine vide"},
		{"zero counts", counts(0, 0, 0, 0, 0), "Semaine vide"},
		{"no title", kpi.Totals{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, lang := range prompts.Langs {
				b, err := FunnelChart(lang, tt.tot, tt.title)
				if err != nil {
					t.Fatalf("%s: %v", lang, err)
				}
				decode(t, b, 800, 480)
			}
		})
	}
}

func TestFunnelOddShapes(t *testing.T) {
	// Inbound leads beyond calls (rates above 100%, which kpi does not
	// clamp), a tallest bar that is not the first, and a single stage.
	for _, tot := range []kpi.Totals{counts(5, 100, 18, 100, 100), counts(0, 0, 0, 0, 7), counts(1_000_000, 3, 0, 0, 0)} {
		b, err := FunnelChart(prompts.English, tot, "odd")
		if err != nil {
			t.Fatal(err)
		}
		decode(t, b, 800, 480)
	}
}

func TestTrend(t *testing.T) {
	for _, lang := range prompts.Langs {
		t.Run(string(lang), func(t *testing.T) {
			b, err := TrendChart(lang, twelveWeeks(), "12 semaines")
			if err != nil {
				t.Fatal(err)
			}
			decode(t, b, 900, 480)
		})
	}
}

func TestTrendGap(t *testing.T) {
	d := trendData(prompts.French, twelveWeeks())
	if len(d.labels) != 12 || len(d.values) != 3 {
		t.Fatalf("got %d weeks, %d lines", len(d.labels), len(d.values))
	}
	if d.labels[0] != "lun. 7 sept." || d.labels[11] != "lun. 23 nov." {
		t.Errorf("labels = %q … %q", d.labels[0], d.labels[11])
	}
	if d.names[0] != "appels → leads" {
		t.Errorf("names[0] = %q", d.names[0])
	}
	null := gacharts.GetNullValue()
	for s, line := range d.values {
		for i, v := range line {
			wantGap := s == 0 && i == gapWeek
			if (v == null) != wantGap {
				t.Errorf("line %d week %d = %v, gap wanted: %v", s, i, v, wantGap)
			}
		}
	}
	if d.gaps != 1 || d.known != 35 {
		t.Errorf("gaps %d known %d, want 1 and 35", d.gaps, d.known)
	}
	// Values are percentages: week 0 has 9 leads for 80 calls.
	if got := d.values[0][0]; got != 100*9.0/80 {
		t.Errorf("calls→leads week 0 = %v, want 11.25", got)
	}
}

func TestTrendOrderAndLimit(t *testing.T) {
	weeks := twelveWeeks()
	weeks = append(weeks, ChartWeek{Start: monday.AddDays(-7), Totals: counts(50, 5, 5, 5, 5)})
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(weeks), func(i, j int) { weeks[i], weeks[j] = weeks[j], weeks[i] })
	d := trendData(prompts.English, weeks)
	want := trendData(prompts.English, twelveWeeks())
	if strings.Join(d.labels, "|") != strings.Join(want.labels, "|") {
		t.Fatalf("labels = %q\nwant     %q", d.labels, want.labels)
	}
	if d.labels[0] != "Mon 7 Sep" {
		t.Errorf("first label = %q", d.labels[0])
	}
	b, err := TrendChart(prompts.English, weeks, "13 weeks given")
	if err != nil {
		t.Fatal(err)
	}
	decode(t, b, 900, 480)
}

func TestTrendEmpty(t *testing.T) {
	lowData := make([]ChartWeek, 3) // weeks logged, but no rate has enough events
	for i := range lowData {
		lowData[i] = ChartWeek{Start: monday.AddDays(7 * i), Totals: counts(2, 1, 0, 1, 0)}
	}
	zeroRates := make([]ChartWeek, 2) // enough events, every rate 0%
	for i := range zeroRates {
		zeroRates[i] = ChartWeek{Start: monday.AddDays(7 * i), Totals: counts(40, 0, 6, 6, 0)}
	}
	cases := map[string][]ChartWeek{
		"nil":         nil,
		"empty":       {},
		"no totals":   {{Start: monday}},
		"low data":    lowData,
		"zero rates":  zeroRates,
		"single week": twelveWeeks()[:1],
	}
	for name, weeks := range cases {
		t.Run(name, func(t *testing.T) {
			for _, lang := range prompts.Langs {
				b, err := TrendChart(lang, weeks, "Tendance")
				if err != nil {
					t.Fatalf("%s: %v", lang, err)
				}
				decode(t, b, 900, 480)
			}
		})
	}
}

func TestUnknownLangFallsBackToFrench(t *testing.T) {
	if got := pct("de", 0.25); got != "25\u202f%" {
		t.Errorf("pct = %q", got)
	}
	if b, err := FunnelChart("de", counts(10, 5, 5, 5, 5), "x"); err != nil {
		t.Fatal(err)
	} else {
		decode(t, b, 800, 480)
	}
	if b, err := TrendChart("de", twelveWeeks(), "x"); err != nil {
		t.Fatal(err)
	} else {
		decode(t, b, 900, 480)
	}
}

// TestGlyphs checks that the library's embedded fonts have every character
// the charts write (accents, →, narrow no-break space, ·, —), so no label
// shows a missing-glyph box. Roboto, the default, has no arrow: the
// renderer takes it from its embedded fallbacks (drawing.FallbackFonts).
// No font is looked up on the system.
func TestGlyphs(t *testing.T) {
	var has []func(rune) bool
	for _, name := range append([]string{gacharts.FontFamilyRoboto}, drawing.FallbackFonts...) {
		f := gacharts.GetFont(name)
		if f == nil {
			t.Fatalf("embedded font %q missing", name)
		}
		has = append(has, func(r rune) bool { return f.Index(r) != 0 })
	}
	hasGlyph := func(r rune) bool {
		for _, h := range has {
			if h(r) {
				return true
			}
		}
		return false
	}
	var texts []string
	for _, lang := range prompts.Langs {
		for _, m := range funnelMetrics() {
			texts = append(texts, capitalize(prompts.MetricLabel(lang, m, 2)))
		}
		for _, s := range append(kpi.Stages, kpi.Overall) {
			texts = append(texts, stageLabel(lang, s))
		}
		for d := monday; d.Before(monday.AddDays(366)); d = d.AddDays(7) {
			texts = append(texts, prompts.Date(lang, d))
		}
		for _, k := range []string{"bench", "funnel.empty", "funnel.nodata", "trend.gap", "trend.nodata"} {
			texts = append(texts, phrase(lang, k))
		}
		texts = append(texts, pct(lang, 0.011), colon(lang), prompts.Text(lang, "kpi.nodata", nil),
			funnelSubtitle(lang, kpi.RateOf(counts(3, 1, 0, 0, 0), kpi.Overall, 0), 4, true))
	}
	texts = append(texts, "Équipe — semaine du 23 nov.")
	for _, s := range texts {
		for _, r := range s {
			if r != '\n' && !hasGlyph(r) {
				t.Errorf("no glyph for %q (U+%04X) in %q", r, r, s)
			}
		}
	}
}

// TestConcurrent renders from several goroutines, as a digest fan-out to
// many managers would; run with -race.
func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lang := prompts.Langs[i%len(prompts.Langs)]
			if _, err := FunnelChart(lang, counts(100+i, 10, 5, 5, 2), "c"); err != nil {
				errs <- err
			}
			if _, err := TrendChart(lang, twelveWeeks(), "c"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestWritePNG saves both charts under t.TempDir() and reads them back, as
// the console does with its chart folder.
func TestWritePNG(t *testing.T) {
	dir := t.TempDir()
	f, err := FunnelChart(prompts.French, counts(420, 46, 15, 4, 1), "Entonnoir")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := TrendChart(prompts.French, twelveWeeks(), "Tendance")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"funnel.png": f, "trend.png": tr} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Width < 800 || cfg.Height != 480 {
			t.Errorf("%s: %dx%d", name, cfg.Width, cfg.Height)
		}
	}
}

// BenchmarkDigestCharts renders both digest charts once per op.
func BenchmarkDigestCharts(b *testing.B) {
	tot := counts(4200, 460, 150, 40, 12)
	weeks := twelveWeeks()
	var size int
	for b.Loop() {
		f, err := FunnelChart(prompts.French, tot, "Équipe Ouest — semaine du 23 nov.")
		if err != nil {
			b.Fatal(err)
		}
		tr, err := TrendChart(prompts.French, weeks, "Tendance sur 12 semaines")
		if err != nil {
			b.Fatal(err)
		}
		size = len(f) + len(tr)
	}
	b.ReportMetric(float64(size), "png-bytes/op")
}
