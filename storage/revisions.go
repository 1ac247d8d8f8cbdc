package storage

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Revision is what an entry was before an edit: its values, raw text
// included, and when they were written.
type Revision struct {
	Rev           int            `bson:"rev"`
	Day           string         `bson:"day"`
	Raw           string         `bson:"raw"`
	Counts        map[string]int `bson:"counts"`
	RevenueCents  int64          `bson:"revenue_cents,omitempty"`
	HasRevenue    bool           `bson:"has_revenue,omitempty"`
	PipelineCents int64          `bson:"pipeline_cents,omitempty"`
	HasPipeline   bool           `bson:"has_pipeline,omitempty"`
	Currency      string         `bson:"currency,omitempty"`
	Note          string         `bson:"note,omitempty"`
	Source        string         `bson:"source,omitempty"`
	// At is when these values were written: logged, or edited.
	At time.Time `bson:"at"`
}

// revisionOf is c's current values, as the revision an edit keeps.
func revisionOf(c CheckIn) Revision {
	at := c.CreatedAt
	if c.EditedAt != nil {
		at = *c.EditedAt
	}
	return Revision{
		Rev: c.Rev, Day: c.Day, Raw: c.Raw, Counts: c.Counts,
		RevenueCents: c.RevenueCents, HasRevenue: c.HasRevenue, PipelineCents: c.PipelineCents, HasPipeline: c.HasPipeline,
		Currency: c.Currency, Note: c.Note, Source: c.Source, At: at,
	}
}

// Entry codes. An entry is named by a short code that people can type
// ("/log edit k3m9x"), and by a longer reference that buttons carry. Both
// are derived from the workspace and the entry's key, so they are never
// stored, they are the same on every replica and after a move to another
// week, and entries logged before codes existed have one too.
const (
	codeLen = 5
	refLen  = 13
)

// EntryCode is the short code of the entry stored under key.
func EntryCode(workspace, key string) string { return EntryRef(workspace, key)[:codeLen] }

// EntryRef is the long reference of the entry stored under key: what a
// button names, with no practical chance of two of a rep's entries
// sharing it.
func EntryRef(workspace, key string) string {
	sum := sha256.Sum256([]byte(keyID(workspace, key)))
	b := make([]byte, refLen)
	for i := range b {
		b[i] = codeAlphabet[int(sum[i])%len(codeAlphabet)]
	}
	return string(b)
}

// Code is c's short code.
func (c CheckIn) Code() string { return EntryCode(c.Workspace, c.Key) }

// Ref is c's long reference.
func (c CheckIn) Ref() string { return EntryRef(c.Workspace, c.Key) }

// ErrAmbiguous is returned when a short code names more than one of a
// rep's entries; the long reference of each tells them apart.
var ErrAmbiguous = errors.New("storage: the code names more than one entry")

// mondayOf is the Monday of the week of day, "2006-01-02": the week an
// entry of that day is stored in.
func mondayOf(day string) (string, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "", fmt.Errorf("storage: day %q: %w", day, err)
	}
	back := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -back).Format(time.DateOnly), nil
}

// UserCheckIns returns the user's entries whose day is within [from, to]
// (both "2006-01-02"), withdrawn ones included, newest day first and, in
// a day, the last logged first.
//
// An edit that moves an entry to another week writes the new week first
// and takes it out of the old one second; if the process died in between,
// both copies are there. Here the older revision is dropped from the
// answer and taken out of its week, so the move completes.
func (s *Store) UserCheckIns(ctx context.Context, workspace, user, from, to string) ([]CheckIn, error) {
	first, err := mondayOf(from)
	if err != nil {
		return nil, err
	}
	last, err := mondayOf(to)
	if err != nil {
		return nil, err
	}
	weeks, err := s.WeeksBetween(ctx, workspace, []string{user}, first, last)
	if err != nil {
		return nil, err
	}
	byKey := map[string]int{}
	var out []CheckIn
	for _, w := range weeks {
		for _, c := range w.Entries {
			if c.Day < from || c.Day > to {
				continue
			}
			c.Workspace, c.User = w.Workspace, w.User
			i, dup := byKey[c.Key]
			if !dup {
				byKey[c.Key] = len(out)
				out = append(out, c)
				continue
			}
			stale := c
			if c.Rev > out[i].Rev {
				out[i], stale = c, out[i]
			}
			s.completeMove(ctx, stale)
		}
	}
	slices.SortStableFunc(out, func(a, b CheckIn) int {
		return cmp.Or(strings.Compare(b.Day, a.Day), b.CreatedAt.Compare(a.CreatedAt))
	})
	return out, nil
}

