package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// CheckIn is one /log entry of one rep. It keeps the raw text next to the
// parsed counts, so an entry can always be re-read or explained later.
type CheckIn struct {
	// Workspace and User are those of the week the entry is stored in.
	Workspace string `bson:"-"`
	User      string `bson:"-"`
	// Key makes a delivery idempotent: Slack's trigger_id, or a client key
	// in the console. A second delivery with the same key stores nothing.
	Key string `bson:"key"`
	// Day is the rep's local calendar day, "2006-01-02".
	Day          string         `bson:"day"`
	TZ           string         `bson:"tz"`
	Raw          string         `bson:"raw"`
	Counts       map[string]int `bson:"counts"`
	RevenueCents int64          `bson:"revenue_cents"`
	HasRevenue   bool           `bson:"has_revenue"`
	// PipelineCents is the value of the proposals the entry priced ("2
	// offres 15k€"): pipeline, never revenue.
	PipelineCents int64 `bson:"pipeline_cents,omitempty"`
	HasPipeline   bool  `bson:"has_pipeline,omitempty"`
	// Currency is the ISO code of the entry's amounts, the workspace's
	// when it was logged; empty for entries without amounts, and for those
	// logged before workspaces had a currency (the default one).
	Currency  string    `bson:"currency,omitempty"`
	Note      string    `bson:"note,omitempty"`
	Source    string    `bson:"source"`
	CreatedAt time.Time `bson:"created_at"`
	// UndoneAt marks an entry withdrawn with /log undo. It is kept, with
	// its raw text, rather than deleted: a redelivered trigger must not
	// bring it back, and the history stays explainable.
	UndoneAt *time.Time `bson:"undone_at,omitempty"`
	// Rev counts the entry's edits: 0 as it was first logged. The fields
	// above are always the latest revision, the one figures count.
	Rev int `bson:"rev,omitempty"`
	// EditedAt is when the latest revision was made; nil for the first.
	EditedAt *time.Time `bson:"edited_at,omitempty"`
	// EditKey is the delivery key of the command or form that made the
	// latest revision, so that a repeated edit changes nothing twice.
	EditKey string `bson:"edit_key,omitempty"`
	// Revisions are the values the entry had before each edit, oldest
	// first, raw text included: nothing an edit replaces is lost.
	Revisions []Revision `bson:"revisions,omitempty"`
}

// Live reports whether the entry counts (it was not undone).
func (c CheckIn) Live() bool { return c.UndoneAt == nil }

// Week is one rep's check-ins for one week, stored as one document.
//
// A rep logs a handful of times a week, and every reader wants a rep's
// week or a run of weeks, so bucketing by week makes a /log one atomic
// write that also returns the week, and makes period reads touch few
// documents. Days holds each day's live totals, kept in the same atomic
// update as Entries, so the daily cap is enforced by the database itself.
type Week struct {
	ID        string                    `bson:"_id"`
	Workspace string                    `bson:"workspace"`
	User      string                    `bson:"user"`
	Start     string                    `bson:"start"` // the Monday, "2006-01-02"
	Entries   []CheckIn                 `bson:"entries"`
	Days      map[string]map[string]int `bson:"days"`
}

// Live returns the week's entries that were not undone, by day then in the
// order they were logged, with Workspace and User filled in.
func (w Week) Live() []CheckIn {
	var out []CheckIn
	for _, c := range w.Entries {
		if c.Live() {
			c.Workspace, c.User = w.Workspace, w.User
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b CheckIn) int {
		return cmp.Or(strings.Compare(a.Day, b.Day), a.CreatedAt.Compare(b.CreatedAt))
	})
	return out
}

// CapError says that a check-in would take a day's total of one metric
// past the cap; nothing was stored.
type CapError struct {
	Metric string
	Total  int // the day's total the entry would have made
	Cap    int
}

func (e *CapError) Error() string {
	return fmt.Sprintf("storage: %d %s in a day would pass the cap of %d", e.Total, e.Metric, e.Cap)
}

// ErrKeyConflict is returned when a check-in's idempotency key is already
// stored for another user of the workspace. Nothing is stored, and nothing
// of the other user's entry is returned.
var ErrKeyConflict = errors.New("storage: idempotency key already used by another user")

