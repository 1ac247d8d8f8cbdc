// Package storagetest opens the stores that other packages' tests run on:
// the same code path as production, on a fresh database every time.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/kpibot/kpibot/storage"
)

// URIVar names the environment variable of a MongoDB server to test
// against; unset, tests use lungo's engines.
const URIVar = "TEST_MONGODB_URI"

// Open returns a fresh store for one test: a uniquely named database on
// the MongoDB server of TEST_MONGODB_URI, dropped when the test ends, or
// lungo's in-memory engine when it is unset. Either way it is closed at
// the end of the test.
func Open(t testing.TB) *storage.Store {
	t.Helper()
	if uri := os.Getenv(URIVar); uri != "" {
		return openMongo(t, uri)
	}
	return memory(t)
}

// Engines returns one fresh store per engine, for the tests that must hold
// on each (concurrent deliveries of one key, concurrent claims): lungo's
// in-memory engine, the journaled embedded store in a temporary
// directory, and MongoDB when TEST_MONGODB_URI is set.
func Engines(t testing.TB) map[string]*storage.Store {
	t.Helper()
	out := map[string]*storage.Store{"memory": memory(t)}
	ctx := context.Background()
	emb, err := storage.Open(ctx, storage.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("storagetest: embedded store: %v", err)
	}
	t.Cleanup(func() { _ = emb.Close(ctx) })
	out["journal"] = emb
	if uri := os.Getenv(URIVar); uri != "" {
		out["mongodb"] = openMongo(t, uri)
	}
	return out
}

func memory(t testing.TB) *storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := storage.OpenMemory(ctx)
	if err != nil {
		t.Fatalf("storagetest: in-memory engine: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	return s
}

func openMongo(t testing.TB, uri string) *storage.Store {
	t.Helper()
	ctx := context.Background()
	name := make([]byte, 8)
	_, _ = rand.Read(name)
	s, err := storage.Open(ctx, storage.Config{URI: uri, Database: "kpibot_test_" + hex.EncodeToString(name)})
	if err != nil {
		t.Fatalf("storagetest: MongoDB: %v", err)
	}
	t.Cleanup(func() {
		if err := s.DropDatabase(ctx); err != nil {
			t.Errorf("storagetest: drop the test database: %v", err)
		}
		_ = s.Close(ctx)
	})
	return s
}