// completeMove takes out of its week the stale copy of an entry whose
// move was interrupted. A failure is logged: the copy is dropped from
// answers anyway, and the next read tries again.
func (s *Store) completeMove(ctx context.Context, stale CheckIn) {
	start, err := mondayOf(stale.Day)
	if err == nil {
		err = s.pullEntry(ctx, stale, start)
	}
	if err != nil && !errors.Is(err, ErrStale) {
		s.log.Warn("storage: stale copy of a moved entry left in place", "err", err)
	}
}

// FindCheckIn returns the user's entry whose code or long reference is
// code, among the entries whose day is within [from, to], or ErrNotFound
// (which is also the answer for another user's code: it is never looked
// for among anyone else's entries), or ErrAmbiguous.
func (s *Store) FindCheckIn(ctx context.Context, workspace, user, code, from, to string) (CheckIn, error) {
	if len(code) != codeLen && len(code) != refLen {
		return CheckIn{}, ErrNotFound
	}
	all, err := s.UserCheckIns(ctx, workspace, user, from, to)
	if err != nil {
		return CheckIn{}, err
	}
	var found []CheckIn
	for _, c := range all {
		if strings.HasPrefix(c.Ref(), code) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return CheckIn{}, ErrNotFound
	case 1:
		return found[0], nil
	}
	return CheckIn{}, ErrAmbiguous
}

// liveAt matches, in a week's entries, the entry with key at revision rev
// that was not withdrawn.
func liveAt(key string, rev int) bson.D {
	m := bson.D{{Key: "key", Value: key}, {Key: "undone_at", Value: bson.D{{Key: "$exists", Value: false}}}}
	if rev == 0 {
		// A first revision stores no rev field at all.
		return append(m, bson.E{Key: "rev", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: 0}}}}})
	}
	return append(m, bson.E{Key: "rev", Value: rev})
}

// WithdrawCheckIn withdraws c, as read, and returns it marked: it is
// kept with its raw text and revisions, and counts no more. ErrStale
// says it changed since it was read (edited, or withdrawn already).
func (s *Store) WithdrawCheckIn(ctx context.Context, c CheckIn, at time.Time) (CheckIn, error) {
	start, err := mondayOf(c.Day)
	if err != nil {
		return CheckIn{}, err
	}
	undone := dbTime(at)
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "entries.$[e].undone_at", Value: undone}}}}
	if dec := dayDeltas(c.Day, c.Counts, -1, nil); len(dec) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: dec})
	}
	filter := bson.D{
		{Key: "_id", Value: weekID(c.Workspace, c.User, start)},
		{Key: "entries", Value: bson.D{{Key: "$elemMatch", Value: liveAt(c.Key, c.Rev)}}},
	}
	opts := options.Update().SetArrayFilters(options.ArrayFilters{Filters: []any{bson.D{{Key: "e.key", Value: c.Key}}}})
	res, err := s.weeks.get(partitionOf(start)).UpdateOne(ctx, filter, update, opts)
	if err != nil {
		return CheckIn{}, fmt.Errorf("storage: withdraw check-in: %w", err)
	}
	if res.ModifiedCount == 0 {
		return CheckIn{}, ErrStale
	}
	c.UndoneAt = &undone
	return c, nil
}

// dayDeltas adds, for each metric of counts, sign*n to the day's total
// field, merged into into (one field appears once in an update).
func dayDeltas(day string, counts map[string]int, sign int, into map[string]int) bson.D {
	if into == nil {
		into = map[string]int{}
	}
	for m, n := range counts {
		into["days."+day+"."+m] += sign * n
	}
	var out bson.D
	for _, f := range sortedKeys(into) {
		if into[f] != 0 {
			out = append(out, bson.E{Key: f, Value: into[f]})
		}
	}
	return out
}

