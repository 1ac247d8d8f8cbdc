package kpi

// WeekOf returns the ISO week (Monday to Sunday) that contains d. Weeks
// start on Monday, as in France and in ISO 8601, whatever the locale.
func WeekOf(d Date) (monday, sunday Date) {
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	monday = d.AddDays(-back)
	return monday, monday.AddDays(6)
}
