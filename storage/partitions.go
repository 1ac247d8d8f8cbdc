package storage

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Check-ins are bucketed by time: one collection of weeks per week, named
// for its Monday ("weeks_2026_11_30"). lungo copies and scans the
// collection a write touches, so a /log that touches the current week
// costs the same with years of history as with none; on MongoDB it is the
// ordinary time-bucketing pattern, and one code path serves both. A month
// of collections per read is cheap; a month of documents per write was
// not (it was the second cost of a /log at 800 a second).
const (
	weeksPrefix = "weeks_"
	// legacyWeeks is the single collection used before partitioning,
	// migrated into the weekly ones on start, as are monthly collections
	// ("weeks_2026_11") of the layout before that.
	legacyWeeks = "weeks"
	// keysPrefix names the buckets of recent idempotency keys.
	keysPrefix = "checkin_keys_"
	// legacyKeys is the single keys collection of the layout before the
	// buckets.
	legacyKeys = "checkin_keys"
	// keyBucketCount spreads the keys of a week over collections, chosen by
	// a hash of the key: lungo copies a collection on every insert, and one
	// collection of every key of the week was most of a /log's cost.
	keyBucketCount = 32
)

// Slack redelivers within minutes; a key is kept a week, then pruned, so
// the collections a /log inserts into stay small.
const keyRetention = 7 * 24 * time.Hour

// occurrenceRetention is how long finished ritual occurrences are kept:
// longer than the scheduler looks back (a week) and than a manual run's
// period (a week), so no claim a decision rests on is ever pruned.
const occurrenceRetention = 35 * 24 * time.Hour

// pruneEvery bounds how often the write path starts a prune.
const pruneEvery = time.Hour

// partitionOf is the collection of the week starting on start,
// "2006-01-02".
func partitionOf(start string) string {
	if len(start) != len(time.DateOnly) {
		return weeksPrefix + "invalid"
	}
	return weeksPrefix + strings.ReplaceAll(start, "-", "_")
}

// partitionsBetween names the weekly collections of the weeks whose
// Monday is within [fromStart, toStart].
func partitionsBetween(fromStart, toStart string) ([]string, error) {
	from, err := time.Parse(time.DateOnly, fromStart)
	if err != nil {
		return nil, fmt.Errorf("storage: week %q: %w", fromStart, err)
	}
	to, err := time.Parse(time.DateOnly, toStart)
	if err != nil {
		return nil, fmt.Errorf("storage: week %q: %w", toStart, err)
	}
	// The first Monday on or after from.
	monday := from.AddDate(0, 0, (int(time.Monday)-int(from.Weekday())+7)%7)
	var out []string
	for d := monday; !d.After(to); d = d.AddDate(0, 0, 7) {
		out = append(out, partitionOf(d.Format(time.DateOnly)))
		if len(out) > 53*20 {
			return nil, errors.New("storage: a period of more than twenty years")
		}
	}
	return out, nil
}

// keyBucket names the collection of a workspace's key.
func keyBucket(workspace, key string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(keyID(workspace, key)))
	return fmt.Sprintf("%s%02d", keysPrefix, h.Sum32()%keyBucketCount)
}

// keyBuckets names every bucket of keys.
func keyBuckets() []string {
	out := make([]string, keyBucketCount)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", keysPrefix, i)
	}
	return out
}

// isMonthlyPartition reports a collection of the monthly layout.
func isMonthlyPartition(name string) bool {
	rest, ok := strings.CutPrefix(name, weeksPrefix)
	return ok && len(rest) == len("2006_01") && rest[4] == '_'
}

// partitions opens check-in collections and creates each one's index the
// first time this process writes to it.
type partitions struct {
	db      lungo.IDatabase
	wrap    func(lungo.ICollection) lungo.ICollection
	indexed sync.Map // collection name → struct{}
}

func (p *partitions) get(name string) lungo.ICollection { return p.wrap(p.db.Collection(name)) }

// forWrite returns the partition of the week starting on start, with its
// index in place.
func (p *partitions) forWrite(ctx context.Context, start string) (lungo.ICollection, error) {
	return p.named(ctx, partitionOf(start))
}

// named returns the partition called name, with its index in place.
func (p *partitions) named(ctx context.Context, name string) (lungo.ICollection, error) {
	coll := p.get(name)
	if _, done := p.indexed.Load(name); done {
		return coll, nil
	}
	_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "workspace", Value: 1}, {Key: "user", Value: 1}, {Key: "start", Value: 1}},
		Options: options.Index().SetName("workspace_user_start"),
	})
	if err != nil {
		return nil, fmt.Errorf("storage: index %s: %w", name, err)
	}
	p.indexed.Store(name, struct{}{})
	return coll, nil
}

// checkInKey records which user's entry a delivery key stored, and where.
type checkInKey struct {
	ID        string    `bson:"_id"` // workspace/key
	User      string    `bson:"user"`
	Week      string    `bson:"week"` // the week's _id
	Start     string    `bson:"start"`
	CreatedAt time.Time `bson:"created_at"`
}