// ReviseCheckIn replaces the values of c, as read, with those of next
// (its day, raw text, counts, amounts, note and source), as a new
// revision: c's values are kept in Revisions, and the daily cap applies
// to next's day with the edit made. editKey is the delivery key of the
// edit: the same edit twice changes nothing more. It returns the entry
// as it is now; *CapError when the cap would be passed and ErrStale when
// c changed since it was read, nothing changed in either case.
//
// An edit within the entry's week is one atomic update of that week. One
// that moves it to another week adds it there first, then takes it out of
// its old week; UserCheckIns completes a move a crash interrupted.
func (s *Store) ReviseCheckIn(ctx context.Context, c CheckIn, next CheckIn, editKey string, dayCap int, at time.Time) (CheckIn, error) {
	if editKey != "" && c.EditKey == editKey {
		return c, nil
	}
	if next.Day == "" {
		return CheckIn{}, errors.New("storage: revise check-in: the day is required")
	}
	from, err := mondayOf(c.Day)
	if err != nil {
		return CheckIn{}, err
	}
	to, err := mondayOf(next.Day)
	if err != nil {
		return CheckIn{}, err
	}
	edited := dbTime(at)
	rev := c
	rev.Day, rev.Raw, rev.Counts, rev.Note, rev.Source = next.Day, next.Raw, next.Counts, next.Note, next.Source
	rev.RevenueCents, rev.HasRevenue, rev.PipelineCents, rev.HasPipeline, rev.Currency = next.RevenueCents, next.HasRevenue, next.PipelineCents, next.HasPipeline, next.Currency
	if next.TZ != "" {
		rev.TZ = next.TZ
	}
	rev.Rev, rev.EditedAt, rev.EditKey = c.Rev+1, &edited, editKey
	rev.Revisions = append(slices.Clone(c.Revisions), revisionOf(c))
	rev.Workspace, rev.User = c.Workspace, c.User
	if from == to {
		return s.reviseInWeek(ctx, c, rev, from, dayCap)
	}
	return s.moveEntry(ctx, c, rev, from, to, dayCap)
}

// capFilter is the part of a week's filter that keeps each metric of day
// within dayCap once adds are added to it.
func capFilter(day string, adds map[string]int, dayCap int) bson.D {
	var out bson.D
	for _, m := range sortedKeys(adds) {
		if n := adds[m]; n > 0 {
			out = append(out, bson.E{Key: "days." + day + "." + m, Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: dayCap - n}}}}})
		}
	}
	return out
}

// capError says which metric of day would pass dayCap with adds, given
// the week's totals, or nil.
func capError(w Week, day string, adds map[string]int, dayCap int) error {
	for _, m := range sortedKeys(adds) {
		if total := w.Days[day][m] + adds[m]; adds[m] > 0 && total > dayCap {
			return &CapError{Metric: m, Total: total, Cap: dayCap}
		}
	}
	return nil
}

// netAdds is what rev adds to its day's totals once c's counts are taken
// out of theirs: the difference on the same day, all of rev's on another.
func netAdds(c, rev CheckIn) map[string]int {
	adds := map[string]int{}
	for m, n := range rev.Counts {
		adds[m] += n
	}
	if c.Day == rev.Day {
		for m, n := range c.Counts {
			adds[m] -= n
		}
	}
	return adds
}

func (s *Store) reviseInWeek(ctx context.Context, c, rev CheckIn, start string, dayCap int) (CheckIn, error) {
	id := weekID(c.Workspace, c.User, start)
	adds := netAdds(c, rev)
	filter := append(bson.D{
		{Key: "_id", Value: id},
		{Key: "entries", Value: bson.D{{Key: "$elemMatch", Value: liveAt(c.Key, c.Rev)}}},
	}, capFilter(rev.Day, adds, dayCap)...)
	totals := map[string]int{}
	dayDeltas(c.Day, c.Counts, -1, totals)
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "entries.$[e]", Value: rev}}}}
	if inc := dayDeltas(rev.Day, rev.Counts, 1, totals); len(inc) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: inc})
	}
	opts := options.Update().SetArrayFilters(options.ArrayFilters{Filters: []any{bson.D{{Key: "e.key", Value: c.Key}}}})
	coll := s.weeks.get(partitionOf(start))
	res, err := coll.UpdateOne(ctx, filter, update, opts)
	if err != nil {
		return CheckIn{}, fmt.Errorf("storage: revise check-in: %w", err)
	}
	if res.ModifiedCount == 1 {
		return rev, nil
	}
	// Nothing matched: the entry changed, or the cap would be passed.
	w, err := s.Week(ctx, c.Workspace, c.User, start)
	if err != nil {
		return CheckIn{}, err
	}
	if !hasLive(w, c.Key, c.Rev) {
		return CheckIn{}, ErrStale
	}
	if err := capError(w, rev.Day, adds, dayCap); err != nil {
		return CheckIn{}, err
	}
	return CheckIn{}, errors.New("storage: revise check-in: concurrent update, try again")
}

