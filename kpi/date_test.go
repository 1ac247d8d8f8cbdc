package kpi

import (
	"testing"
	"time"
)

func TestDateOf(t *testing.T) {
	paris := loadZoneT(t, "Europe/Paris")
	tokyo := loadZoneT(t, "Asia/Tokyo")
	instant := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		want Date
	}{
		{name: "utc", t: instant, want: ymd(2026, time.November, 22)},
		{name: "paris is already the next day", t: instant.In(paris), want: ymd(2026, time.November, 23)},
		{name: "tokyo", t: instant.In(tokyo), want: ymd(2026, time.November, 23)},
		{name: "new york is behind", t: instant.In(loadZoneT(t, "America/New_York")), want: ymd(2026, time.November, 22)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DateOf(tc.t); got != tc.want {
				t.Errorf("DateOf(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{in: "2026-11-23", want: ymd(2026, time.November, 23)},
		{in: "2024-02-29", want: ymd(2024, time.February, 29)},
		{in: "2026-02-29", wantErr: true},
		{in: "2026-02-30", wantErr: true},
		{in: "2026-13-01", wantErr: true},
		{in: "2026-00-10", wantErr: true},
		{in: "2026-11-00", wantErr: true},
		{in: "2026-1-23", wantErr: true},
		{in: "26-11-23", wantErr: true},
		{in: "2026/11/23", wantErr: true},
		{in: "2026-11-23T10:00", wantErr: true},
		{in: "+026-11-23", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDate(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseDate(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseDate(%q) = %v, want %v", tc.in, got, tc.want)
			}
			if err == nil && got.String() != tc.in {
				t.Errorf("String() = %q, want the input back", got.String())
			}
		})
	}
}

func TestDateString(t *testing.T) {
	tests := []struct {
		d    Date
		want string
	}{
		{ymd(2026, time.November, 3), "2026-11-03"},
		{ymd(987, time.January, 1), "0987-01-01"},
		{Date{}, "0000-00-00"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.d.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		name string
		from Date
		n    int
		want Date
	}{
		{name: "zero", from: ymd(2026, time.November, 23), n: 0, want: ymd(2026, time.November, 23)},
		{name: "month end", from: ymd(2026, time.November, 30), n: 1, want: ymd(2026, time.December, 1)},
		{name: "year end", from: ymd(2026, time.December, 31), n: 1, want: ymd(2027, time.January, 1)},
		{name: "back over year start", from: ymd(2027, time.January, 1), n: -1, want: ymd(2026, time.December, 31)},
		{name: "leap day", from: ymd(2028, time.February, 28), n: 1, want: ymd(2028, time.February, 29)},
		{name: "no leap day", from: ymd(2026, time.February, 28), n: 1, want: ymd(2026, time.March, 1)},
		{name: "over DST start", from: ymd(2026, time.March, 28), n: 2, want: ymd(2026, time.March, 30)},
		{name: "90 days back", from: ymd(2026, time.November, 23), n: -90, want: ymd(2026, time.August, 25)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.from.AddDays(tc.n); got != tc.want {
				t.Errorf("%v.AddDays(%d) = %v, want %v", tc.from, tc.n, got, tc.want)
			}
		})
	}
}

func TestDaysSince(t *testing.T) {
	tests := []struct {
		name string
		a, b Date
		want int
	}{
		{name: "same day", a: ymd(2026, time.November, 23), b: ymd(2026, time.November, 23), want: 0},
		// Paris springs forward on 2026-03-29: that local day is 23 hours.
		{name: "across DST start", a: ymd(2026, time.March, 30), b: ymd(2026, time.March, 28), want: 2},
		// And falls back on 2026-10-25: a 25-hour day.
		{name: "across DST end", a: ymd(2026, time.October, 26), b: ymd(2026, time.October, 24), want: 2},
		{name: "negative", a: ymd(2026, time.October, 24), b: ymd(2026, time.October, 26), want: -2},
		{name: "across a leap year", a: ymd(2029, time.January, 1), b: ymd(2028, time.January, 1), want: 366},
		{name: "centuries apart", a: ymd(2400, time.January, 1), b: ymd(2000, time.January, 1), want: 146097},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.DaysSince(tc.b); got != tc.want {
				t.Errorf("%v.DaysSince(%v) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestDateIn(t *testing.T) {
	paris := loadZoneT(t, "Europe/Paris")
	tests := []struct {
		name string
		d    Date
		loc  *time.Location
		want time.Time
		// hours is the length of the local day, which shows DST was honoured.
		hours float64
	}{
		{name: "winter", d: ymd(2026, time.November, 23), loc: paris, want: time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC), hours: 24},
		{name: "DST start day is 23h", d: ymd(2026, time.March, 29), loc: paris, want: time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), hours: 23},
		{name: "DST end day is 25h", d: ymd(2026, time.October, 25), loc: paris, want: time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC), hours: 25},
		{name: "nil location is UTC", d: ymd(2026, time.November, 23), loc: nil, want: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), hours: 24},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.d.In(tc.loc)
			if !got.Equal(tc.want) {
				t.Errorf("In = %v, want %v", got, tc.want)
			}
			if back := DateOf(got); back != tc.d {
				t.Errorf("DateOf(In) = %v, want %v", back, tc.d)
			}
			next := tc.d.AddDays(1).In(tc.loc)
			if h := next.Sub(got).Hours(); h != tc.hours {
				t.Errorf("local day lasts %vh, want %vh", h, tc.hours)
			}
		})
	}
}

func TestDateCompareWeekdayZero(t *testing.T) {
	a, b := ymd(2026, time.November, 23), ymd(2026, time.December, 1)
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"a before b", a.Before(b), true},
		{"b before a", b.Before(a), false},
		{"a after b", a.After(b), false},
		{"b after a", b.After(a), true},
		{"not before itself", a.Before(a), false},
		{"not after itself", a.After(a), false},
		{"year wins over month", ymd(2025, time.December, 31).Before(ymd(2026, time.January, 1)), true},
		{"monday", a.Weekday() == time.Monday, true},
		{"zero", Date{}.IsZero(), true},
		{"not zero", a.IsZero(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}
