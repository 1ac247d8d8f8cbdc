package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Occurrence states. They are stored, so they must never be renamed.
const (
	// OccurrenceClaimed means a holder is running the occurrence, or was
	// until its lease ran out.
	OccurrenceClaimed = "claimed"
	// OccurrenceDone means the occurrence was posted; it is final.
	OccurrenceDone = "done"
	// OccurrenceSkipped means the occurrence will never run (holiday,
	// outside its grace window); it is final.
	OccurrenceSkipped = "skipped"
)

// occurrencesCollection holds one document per ritual occurrence. It is
// opened lazily because Open, which names the other collections, is not
// ours to change; the _id is the only key claims rely on, and MongoDB and
// lungo make it unique without any index of ours.
const occurrencesCollection = "occurrences"

// Occurrence is the record that makes a ritual occurrence run exactly once
// across replicas: whoever holds the claim posts, then marks it done.
type Occurrence struct {
	// ID is workspace/team/ritual/period, built by the caller (package
	// rituals); it is the document _id, so it is unique by construction.
	ID        string `bson:"_id"`
	Workspace string `bson:"workspace"`
	State     string `bson:"state"`
	// Holder is the replica that holds, or last held, the claim.
	Holder string `bson:"holder,omitempty"`
	// LeaseUntil is when the claim may be taken over if it is not done.
	LeaseUntil time.Time `bson:"lease_until"`
	ClaimedAt  time.Time `bson:"claimed_at,omitempty"`
	// Attempts counts the claims taken: 1 for the first, plus one for each
	// takeover of an expired lease, so a ritual that keeps failing shows.
	Attempts int `bson:"attempts"`
	// MessageTS is the Slack ts of the post, set by MarkOccurrenceDone.
	MessageTS string    `bson:"message_ts,omitempty"`
	DoneAt    time.Time `bson:"done_at,omitempty"`
	// Reason says why an occurrence was skipped.
	Reason string `bson:"reason,omitempty"`
}

// Final reports whether the occurrence is done or skipped, so no claim on
// it can ever succeed again.
func (o Occurrence) Final() bool {
	return o.State == OccurrenceDone || o.State == OccurrenceSkipped
}

// ErrClaimed is returned when another holder's lease is live, or the
// occurrence is already done or skipped. Losing a claim is the normal fate
// of all replicas but one, so callers test for it with errors.Is.
var ErrClaimed = errors.New("storage: occurrence claimed by another holder")

// ClaimError is the ErrClaimed that says what stands in the way, so a
// scheduler can stop retrying a final occurrence, or wait for the lease to
// end instead of polling. errors.Is(err, ErrClaimed) holds for it.
type ClaimError struct {
	ID         string
	State      string
	Holder     string
	LeaseUntil time.Time
}

func (e *ClaimError) Error() string {
	if e.State == OccurrenceClaimed {
		return fmt.Sprintf("%v: %s held by %s until %s", ErrClaimed, e.ID, e.Holder, e.LeaseUntil.Format(time.RFC3339))
	}
	return fmt.Sprintf("%v: %s is %s", ErrClaimed, e.ID, e.State)
}

// Is makes errors.Is(err, ErrClaimed) true.
func (e *ClaimError) Is(target error) bool { return target == ErrClaimed }

// Final reports whether the occurrence is done or skipped.
func (e *ClaimError) Final() bool { return Occurrence{State: e.State}.Final() }

func (s *Store) occurrences() lungo.ICollection { return s.coll(occurrencesCollection) }

