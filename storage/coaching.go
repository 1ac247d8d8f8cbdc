package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Coaching thread states. A draft's questions are the manager's alone
// until posted; skipped means the manager chose to send none.
const (
	ThreadDraft   = "draft"
	ThreadPosted  = "posted"
	ThreadSkipped = "skipped"
)

// Thread is one private coaching conversation between a manager and a
// rep: the fact base both see, and the questions the manager approved.
type Thread struct {
	ID        string    `bson:"_id"` // workspace/code
	Code      string    `bson:"code"`
	Workspace string    `bson:"workspace"`
	Manager   string    `bson:"manager"`
	Rep       string    `bson:"rep"`
	Channel   string    `bson:"channel"` // the conversation of the three
	TS        string    `bson:"ts"`      // the fact base's message
	Facts     string    `bson:"facts"`   // the fact base as posted
	Draft     []string  `bson:"draft"`   // the questions proposed to the manager
	Source    string    `bson:"source"`  // "template" or "llm"
	Questions []string  `bson:"questions,omitempty"`
	State     string    `bson:"state"`
	CreatedAt time.Time `bson:"created_at"`
}

// Commitment is what a rep or manager commits to in a thread; it comes
// back at the next thread and in the rep's /kpi me.
type Commitment struct {
	ID        string    `bson:"_id"` // workspace/code
	Code      string    `bson:"code"`
	Workspace string    `bson:"workspace"`
	Rep       string    `bson:"rep"`
	Manager   string    `bson:"manager"`
	Thread    string    `bson:"thread"` // the thread's code
	Text      string    `bson:"text"`
	Due       string    `bson:"due,omitempty"` // "2006-01-02"
	CreatedBy string    `bson:"created_by"`
	CreatedAt time.Time `bson:"created_at"`
	// DoneAt is when the rep marked it done; nil while open.
	DoneAt *time.Time `bson:"done_at,omitempty"`
}

// SaveThread stores a new thread under a fresh code.
func (s *Store) SaveThread(ctx context.Context, t Thread) (Thread, error) {
	if t.Workspace == "" || t.Manager == "" || t.Rep == "" {
		return Thread{}, errors.New("storage: save thread: workspace, manager and rep are required")
	}
	t.CreatedAt = t.CreatedAt.UTC().Truncate(time.Millisecond)
	return insertWithCode(ctx, s.coll("threads"), "thread", func(code string) Thread {
		t.Code, t.ID = code, t.Workspace+"/"+code
		return t
	})
}

// DecideThread records the manager's choice on a draft: the questions
// posted, or none (skipped). Only a draft can be decided, so a double
// click cannot post twice; ErrClaimed otherwise.
func (s *Store) DecideThread(ctx context.Context, workspace, code, state string, questions []string) (Thread, error) {
	var t Thread
	err := s.coll("threads").FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: workspace + "/" + code}, {Key: "state", Value: ThreadDraft}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: state}, {Key: "questions", Value: questions}}}},
	).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		if _, err := s.Thread(ctx, workspace, code); err != nil {
			return Thread{}, err
		}
		return Thread{}, ErrClaimed
	}
	if err != nil {
		return Thread{}, fmt.Errorf("storage: decide thread: %w", err)
	}
	t.State, t.Questions = state, questions
	return t, nil
}

