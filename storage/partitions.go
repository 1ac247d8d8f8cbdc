package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Check-ins are bucketed by time: one collection of weeks per calendar
// month of the week's Monday ("weeks_2026_11"). lungo copies and scans the
// collection a write touches, so a /log that touches the current month
// costs the same with a year of history as with none; on MongoDB it is
// the ordinary time-bucketing pattern, and one code path serves both.
const (
	weeksPrefix = "weeks_"
	// legacyWeeks is the single collection used before partitioning,
	// migrated into the monthly ones on start.
	legacyWeeks = "weeks"
	// keysCollection holds the idempotency keys of recent check-ins.
	keysCollection = "checkin_keys"
)

// Slack redelivers within minutes; a key is kept a week, then pruned, so
// the collection a /log inserts into stays small.
const keyRetention = 7 * 24 * time.Hour

// occurrenceRetention is how long finished ritual occurrences are kept:
// longer than the scheduler looks back (a week) and than a manual run's
// period (a week), so no claim a decision rests on is ever pruned.
const occurrenceRetention = 35 * 24 * time.Hour

// pruneEvery bounds how often the write path starts a prune.
const pruneEvery = time.Hour

// partitionOf is the collection name of the weeks starting in start's
// month. start is "2006-01-02".
func partitionOf(start string) string {
	if len(start) < 7 {
		return weeksPrefix + "invalid"
	}
	return weeksPrefix + start[:4] + "_" + start[5:7]
}

// partitionsBetween names the monthly collections holding the weeks whose
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
	if to.Before(from) {
		return nil, nil
	}
	var out []string
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		out = append(out, partitionOf(m.Format(time.DateOnly)))
		if len(out) > 1200 {
			return nil, errors.New("storage: a period of more than a century")
		}
	}
	return out, nil
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

// Prune deletes idempotency keys older than a week and finished ritual
// occurrences older than five weeks. The write path runs it hourly; it is
// exported for tests and maintenance.
func (s *Store) Prune(ctx context.Context, now time.Time) error {
	if _, err := s.coll(keysCollection).DeleteMany(ctx, bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: dbTime(now.Add(-keyRetention))}}}}); err != nil {
		return fmt.Errorf("storage: prune keys: %w", err)
	}
	_, err := s.coll(occurrencesCollection).DeleteMany(ctx, bson.D{
		{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{OccurrenceDone, OccurrenceSkipped}}}},
		{Key: "lease_until", Value: bson.D{{Key: "$lt", Value: dbTime(now.Add(-occurrenceRetention))}}},
	})
	if err != nil {
		return fmt.Errorf("storage: prune occurrences: %w", err)
	}
	return nil
}

// migrateLegacyWeeks moves the weeks of the single pre-partition
// collection into the monthly ones, with the keys of the last week's
// entries, then drops it. It is idempotent: a crash part-way leaves the
// legacy collection, and the next start inserts what is missing.
func (s *Store) migrateLegacyWeeks(ctx context.Context, now time.Time) error {
	names, err := s.db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: legacyWeeks}})
	if err != nil {
		return fmt.Errorf("storage: migrate weeks: %w", err)
	}
	if len(names) == 0 {
		return nil
	}
	legacy := s.coll(legacyWeeks)
	weeks, err := findAll[Week](ctx, legacy, bson.D{}, "legacy weeks")
	if err != nil {
		return err
	}
	byPartition := map[string][]any{}
	var keys []any
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
			return err
		}
		if _, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil && !isDuplicate(err) {
			return fmt.Errorf("storage: migrate weeks into %s: %w", name, err)
		}
	}
	if len(keys) > 0 {
		if _, err := s.coll(keysCollection).InsertMany(ctx, keys, options.InsertMany().SetOrdered(false)); err != nil && !isDuplicate(err) {
			return fmt.Errorf("storage: migrate keys: %w", err)
		}
	}
	if err := legacy.Drop(ctx); err != nil {
		return fmt.Errorf("storage: drop legacy weeks: %w", err)
	}
	s.log.Info("storage: check-ins moved into monthly collections", "weeks", len(weeks), "collections", len(byPartition))
	return nil
}