// dbTime trims t the way MongoDB stores it, so what a method returns equals
// what a later read gives and comparisons in filters are exact.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// ClaimOccurrence claims id for holder until now+lease. It succeeds when the
// occurrence is new (Attempts 1), claimed with an expired lease (a holder
// that died: Attempts increments), or claimed by the same holder with a
// live lease (the lease is extended). It returns a *ClaimError, which is
// ErrClaimed, when another holder's lease is live or the occurrence is done
// or skipped.
//
// Each step is one atomic FindOneAndUpdate whose filter only matches a
// claimable state; the upsert of the second step collides on the _id when
// the document exists but is not claimable, which is how exactly one of
// many concurrent claimers wins without a lock.
func (s *Store) ClaimOccurrence(ctx context.Context, workspace, id, holder string, now time.Time, lease time.Duration) (Occurrence, error) {
	if workspace == "" || id == "" || holder == "" {
		return Occurrence{}, errors.New("storage: claim occurrence: workspace, id and holder are required")
	}
	if lease <= 0 {
		return Occurrence{}, errors.New("storage: claim occurrence: lease must be positive")
	}
	now = dbTime(now)
	until := dbTime(now.Add(lease))
	after := options.FindOneAndUpdate().SetReturnDocument(options.After)
	coll := s.occurrences()

	// The same holder asking again (a retried tick) keeps its claim
	// without counting a new attempt.
	var o Occurrence
	renew := bson.D{
		{Key: "_id", Value: id},
		{Key: "state", Value: OccurrenceClaimed},
		{Key: "holder", Value: holder},
		{Key: "lease_until", Value: bson.D{{Key: "$gt", Value: now}}},
	}
	err := coll.FindOneAndUpdate(ctx, renew, bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: until}}}}, after).Decode(&o)
	if err == nil {
		return o, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return Occurrence{}, fmt.Errorf("storage: claim occurrence: %w", err)
	}

	// New, or an expired claim: the upsert inserts the first, the filter
	// matches the second, and anything else collides on the _id.
	take := bson.D{
		{Key: "_id", Value: id},
		{Key: "state", Value: OccurrenceClaimed},
		{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	update := bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "state", Value: OccurrenceClaimed},
			{Key: "holder", Value: holder},
			{Key: "lease_until", Value: until},
			{Key: "claimed_at", Value: now},
		}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "workspace", Value: workspace}}},
	}
	err = coll.FindOneAndUpdate(ctx, take, update, options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&o)
	if err == nil {
		return o, nil
	}
	if !isDuplicate(err) {
		return Occurrence{}, fmt.Errorf("storage: claim occurrence: %w", err)
	}
	return Occurrence{}, s.claimError(ctx, id)
}

// claimError reads what stands in the way of a refused write. The read is
// separate from the write, so it is informative only: it may already be out
// of date, which is why it is only done on the losing path.
func (s *Store) claimError(ctx context.Context, id string) error {
	o, err := s.Occurrence(ctx, id)
	if err != nil {
		// The refusal itself is certain; only the details are missing.
		return fmt.Errorf("%w: %s (state unknown: %v)", ErrClaimed, id, err)
	}
	return &ClaimError{ID: o.ID, State: o.State, Holder: o.Holder, LeaseUntil: o.LeaseUntil}
}

