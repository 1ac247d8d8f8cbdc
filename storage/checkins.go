package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// CheckIn is one /log entry of one rep. It keeps the raw text next to the
// parsed counts, so an entry can always be re-read or explained later.
type CheckIn struct {
	ID        primitive.ObjectID `bson:"_id,omitempty"`
	Workspace string             `bson:"workspace"`
	User      string             `bson:"user"`
	// Key makes a delivery idempotent: Slack's trigger_id, or a client key
	// in the console. A second delivery with the same key stores nothing.
	Key string `bson:"key"`
	// Day is the rep's local calendar day, "2006-01-02", so that a day or a
	// week is a range query that sorts as text.
	Day          string         `bson:"day"`
	TZ           string         `bson:"tz"`
	Raw          string         `bson:"raw"`
	Counts       map[string]int `bson:"counts"`
	RevenueCents int64          `bson:"revenue_cents"`
	HasRevenue   bool           `bson:"has_revenue"`
	Note         string         `bson:"note,omitempty"`
	Source       string         `bson:"source"`
	CreatedAt    time.Time      `bson:"created_at"`
	// UndoneAt marks an entry withdrawn with /log undo. It is kept, with
	// its raw text, rather than deleted: a redelivered trigger must not
	// bring it back, and the history stays explainable.
	UndoneAt *time.Time `bson:"undone_at,omitempty"`
}

func (s *Store) ensureIndexes(ctx context.Context) error {
	_, err := s.checkIns.Indexes().CreateMany(ctx, []mongo.IndexModel{
		{
			Keys:    bson.D{{Key: "workspace", Value: 1}, {Key: "key", Value: 1}},
			Options: options.Index().SetName("workspace_key_unique").SetUnique(true),
		},
		{
			Keys:    bson.D{{Key: "workspace", Value: 1}, {Key: "user", Value: 1}, {Key: "day", Value: 1}},
			Options: options.Index().SetName("workspace_user_day"),
		},
	})
	if err != nil {
		return fmt.Errorf("storage: create check-in indexes: %w", err)
	}
	return nil
}

// SaveCheckIn stores c once per (workspace, key). It reports whether c was
// new; for a repeated key it returns the entry stored the first time.
func (s *Store) SaveCheckIn(ctx context.Context, c CheckIn) (CheckIn, bool, error) {
	if c.Workspace == "" || c.User == "" || c.Key == "" {
		return CheckIn{}, false, errors.New("storage: save check-in: workspace, user and key are required")
	}
	c.ID = primitive.NewObjectID()
	// MongoDB keeps milliseconds; trimming here makes what we return equal
	// to what a later read gives.
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
	_, err := s.checkIns.InsertOne(ctx, c)
	if err == nil {
		return c, true, nil
	}
	if !lungo.IsUniquenessError(err) && !mongo.IsDuplicateKeyError(err) {
		return CheckIn{}, false, fmt.Errorf("storage: save check-in: %w", err)
	}
	var existing CheckIn
	err = s.checkIns.FindOne(ctx, bson.M{"workspace": c.Workspace, "key": c.Key}).Decode(&existing)
	if err != nil {
		return CheckIn{}, false, fmt.Errorf("storage: load repeated check-in: %w", err)
	}
	return existing, false, nil
}

// CheckIns returns the user's live entries (not undone) whose day is
// within [from, to], both "2006-01-02", by day then in the order logged.
func (s *Store) CheckIns(ctx context.Context, workspace, user, from, to string) ([]CheckIn, error) {
	filter := bson.M{
		"workspace": workspace,
		"user":      user,
		"day":       bson.M{"$gte": from, "$lte": to},
		"undone_at": bson.M{"$exists": false},
	}
	cur, err := s.checkIns.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "day", Value: 1}, {Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("storage: find check-ins: %w", err)
	}
	var out []CheckIn
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("storage: read check-ins: %w", err)
	}
	return out, nil
}

// UndoLastCheckIn withdraws the user's most recent live entry for day and
// returns it, or ErrNotFound when there is none.
func (s *Store) UndoLastCheckIn(ctx context.Context, workspace, user, day string, at time.Time) (CheckIn, error) {
	filter := bson.M{
		"workspace": workspace,
		"user":      user,
		"day":       day,
		"undone_at": bson.M{"$exists": false},
	}
	opts := options.FindOneAndUpdate().
		SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).
		SetReturnDocument(options.After)
	var c CheckIn
	err := s.checkIns.FindOneAndUpdate(ctx, filter, bson.M{"$set": bson.M{"undone_at": at.UTC().Truncate(time.Millisecond)}}, opts).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return CheckIn{}, ErrNotFound
	}
	if err != nil {
		return CheckIn{}, fmt.Errorf("storage: undo check-in: %w", err)
	}
	return c, nil
}

// ImportCheckIns stores many entries in one write, skipping those whose
// key is already stored, and returns how many were added. It serves bulk
// loads, such as a team's history kept in a spreadsheet, where one write
// per entry would rewrite the embedded store's file each time.
func (s *Store) ImportCheckIns(ctx context.Context, cs []CheckIn) (int, error) {
	if len(cs) == 0 {
		return 0, nil
	}
	docs := make([]any, 0, len(cs))
	for _, c := range cs {
		if c.Workspace == "" || c.User == "" || c.Key == "" {
			return 0, errors.New("storage: import check-ins: workspace, user and key are required")
		}
		c.ID = primitive.NewObjectID()
		c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
		docs = append(docs, c)
	}
	res, err := s.checkIns.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	n := 0
	if res != nil {
		n = len(res.InsertedIDs)
	}
	if err != nil && !lungo.IsUniquenessError(err) && !mongo.IsDuplicateKeyError(err) {
		return n, fmt.Errorf("storage: import check-ins: %w", err)
	}
	return n, nil
}