func weekID(workspace, user, start string) string {
	return workspace + "/" + user + "/" + start
}

func (s *Store) ensureIndexes(ctx context.Context) error {
	// The keys' _id is their uniqueness; the index serves the prune.
	for _, name := range keyBuckets() {
		_, err := s.coll(name).Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys:    bson.D{{Key: "created_at", Value: 1}},
			Options: options.Index().SetName("created_at"),
		})
		if err != nil {
			return fmt.Errorf("storage: create indexes: %w", err)
		}
	}
	return nil
}

// SaveCheckIn adds c to the week that starts on weekStart, in one atomic
// write, unless its key is already stored (created is false, and the
// entry is the one stored first) or it would take a day's total of a
// metric past dayCap (a *CapError; nothing is stored). It returns the
// week as it stands after the write. A key stored for another user is an
// ErrKeyConflict.
//
// The key is written first, in the small collection of recent keys, and
// the entry second, in its month's collection: so a /log touches two
// small collections whatever the history. A crash between the two leaves
// a key with no entry, which the redelivery completes.
func (s *Store) SaveCheckIn(ctx context.Context, c CheckIn, weekStart string, dayCap int) (entry CheckIn, created bool, week Week, err error) {
	if c.Workspace == "" || c.User == "" || c.Key == "" || c.Day == "" || weekStart == "" {
		return CheckIn{}, false, Week{}, errors.New("storage: save check-in: workspace, user, key, day and week are required")
	}
	// MongoDB keeps milliseconds; trimming here makes what we return equal
	// to what a later read gives.
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
	id := weekID(c.Workspace, c.User, weekStart)
	// The caller's clock, not the machine's: keys age by the times their
	// entries carry.
	defer s.maybePrune(c.CreatedAt)

	// The key's write is not waited for on its own: the entry's write
	// comes next, and its fsync covers every record before it, so a /log
	// costs one fsync. A key lost in a crash before that fsync had no
	// entry yet either.
	keys := s.db.Collection(keyBucket(c.Workspace, c.Key))
	k := checkInKey{ID: keyID(c.Workspace, c.Key), User: c.User, Week: id, Start: weekStart, CreatedAt: c.CreatedAt}
	_, err = keys.InsertOne(ctx, k)
	ownKey := err == nil
	if err != nil && !isDuplicate(err) {
		return CheckIn{}, false, Week{}, fmt.Errorf("storage: save check-in key: %w", err)
	}
	if !ownKey {
		e, w, found, err := s.repeated(ctx, c)
		if err == nil && found {
			// The first delivery may still be waiting for its fsync; the
			// repeat is not answered before it.
			err = s.syncJournal(ctx)
		}
		if err != nil || found {
			return e, false, w, err
		}
		// A key with no entry: an earlier delivery stopped between the
		// two writes, or was refused. This one completes it.
	}
	// Nothing half-saved: a refused or failed entry takes its key back.
	dropKey := func() {
		if ownKey {
			if _, err := keys.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: k.ID}}); err != nil {
				s.log.Warn("storage: check-in key left behind", "err", err)
			}
		}
	}

	coll, err := s.weeks.forWrite(ctx, weekStart)
	if err != nil {
		dropKey()
		return CheckIn{}, false, Week{}, err
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "entries.key", Value: bson.D{{Key: "$ne", Value: c.Key}}}}
	inc := bson.D{}
	for _, m := range sortedKeys(c.Counts) {
		n := c.Counts[m]
		field := "days." + c.Day + "." + m
		inc = append(inc, bson.E{Key: field, Value: n})
		if n > 0 {
			// A missing field also passes: nothing logged yet that day.
			filter = append(filter, bson.E{Key: field, Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: dayCap - n}}}}})
		}
	}
	update := bson.D{
		{Key: "$setOnInsert", Value: bson.D{{Key: "workspace", Value: c.Workspace}, {Key: "user", Value: c.User}, {Key: "start", Value: weekStart}}},
		{Key: "$push", Value: bson.D{{Key: "entries", Value: c}}},
	}
	if len(inc) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: inc})
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	err = coll.FindOneAndUpdate(ctx, filter, update, opts).Decode(&week)
	if err == nil {
		c.Workspace, c.User = week.Workspace, week.User
		return c, true, week, nil
	}
	if !isDuplicate(err) {
		dropKey()
		return CheckIn{}, false, Week{}, fmt.Errorf("storage: save check-in: %w", err)
	}

	// The filter did not match and the upsert collided on the week: the
	// entry is there already (a concurrent delivery), or the cap would be
	// passed.
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&week); err != nil {
		dropKey()
		return CheckIn{}, false, Week{}, fmt.Errorf("storage: load week: %w", err)
	}
	for _, e := range week.Entries {
		if e.Key == c.Key {
			e.Workspace, e.User = week.Workspace, week.User
			return e, false, week, nil
		}
	}
	dropKey()
	for _, m := range sortedKeys(c.Counts) {
		if total := week.Days[c.Day][m] + c.Counts[m]; c.Counts[m] > 0 && total > dayCap {
			return CheckIn{}, false, Week{}, &CapError{Metric: m, Total: total, Cap: dayCap}
		}
	}
	// The week changed between the two reads; the caller may try again.
	return CheckIn{}, false, Week{}, errors.New("storage: save check-in: concurrent update, try again")
}

