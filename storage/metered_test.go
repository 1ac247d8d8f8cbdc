package storage

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
)

type recorded struct {
	op  string
	err error
}

type recorder struct {
	mu  sync.Mutex
	ops []recorded
}

func (r *recorder) ObserveOperation(op string, took time.Duration, err error) {
	if took < 0 {
		panic("negative duration")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, recorded{op, err})
}

func (r *recorder) reset() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	ops := r.ops
	r.ops = nil
	return ops
}

// Every collection operation reaches the Observer, with an error only for
// real failures: no document and a duplicate key are answers.
func TestObserverSeesEveryOperation(t *testing.T) {
	ctx := context.Background()
	obs := &recorder{}
	s, err := openEngine(ctx, lungo.NewMemoryStore(), "memory", metered(obs, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	obs.reset() // the indexes and migrations of setUp

	c := s.coll("metered")
	if _, err := c.InsertOne(ctx, bson.M{"_id": "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.InsertOne(ctx, bson.M{"_id": "a"}); !lungo.IsUniquenessError(err) {
		t.Fatalf("second insert: %v", err)
	}
	if err := c.FindOne(ctx, bson.M{"_id": "missing"}).Err(); err == nil {
		t.Fatal("found a missing document")
	}
	if _, err := c.InsertOne(ctx, bson.M{"_id": make(chan int)}); err == nil {
		t.Fatal("inserted a channel")
	}
	got := obs.reset()
	want := []string{"insert_one", "insert_one", "find_one", "insert_one"}
	if len(got) != len(want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
	for i, op := range want {
		if got[i].op != op {
			t.Errorf("op %d = %s, want %s", i, got[i].op, op)
		}
		if failed := got[i].err != nil; failed != (i == 3) {
			t.Errorf("op %d (%s): err %v", i, op, got[i].err)
		}
	}

	// A store's own methods go through the decorator too.
	if _, err := s.EnsureWorkspace(ctx, "T1", "U1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if len(obs.reset()) == 0 {
		t.Error("EnsureWorkspace observed nothing")
	}
}