func keyID(workspace, key string) string { return workspace + "/" + key }

// pruner deletes expired keys and old finished occurrences, at most once
// per pruneEvery, off the write path.
type pruner struct {
	mu   sync.Mutex
	last time.Time
	wg   sync.WaitGroup
}

// maybePrune starts a prune if none ran in the last pruneEvery.
func (s *Store) maybePrune(now time.Time) {
	s.prune.mu.Lock()
	if now.Sub(s.prune.last) < pruneEvery && !s.prune.last.IsZero() {
		s.prune.mu.Unlock()
		return
	}
	s.prune.last = now
	s.prune.wg.Add(1)
	s.prune.mu.Unlock()
	go func() {
		defer s.prune.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Prune(ctx, now); err != nil {
			s.log.Warn("storage: prune", "err", err)
		}
	}()
}

// Prune deletes idempotency keys older than a week, finished ritual
// occurrences older than five weeks, and expired pending readings. The
// write path runs it hourly; it is exported for tests and maintenance.
func (s *Store) Prune(ctx context.Context, now time.Time) error {
	old := bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: dbTime(now.Add(-keyRetention))}}}}
	for _, name := range keyBuckets() {
		if _, err := s.coll(name).DeleteMany(ctx, old); err != nil {
			return fmt.Errorf("storage: prune keys: %w", err)
		}
	}
	_, err := s.coll(occurrencesCollection).DeleteMany(ctx, bson.D{
		{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{OccurrenceDone, OccurrenceSkipped}}}},
		{Key: "lease_until", Value: bson.D{{Key: "$lt", Value: dbTime(now.Add(-occurrenceRetention))}}},
	})
	if err != nil {
		return fmt.Errorf("storage: prune occurrences: %w", err)
	}
	return s.prunePending(ctx, now)
}

// migrateLegacyWeeks moves the weeks of older layouts, the single weeks
// collection and the monthly ones, into the weekly collections, with the
// keys of the last week's entries, and the single keys collection into
// its buckets; then it drops what it moved from. It is idempotent: a crash
// part-way leaves the old collections, and the next start inserts what is
// missing.
func (s *Store) migrateLegacyWeeks(ctx context.Context, now time.Time) error {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("storage: migrate weeks: %w", err)
	}
	moved := 0
	for _, name := range names {
		if name != legacyWeeks && !isMonthlyPartition(name) {
			continue
		}
		n, err := s.moveWeeks(ctx, name, now)
		if err != nil {
			return err
		}
		moved += n
	}
	if slices.Contains(names, legacyKeys) {
		keys, err := findAll[checkInKey](ctx, s.coll(legacyKeys), bson.D{}, "legacy keys")
		if err != nil {
			return err
		}
		if err := s.insertKeys(ctx, keys); err != nil {
			return err
		}
		if err := s.coll(legacyKeys).Drop(ctx); err != nil {
			return fmt.Errorf("storage: drop legacy keys: %w", err)
		}
	}
	if moved > 0 {
		s.log.Info("storage: check-ins moved into weekly collections", "weeks", moved)
	}
	return nil
}

// moveWeeks moves the weeks of one old collection into the weekly ones.
func (s *Store) moveWeeks(ctx context.Context, from string, now time.Time) (int, error) {
	legacy := s.coll(from)
	weeks, err := findAll[Week](ctx, legacy, bson.D{}, "legacy weeks")
	if err != nil {
		return 0, err
	}
	byPartition := map[string][]any{}
	var keys []checkInKey
	for _, w := range weeks {
		byPartition[partitionOf(w.Start)] = append(byPartition[partitionOf(w.Start)], w)
		for _, c := range w.Entries {
			if now.Sub(c.CreatedAt) < keyRetention {
				keys = append(keys, checkInKey{ID: keyID(w.Workspace, c.Key), User: w.User, Week: w.ID, Start: w.Start, CreatedAt: dbTime(c.CreatedAt)})
			}
		}
	}
	for name, docs := range byPartition {
		coll, err := s.weeks.named(ctx, name)
		if err != nil {
			return 0, err
		}
		if _, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil && !isDuplicate(err) {
			return 0, fmt.Errorf("storage: migrate weeks into %s: %w", name, err)
		}
	}
	if err := s.insertKeys(ctx, keys); err != nil {
		return 0, err
	}
	if err := legacy.Drop(ctx); err != nil {
		return 0, fmt.Errorf("storage: drop %s: %w", from, err)
	}
	return len(weeks), nil
}

// insertKeys puts keys into their buckets; those already there stay.
func (s *Store) insertKeys(ctx context.Context, keys []checkInKey) error {
	byBucket := map[string][]any{}
	for _, k := range keys {
		ws, key, _ := strings.Cut(k.ID, "/")
		byBucket[keyBucket(ws, key)] = append(byBucket[keyBucket(ws, key)], k)
	}
	for name, docs := range byBucket {
		if _, err := s.coll(name).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil && !isDuplicate(err) {
			return fmt.Errorf("storage: migrate keys: %w", err)
		}
	}
	return nil
}