// repeated looks up the entry a stored key points to. A key of another
// user is ErrKeyConflict: a delivery of one user's command is never a
// repeat of someone else's, and answering it with their entry would show
// it to them.
func (s *Store) repeated(ctx context.Context, c CheckIn) (CheckIn, Week, bool, error) {
	var k checkInKey
	err := s.coll(keyBucket(c.Workspace, c.Key)).FindOne(ctx, bson.D{{Key: "_id", Value: keyID(c.Workspace, c.Key)}}).Decode(&k)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return CheckIn{}, Week{}, false, nil // pruned or taken back meanwhile
	}
	if err != nil {
		return CheckIn{}, Week{}, false, fmt.Errorf("storage: load check-in key: %w", err)
	}
	if k.User != c.User {
		return CheckIn{}, Week{}, false, ErrKeyConflict
	}
	var w Week
	err = s.weeks.get(partitionOf(k.Start)).FindOne(ctx, bson.D{{Key: "_id", Value: k.Week}}).Decode(&w)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return CheckIn{}, Week{}, false, nil
	}
	if err != nil {
		return CheckIn{}, Week{}, false, fmt.Errorf("storage: load repeated check-in: %w", err)
	}
	for _, e := range w.Entries {
		if e.Key == c.Key {
			e.Workspace, e.User = w.Workspace, w.User
			return e, w, true, nil
		}
	}
	return CheckIn{}, Week{}, false, nil
}

// Week returns the user's week starting on start; a week with nothing
// logged is empty, not an error.
func (s *Store) Week(ctx context.Context, workspace, user, start string) (Week, error) {
	var w Week
	err := s.weeks.get(partitionOf(start)).FindOne(ctx, bson.D{{Key: "_id", Value: weekID(workspace, user, start)}}).Decode(&w)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Week{ID: weekID(workspace, user, start), Workspace: workspace, User: user, Start: start}, nil
	}
	if err != nil {
		return Week{}, fmt.Errorf("storage: load week: %w", err)
	}
	return w, nil
}

