package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// pendingCollection holds the /log readings waiting for their rep's
// confirmation: one per workspace and user, for an hour or so.
const pendingCollection = "pending_readings"

// Pending is a /log reading the bot was unsure of, waiting for its rep to
// save or drop it. It is kept in storage rather than in memory, so that a
// click on any replica finds it. Nothing of it counts until it is saved.
type Pending struct {
	ID        string `bson:"_id"` // workspace/user: one reading waits per rep
	Workspace string `bson:"workspace"`
	User      string `bson:"user"`
	// Code names this reading in its buttons. A click names a code, and
	// the reading is found by the clicking user, never by the code: a
	// code is only compared, so a forged one cannot reach another rep's.
	Code string `bson:"code"`
	// Entry is what saving stores, with the key of the /log that made it,
	// so a reading saved twice is stored once.
	Entry CheckIn `bson:"entry"`
	// Revises is the long reference of the entry the reading corrects
	// ("/log edit k3m9x …"), empty for a new entry.
	Revises   string         `bson:"revises,omitempty"`
	Doubts    []PendingDoubt `bson:"doubts"`
	CreatedAt time.Time      `bson:"created_at"`
	ExpiresAt time.Time      `bson:"expires_at"`
}

// PendingDoubt is one part of the text that was read with a guess.
type PendingDoubt struct {
	Kind    string `bson:"kind"`
	Token   string `bson:"token"`
	Reading string `bson:"reading"`
	Metric  string `bson:"metric,omitempty"`
}

func pendingID(workspace, user string) string { return workspace + "/" + user }

// SavePending stores p as the reading waiting for its user, under a new
// code, replacing any reading that was waiting: a rep confirms the last
// thing they typed. It returns p with its code.
func (s *Store) SavePending(ctx context.Context, p Pending) (Pending, error) {
	if p.Workspace == "" || p.User == "" || p.Entry.Key == "" || p.Entry.Day == "" {
		return Pending{}, errors.New("storage: save pending reading: workspace, user, key and day are required")
	}
	p.ID, p.Code = pendingID(p.Workspace, p.User), newCode()
	p.CreatedAt = dbTime(p.CreatedAt)
	p.ExpiresAt = dbTime(p.ExpiresAt)
	p.Entry.CreatedAt = dbTime(p.Entry.CreatedAt)
	if err := upsertByID(ctx, s.coll(pendingCollection), p.ID, p, "pending reading"); err != nil {
		return Pending{}, err
	}
	p.Entry.Workspace, p.Entry.User = p.Workspace, p.User
	return p, nil
}

// Pending returns the reading waiting for the user at now, or ErrNotFound
// when none is (never made, saved, dropped, or expired).
func (s *Store) Pending(ctx context.Context, workspace, user string, now time.Time) (Pending, error) {
	var p Pending
	err := s.coll(pendingCollection).FindOne(ctx, bson.D{
		{Key: "_id", Value: pendingID(workspace, user)},
		{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: dbTime(now)}}},
	}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Pending{}, ErrNotFound
	}
	if err != nil {
		return Pending{}, fmt.Errorf("storage: load pending reading: %w", err)
	}
	p.Entry.Workspace, p.Entry.User = p.Workspace, p.User
	return p, nil
}

// DeletePending drops the user's waiting reading if its code is code, and
// returns ErrNotFound otherwise: a click on an old reading's button never
// drops a newer one.
func (s *Store) DeletePending(ctx context.Context, workspace, user, code string) error {
	res, err := s.coll(pendingCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: pendingID(workspace, user)}, {Key: "code", Value: code}})
	if err != nil {
		return fmt.Errorf("storage: delete pending reading: %w", err)
	}
	if res.DeletedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// prunePending deletes the readings that expired before now.
func (s *Store) prunePending(ctx context.Context, now time.Time) error {
	_, err := s.coll(pendingCollection).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: dbTime(now)}}}})
	if err != nil {
		return fmt.Errorf("storage: prune pending readings: %w", err)
	}
	return nil
}