// hasLive reports whether w holds the entry key at rev, not withdrawn.
func hasLive(w Week, key string, rev int) bool {
	for _, e := range w.Entries {
		if e.Key == key && e.Rev == rev && e.Live() {
			return true
		}
	}
	return false
}

// moveEntry stores rev in the week starting on to, then takes c out of
// the week starting on from.
func (s *Store) moveEntry(ctx context.Context, c, rev CheckIn, from, to string, dayCap int) (CheckIn, error) {
	coll, err := s.weeks.forWrite(ctx, to)
	if err != nil {
		return CheckIn{}, err
	}
	id := weekID(c.Workspace, c.User, to)
	filter := append(bson.D{{Key: "_id", Value: id}, {Key: "entries.key", Value: bson.D{{Key: "$ne", Value: c.Key}}}},
		capFilter(rev.Day, rev.Counts, dayCap)...)
	update := bson.D{
		{Key: "$setOnInsert", Value: bson.D{{Key: "workspace", Value: c.Workspace}, {Key: "user", Value: c.User}, {Key: "start", Value: to}}},
		{Key: "$push", Value: bson.D{{Key: "entries", Value: rev}}},
	}
	if inc := dayDeltas(rev.Day, rev.Counts, 1, nil); len(inc) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: inc})
	}
	_, err = coll.UpdateOne(ctx, filter, update, options.Update().SetUpsert(true))
	if err != nil && !isDuplicate(err) {
		return CheckIn{}, fmt.Errorf("storage: move check-in: %w", err)
	}
	if err != nil {
		// The week exists and refused: the cap, or a copy already there.
		w, err := s.Week(ctx, c.Workspace, c.User, to)
		if err != nil {
			return CheckIn{}, err
		}
		if !hasLive(w, rev.Key, rev.Rev) {
			for _, e := range w.Entries {
				if e.Key == c.Key {
					return CheckIn{}, ErrStale
				}
			}
			if err := capError(w, rev.Day, rev.Counts, dayCap); err != nil {
				return CheckIn{}, err
			}
			return CheckIn{}, errors.New("storage: move check-in: concurrent update, try again")
		}
		// An earlier attempt stored it there and stopped: finish it.
	}
	// A redelivery of the /log that made the entry must find it where it
	// is now. The key may be pruned already, which is fine.
	if _, err := s.coll(keyBucket(c.Workspace, c.Key)).UpdateOne(ctx, bson.D{{Key: "_id", Value: keyID(c.Workspace, c.Key)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "week", Value: id}, {Key: "start", Value: to}}}}); err != nil {
		s.log.Warn("storage: key of a moved entry not updated", "err", err)
	}
	if err := s.pullEntry(ctx, c, from); errors.Is(err, ErrStale) {
		// c changed in its old week meanwhile (edited or withdrawn): the
		// copy just made is taken back, and the caller reads again.
		undo := rev
		if err := s.pullEntry(ctx, undo, to); err != nil && !errors.Is(err, ErrStale) {
			return CheckIn{}, err
		}
		return CheckIn{}, ErrStale
	} else if err != nil {
		return CheckIn{}, err
	}
	return rev, nil
}

// pullEntry takes the entry c (its key at its revision, not withdrawn) out
// of the week starting on start, with its counts out of the day's totals;
// ErrStale when it is not there.
func (s *Store) pullEntry(ctx context.Context, c CheckIn, start string) error {
	filter := bson.D{
		{Key: "_id", Value: weekID(c.Workspace, c.User, start)},
		{Key: "entries", Value: bson.D{{Key: "$elemMatch", Value: liveAt(c.Key, c.Rev)}}},
	}
	update := bson.D{{Key: "$pull", Value: bson.D{{Key: "entries", Value: liveAt(c.Key, c.Rev)}}}}
	if dec := dayDeltas(c.Day, c.Counts, -1, nil); len(dec) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: dec})
	}
	res, err := s.weeks.get(partitionOf(start)).UpdateOne(ctx, filter, update)
	if errors.Is(err, mongo.ErrNoDocuments) || err == nil && res.ModifiedCount == 0 {
		return ErrStale
	}
	if err != nil {
		return fmt.Errorf("storage: move check-in out of its week: %w", err)
	}
	return nil
}