// CheckIns returns the user's live entries whose day is within [from, to],
// both "2006-01-02", by day then in the order logged.
func (s *Store) CheckIns(ctx context.Context, workspace, user, from, to string) ([]CheckIn, error) {
	first, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("storage: check-ins from %q: %w", from, err)
	}
	// A week that starts up to six days before from still holds from.
	weeks, err := s.WeeksBetween(ctx, workspace, []string{user}, first.AddDate(0, 0, -6).Format(time.DateOnly), to)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(weeks, func(a, b Week) int { return strings.Compare(a.Start, b.Start) })
	var out []CheckIn
	for _, w := range weeks {
		for _, c := range w.Live() {
			if c.Day >= from && c.Day <= to {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// UndoLastCheckIn withdraws the user's most recent live entry for day,
// stored in the week starting weekStart, and returns it, or ErrNotFound
// when there is none.
func (s *Store) UndoLastCheckIn(ctx context.Context, workspace, user, day, weekStart string, at time.Time) (CheckIn, error) {
	// Two undos at once must not withdraw the same entry twice: the update
	// only applies while the chosen entry is still live, else we look again.
	for range 3 {
		w, err := s.Week(ctx, workspace, user, weekStart)
		if err != nil {
			return CheckIn{}, err
		}
		var last *CheckIn
		for _, c := range w.Live() {
			if c.Day == day {
				last = &c
			}
		}
		if last == nil {
			return CheckIn{}, ErrNotFound
		}
		undone := at.UTC().Truncate(time.Millisecond)
		update := bson.D{{Key: "$set", Value: bson.D{{Key: "entries.$[e].undone_at", Value: undone}}}}
		var dec bson.D
		for _, m := range sortedKeys(last.Counts) {
			dec = append(dec, bson.E{Key: "days." + day + "." + m, Value: -last.Counts[m]})
		}
		if len(dec) > 0 {
			update = append(update, bson.E{Key: "$inc", Value: dec})
		}
		filter := bson.D{
			{Key: "_id", Value: w.ID},
			{Key: "entries", Value: bson.D{{Key: "$elemMatch", Value: bson.D{{Key: "key", Value: last.Key}, {Key: "undone_at", Value: bson.D{{Key: "$exists", Value: false}}}}}}},
		}
		opts := options.Update().SetArrayFilters(options.ArrayFilters{Filters: []any{bson.D{{Key: "e.key", Value: last.Key}}}})
		res, err := s.weeks.get(partitionOf(weekStart)).UpdateOne(ctx, filter, update, opts)
		if err != nil {
			return CheckIn{}, fmt.Errorf("storage: undo check-in: %w", err)
		}
		if res.ModifiedCount == 1 {
			last.UndoneAt = &undone
			return *last, nil
		}
	}
	return CheckIn{}, errors.New("storage: undo check-in: concurrent updates, try again")
}

// ImportCheckIns stores many entries in one write, skipping keys already
// stored, and returns how many were added. It serves bulk loads, such as a
// team's history kept in a spreadsheet, where one write per entry would
// rewrite the embedded store's file each time. weekStart maps a day to the
// start of its week. The daily cap is not applied: imported history is
// taken as it was recorded.
func (s *Store) ImportCheckIns(ctx context.Context, cs []CheckIn, weekStart func(day string) string) (int, error) {
	var order []string
	groups := map[string]*importGroup{}
	seen := map[string]bool{}
	for _, c := range cs {
		if c.Workspace == "" || c.User == "" || c.Key == "" || c.Day == "" {
			return 0, errors.New("storage: import check-ins: workspace, user, key and day are required")
		}
		if seen[c.Workspace+"/"+c.Key] {
			continue // a key given twice in one import is stored once
		}
		seen[c.Workspace+"/"+c.Key] = true
		c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
		start := weekStart(c.Day)
		id := weekID(c.Workspace, c.User, start)
		g, ok := groups[id]
		if !ok {
			g = &importGroup{id: id, workspace: c.Workspace, user: c.User, start: start}
			groups[id] = g
			order = append(order, id)
		}
		g.entries = append(g.entries, c)
	}
	// Weeks not stored yet are inserted whole: on the embedded engine an
	// upsert scans every week, which made a large import quadratic. Weeks
	// that exist get one upsert each, which holds only if none of their
	// keys is stored yet; whatever collides is redone entry by entry.
	byPartition := map[string][]string{}
	var names []string
	for _, id := range order {
		name := partitionOf(groups[id].start)
		if _, ok := byPartition[name]; !ok {
			names = append(names, name)
		}
		byPartition[name] = append(byPartition[name], id)
	}
	added := 0
	for _, name := range names {
		coll, err := s.weeks.named(ctx, name)
		if err != nil {
			return added, err
		}
		n, err := importInto(ctx, coll, byPartition[name], groups)
		added += n
		if err != nil {
			return added, err
		}
	}
	return added, nil
}

// importGroup is the entries of one week that an import adds.
type importGroup struct {
	id, workspace, user, start string
	entries                    []CheckIn
}

// importInto adds the groups of one partition; see ImportCheckIns.
func importInto(ctx context.Context, coll lungo.ICollection, ids []string, groups map[string]*importGroup) (int, error) {
	existing, err := weekIDs(ctx, coll, ids)
	if err != nil {
		return 0, err
	}
	var fresh []any
	var models []mongo.WriteModel
	entries := 0
	for _, id := range ids {
		g := groups[id]
		entries += len(g.entries)
		if existing[id] {
			models = append(models, weekUpsert(g.id, g.workspace, g.user, g.start, g.entries))
			continue
		}
		w := Week{ID: g.id, Workspace: g.workspace, User: g.user, Start: g.start, Entries: g.entries, Days: map[string]map[string]int{}}
		for _, c := range g.entries {
			if w.Days[c.Day] == nil {
				w.Days[c.Day] = map[string]int{}
			}
			for m, n := range c.Counts {
				w.Days[c.Day][m] += n
			}
		}
		fresh = append(fresh, w)
	}
	collided := false
	if len(fresh) > 0 {
		_, err := coll.InsertMany(ctx, fresh, options.InsertMany().SetOrdered(false))
		if err != nil && !isDuplicate(err) {
			return 0, fmt.Errorf("storage: import check-ins: %w", err)
		}
		collided = err != nil
	}
	n, err := bulkUpserts(ctx, coll, models)
	if err != nil && !isDuplicate(err) {
		return n, fmt.Errorf("storage: import check-ins: %w", err)
	}
	if err == nil && !collided {
		return entries, nil
	}
	models = models[:0]
	for _, id := range ids {
		g := groups[id]
		for _, c := range g.entries {
			models = append(models, weekUpsert(g.id, g.workspace, g.user, g.start, []CheckIn{c}))
		}
	}
	if _, err := bulkUpserts(ctx, coll, models); err != nil && !isDuplicate(err) {
		return 0, fmt.Errorf("storage: import check-ins: %w", err)
	}
	// After a collision the driver's counts mix weeks and entries, so the
	// number added is not known exactly; callers treat it as a hint.
	return n, nil
}

// weekIDs returns which of ids are stored in coll.
func weekIDs(ctx context.Context, coll lungo.ICollection, ids []string) (map[string]bool, error) {
	in := make(bson.A, 0, len(ids))
	for _, id := range ids {
		in = append(in, id)
	}
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: in}}}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("storage: list weeks: %w", err)
	}
	var found []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("storage: list weeks: %w", err)
	}
	out := make(map[string]bool, len(found))
	for _, id := range found {
		out[id.ID] = true
	}
	return out, nil
}