// MarkOccurrenceDone records the post (its Slack ts) on the holder's claim,
// which makes the occurrence final. The claim counts even when its lease
// ran out, as long as nobody took it over: the post happened. It returns
// ErrClaimed (a *ClaimError) when the holder no longer holds the claim, and
// nil when the same holder already marked it done with the same ts, so a
// retried mark is harmless.
func (s *Store) MarkOccurrenceDone(ctx context.Context, id, holder, messageTS string, now time.Time) error {
	if id == "" || holder == "" {
		return errors.New("storage: mark occurrence done: id and holder are required")
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "state", Value: OccurrenceClaimed}, {Key: "holder", Value: holder}}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: OccurrenceDone},
		{Key: "message_ts", Value: messageTS},
		{Key: "done_at", Value: dbTime(now)},
	}}}
	res, err := s.occurrences().UpdateOne(ctx, filter, update)
	if err != nil {
		return fmt.Errorf("storage: mark occurrence done: %w", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	o, err := s.Occurrence(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %s was never claimed", ErrClaimed, id)
	}
	if err != nil {
		return fmt.Errorf("storage: mark occurrence done: %w", err)
	}
	if o.State == OccurrenceDone && o.Holder == holder && o.MessageTS == messageTS {
		return nil
	}
	return &ClaimError{ID: o.ID, State: o.State, Holder: o.Holder, LeaseUntil: o.LeaseUntil}
}

// SkipOccurrence marks an occurrence skipped with a reason (holiday,
// outside grace window), so no replica runs it later. It is idempotent: an
// occurrence already skipped keeps its first reason and nil is returned.
// It takes over a claim whose lease expired (its holder died and nobody
// will post it), but it returns ErrClaimed (a *ClaimError) for an
// occurrence that is done or under a live claim: a replica whose clock
// says "too late" must not undo one that is posting in time.
func (s *Store) SkipOccurrence(ctx context.Context, workspace, id, reason string, now time.Time) error {
	if workspace == "" || id == "" {
		return errors.New("storage: skip occurrence: workspace and id are required")
	}
	now = dbTime(now)
	coll := s.occurrences()
	skip := bson.D{
		{Key: "state", Value: OccurrenceSkipped},
		{Key: "reason", Value: reason},
		{Key: "done_at", Value: now},
	}
	expired := bson.D{
		{Key: "_id", Value: id},
		{Key: "state", Value: OccurrenceClaimed},
		{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	res, err := coll.UpdateOne(ctx, expired, bson.D{{Key: "$set", Value: skip}})
	if err != nil {
		return fmt.Errorf("storage: skip occurrence: %w", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	// New, or already skipped (matched, left as it is); anything else
	// collides on the _id.
	insert := append(bson.D{{Key: "workspace", Value: workspace}}, skip...)
	_, err = coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "state", Value: OccurrenceSkipped}},
		bson.D{{Key: "$setOnInsert", Value: insert}},
		options.Update().SetUpsert(true))
	if err == nil {
		return nil
	}
	if !isDuplicate(err) {
		return fmt.Errorf("storage: skip occurrence: %w", err)
	}
	return s.claimError(ctx, id)
}

// ReleaseOccurrence drops the holder's claim (a graceful shutdown before
// posting) so another replica can take it at once rather than after the
// lease. The next claim counts as a new attempt. It returns ErrNotFound
// for an unknown occurrence and ErrClaimed (a *ClaimError) when the holder
// does not hold it.
func (s *Store) ReleaseOccurrence(ctx context.Context, id, holder string) error {
	if id == "" || holder == "" {
		return errors.New("storage: release occurrence: id and holder are required")
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "state", Value: OccurrenceClaimed}, {Key: "holder", Value: holder}}
	// The epoch is before any claim's now, so the lease reads as expired
	// to every claimer; the holder is kept to show who let it go.
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: time.Unix(0, 0).UTC()}}}}
	res, err := s.occurrences().UpdateOne(ctx, filter, update)
	if err != nil {
		return fmt.Errorf("storage: release occurrence: %w", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	o, err := s.Occurrence(ctx, id)
	if err != nil {
		return err
	}
	return &ClaimError{ID: o.ID, State: o.State, Holder: o.Holder, LeaseUntil: o.LeaseUntil}
}

// FailOccurrence records an occurrence the holder claimed as skipped with
// reason: its post failed in a way no retry can fix (the channel is
// archived, the token revoked), so no replica should try it again. It
// returns a *ClaimError when holder does not hold the claim.
func (s *Store) FailOccurrence(ctx context.Context, id, holder, reason string, now time.Time) error {
	if id == "" || holder == "" {
		return errors.New("storage: fail occurrence: id and holder are required")
	}
	filter := bson.D{{Key: "_id", Value: id}, {Key: "state", Value: OccurrenceClaimed}, {Key: "holder", Value: holder}}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: OccurrenceSkipped},
		{Key: "reason", Value: reason},
		{Key: "done_at", Value: dbTime(now)},
	}}}
	res, err := s.occurrences().UpdateOne(ctx, filter, update)
	if err != nil {
		return fmt.Errorf("storage: fail occurrence: %w", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	return s.claimError(ctx, id)
}

// Occurrence returns the occurrence stored under id, or ErrNotFound.
func (s *Store) Occurrence(ctx context.Context, id string) (Occurrence, error) {
	var o Occurrence
	err := s.occurrences().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&o)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Occurrence{}, ErrNotFound
	}
	if err != nil {
		return Occurrence{}, fmt.Errorf("storage: load occurrence: %w", err)
	}
	return o, nil
}