// Thread returns one thread by code, or ErrNotFound.
func (s *Store) Thread(ctx context.Context, workspace, code string) (Thread, error) {
	var t Thread
	err := s.coll("threads").FindOne(ctx, bson.D{{Key: "_id", Value: workspace + "/" + code}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Thread{}, ErrNotFound
	}
	if err != nil {
		return Thread{}, fmt.Errorf("storage: find thread: %w", err)
	}
	return t, nil
}

// Threads returns a rep's threads, newest first.
func (s *Store) Threads(ctx context.Context, workspace, rep string) ([]Thread, error) {
	out, err := findAll[Thread](ctx, s.coll("threads"), bson.D{{Key: "rep", Value: rep}, {Key: "workspace", Value: workspace}}, "threads")
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Thread) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// ThreadIn returns the newest thread held in a conversation, or
// ErrNotFound: a /kpi commit typed in the thread's conversation belongs
// to it.
func (s *Store) ThreadIn(ctx context.Context, workspace, channel string) (Thread, error) {
	out, err := findAll[Thread](ctx, s.coll("threads"), bson.D{{Key: "channel", Value: channel}, {Key: "workspace", Value: workspace}}, "threads")
	if err != nil {
		return Thread{}, err
	}
	if len(out) == 0 {
		return Thread{}, ErrNotFound
	}
	slices.SortStableFunc(out, func(a, b Thread) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out[0], nil
}

// SaveCommitment stores a commitment under a fresh code.
func (s *Store) SaveCommitment(ctx context.Context, c Commitment) (Commitment, error) {
	if c.Workspace == "" || c.Rep == "" || c.Text == "" {
		return Commitment{}, errors.New("storage: save commitment: workspace, rep and text are required")
	}
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
	return insertWithCode(ctx, s.coll("commitments"), "commitment", func(code string) Commitment {
		c.Code, c.ID = code, c.Workspace+"/"+code
		return c
	})
}

// Commitments returns a rep's commitments, oldest first.
func (s *Store) Commitments(ctx context.Context, workspace, rep string) ([]Commitment, error) {
	out, err := findAll[Commitment](ctx, s.coll("commitments"), bson.D{{Key: "rep", Value: rep}, {Key: "workspace", Value: workspace}}, "commitments")
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Commitment) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// CompleteCommitment marks the rep's commitment code done at at, and
// returns it. Only the rep's own commitment matches: another's code is
// ErrNotFound, as is an unknown one. Marking it again keeps the first time.
func (s *Store) CompleteCommitment(ctx context.Context, workspace, rep, code string, at time.Time) (Commitment, error) {
	coll := s.coll("commitments")
	filter := bson.D{{Key: "_id", Value: workspace + "/" + code}, {Key: "workspace", Value: workspace}, {Key: "rep", Value: rep}}
	done := at.UTC().Truncate(time.Millisecond)
	var c Commitment
	err := coll.FindOneAndUpdate(ctx,
		append(filter, bson.E{Key: "done_at", Value: bson.D{{Key: "$exists", Value: false}}}),
		bson.D{{Key: "$set", Value: bson.D{{Key: "done_at", Value: done}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		// Done already, or not the rep's.
		err = coll.FindOne(ctx, filter).Decode(&c)
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Commitment{}, ErrNotFound
	}
	if err != nil {
		return Commitment{}, fmt.Errorf("storage: complete commitment: %w", err)
	}
	return c, nil
}

// Cadence is how often a rep's coaching conversation opens on its own, in
// weeks; 0 turns it off. A rep without one gets the default.
type Cadence struct {
	ID        string `bson:"_id"` // workspace/rep
	Workspace string `bson:"workspace"`
	Rep       string `bson:"rep"`
	Weeks     int    `bson:"weeks"`
}

// SetCadence records a rep's coaching cadence.
func (s *Store) SetCadence(ctx context.Context, workspace, rep string, weeks int) error {
	c := Cadence{ID: workspace + "/" + rep, Workspace: workspace, Rep: rep, Weeks: weeks}
	return upsertByID(ctx, s.coll("cadences"), c.ID, c, "cadence")
}

// Cadences returns the cadences set in a workspace, by rep.
func (s *Store) Cadences(ctx context.Context, workspace string) (map[string]int, error) {
	list, err := findAll[Cadence](ctx, s.coll("cadences"), bson.D{{Key: "workspace", Value: workspace}}, "cadences")
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(list))
	for _, c := range list {
		out[c.Rep] = c.Weeks
	}
	return out, nil
}