// weekUpsert appends entries to a week unless one of their keys is there.
func weekUpsert(id, workspace, user, start string, entries []CheckIn) mongo.WriteModel {
	keys := make(bson.A, 0, len(entries))
	docs := make(bson.A, 0, len(entries))
	totals := map[string]int{}
	for _, c := range entries {
		keys = append(keys, c.Key)
		docs = append(docs, c)
		for m, n := range c.Counts {
			totals["days."+c.Day+"."+m] += n
		}
	}
	inc := bson.D{}
	for _, f := range sortedKeys(totals) {
		inc = append(inc, bson.E{Key: f, Value: totals[f]})
	}
	update := bson.D{
		{Key: "$setOnInsert", Value: bson.D{{Key: "workspace", Value: workspace}, {Key: "user", Value: user}, {Key: "start", Value: start}}},
		{Key: "$push", Value: bson.D{{Key: "entries", Value: bson.D{{Key: "$each", Value: docs}}}}},
	}
	if len(inc) > 0 {
		update = append(update, bson.E{Key: "$inc", Value: inc})
	}
	return mongo.NewUpdateOneModel().
		SetFilter(bson.D{{Key: "_id", Value: id}, {Key: "entries.key", Value: bson.D{{Key: "$nin", Value: keys}}}}).
		SetUpdate(update).
		SetUpsert(true)
}

func bulkUpserts(ctx context.Context, coll lungo.ICollection, models []mongo.WriteModel) (int, error) {
	if len(models) == 0 {
		return 0, nil
	}
	res, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	n := 0
	if res != nil {
		n = int(res.ModifiedCount + res.UpsertedCount)
	}
	return n, err
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
