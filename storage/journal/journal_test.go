package journal

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/256dpi/lungo"
	"github.com/256dpi/lungo/bsonkit"
	"github.com/256dpi/lungo/mongokit"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

var ctx = context.Background()

// logBuffer collects log output; slog handlers may write from the
// background goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a journal store with a lungo engine on top.
type env struct {
	t      testing.TB
	st     *Store
	client lungo.IClient
	engine *lungo.Engine
}

func openEnv(t testing.TB, dir string, opts Options) *env {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	st, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	client, engine, err := lungo.Open(ctx, lungo.Options{Store: st})
	if err != nil {
		t.Fatalf("lungo.Open: %v", err)
	}
	return &env{t: t, st: st, client: client, engine: engine}
}

func (e *env) coll(db, name string) lungo.ICollection {
	return e.client.Database(db).Collection(name)
}

// close closes the engine and the store and returns the final catalog.
func (e *env) close() *lungo.Catalog {
	e.t.Helper()
	e.engine.Close()
	if err := e.st.Close(); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
	return e.engine.Catalog()
}

// compacting reports whether a compaction is running.
func (e *env) compacting() bool {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	return e.st.compacting
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// diffCatalogs compares every namespace, document (in order, as BSON) and
// index definition.
func compareCatalogs(want, got *lungo.Catalog) error {
	names := func(c *lungo.Catalog) []string {
		var s []string
		for h := range c.Namespaces {
			s = append(s, h.String())
		}
		slices.Sort(s)
		return s
	}
	if w, g := names(want), names(got); !slices.Equal(w, g) {
		return fmt.Errorf("namespaces: want %v, got %v", w, g)
	}
	for h, wn := range want.Namespaces {
		if h == lungo.Oplog {
			continue // not journaled: see diffCatalogs
		}
		gn := got.Namespaces[h]
		wl, gl := wn.Documents.List, gn.Documents.List
		if len(wl) != len(gl) {
			return fmt.Errorf("%s: want %d documents, got %d", h, len(wl), len(gl))
		}
		for i := range wl {
			wb, err1 := bson.Marshal(wl[i])
			gb, err2 := bson.Marshal(gl[i])
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			if !bytes.Equal(wb, gb) {
				return fmt.Errorf("%s: document %d: want %s, got %s", h, i, bson.Raw(wb), bson.Raw(gb))
			}
		}
		if len(wn.Indexes) != len(gn.Indexes) {
			return fmt.Errorf("%s: want %d indexes, got %d", h, len(wn.Indexes), len(gn.Indexes))
		}
		for name, wi := range wn.Indexes {
			gi, ok := gn.Indexes[name]
			if !ok || !wi.Config().Equal(gi.Config()) {
				return fmt.Errorf("%s: index %q differs", h, name)
			}
		}
	}
	return nil
}

func insertN(t testing.TB, c lungo.ICollection, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		_, err := c.InsertOne(ctx, bson.M{"_id": i, "name": fmt.Sprintf("user-%d", i), "score": i * 10})
		must(t, err)
	}
}

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"inserts", func(t *testing.T, e *env) {
			insertN(t, e.coll("a", "x"), 0, 5)
			_, err := e.coll("a", "x").InsertMany(ctx, []any{bson.M{"k": "auto id"}, bson.M{"nested": bson.M{"a": bson.A{1, "two", bson.M{"three": 3.0}}}}})
			must(t, err)
		}},
		{"updates", func(t *testing.T, e *env) {
			c := e.coll("a", "x")
			insertN(t, c, 0, 6)
			_, err := c.UpdateOne(ctx, bson.M{"_id": 2}, bson.M{"$set": bson.M{"name": "two"}})
			must(t, err)
			_, err = c.UpdateMany(ctx, bson.M{"_id": bson.M{"$gte": 3}}, bson.M{"$inc": bson.M{"score": 1}})
			must(t, err)
			_, err = c.ReplaceOne(ctx, bson.M{"_id": 0}, bson.M{"replaced": true})
			must(t, err)
			_, err = c.UpdateOne(ctx, bson.M{"_id": 99}, bson.M{"$set": bson.M{"upserted": true}}, options.Update().SetUpsert(true))
			must(t, err)
			_, err = c.UpdateMany(ctx, bson.M{}, bson.M{"$set": bson.M{"all": true}})
			must(t, err)
		}},
		{"deletes", func(t *testing.T, e *env) {
			c := e.coll("a", "x")
			insertN(t, c, 0, 10)
			_, err := c.DeleteOne(ctx, bson.M{"_id": 0})
			must(t, err)
			_, err = c.DeleteMany(ctx, bson.M{"_id": bson.M{"$in": bson.A{3, 5, 9}}})
			must(t, err)
			insertN(t, c, 20, 2)
		}},
		{"indexes", func(t *testing.T, e *env) {
			c := e.coll("a", "x")
			insertN(t, c, 0, 3)
			_, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "name", Value: 1}}, Options: options.Index().SetUnique(true)})
			must(t, err)
			_, err = c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetExpireAfterSeconds(3600)})
			must(t, err)
			_, err = c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "score", Value: -1}}, Options: options.Index().SetName("partial").SetPartialFilterExpression(bson.M{"score": bson.M{"$gt": 5}})})
			must(t, err)
			_, err = c.Indexes().DropOne(ctx, "at_1")
			must(t, err)
			_, err = e.coll("a", "empty").Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "k", Value: 1}}})
			must(t, err)
		}},
		{"dropped collection", func(t *testing.T, e *env) {
			insertN(t, e.coll("a", "x"), 0, 3)
			insertN(t, e.coll("a", "y"), 0, 3)
			must(t, e.coll("a", "x").Drop(ctx))
			insertN(t, e.coll("a", "x"), 10, 1) // recreated
		}},
		{"several databases", func(t *testing.T, e *env) {
			for _, db := range []string{"a", "b", "c"} {
				insertN(t, e.coll(db, "x"), 0, 2)
				insertN(t, e.coll(db, "y"), 5, 2)
			}
			must(t, e.client.Database("b").Drop(ctx))
		}},
		{"transaction", func(t *testing.T, e *env) {
			c := e.coll("a", "x")
			insertN(t, c, 0, 5)
			sess, err := e.client.StartSession()
			must(t, err)
			defer sess.EndSession(ctx)
			// Delete and re-insert the same _id, and update another, in one
			// commit: the re-inserted document must come last, as in memory.
			_, err = sess.WithTransaction(ctx, func(sc lungo.ISessionContext) (any, error) {
				if _, err := c.DeleteOne(sc, bson.M{"_id": 1}); err != nil {
					return nil, err
				}
				if _, err := c.InsertOne(sc, bson.M{"_id": 1, "again": true}); err != nil {
					return nil, err
				}
				_, err := c.UpdateOne(sc, bson.M{"_id": 3}, bson.M{"$set": bson.M{"x": 1}})
				return nil, err
			})
			must(t, err)
		}},
	}
	modes := []struct {
		name       string
		minCompact int64
	}{{"journal only", -1}, {"compact every commit", 1}}
	for _, tc := range cases {
		for _, mode := range modes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				dir := t.TempDir()
				opts := Options{MinCompactBytes: mode.minCompact}
				e := openEnv(t, dir, opts)
				tc.run(t, e)
				want := e.close()

				e = openEnv(t, dir, opts)
				if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
					t.Fatalf("after reopen: %v", err)
				}
				insertN(t, e.coll("a", "x"), 1000, 2) // appends continue cleanly
				want = e.close()

				e = openEnv(t, dir, opts)
				defer e.close()
				if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
					t.Fatalf("after second reopen: %v", err)
				}
			})
		}
	}
}

func journalFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "journal-*.log"))
	must(t, err)
	slices.Sort(m)
	return m
}

func TestCompaction(t *testing.T) {
	dir := t.TempDir()
	var logs logBuffer
	opts := Options{MinCompactBytes: 16 << 10, Logger: logs.logger()}
	e := openEnv(t, dir, opts)
	// A namespace no later commit touches: compactions reuse its encoding.
	insertN(t, e.coll("a", "old"), 0, 20)
	c := e.coll("a", "x")
	for i := range 300 {
		_, err := c.InsertOne(ctx, bson.M{"_id": i, "pad": strings.Repeat("x", 200)})
		must(t, err)
		if i%3 == 0 {
			_, err = c.UpdateOne(ctx, bson.M{"_id": i / 2}, bson.M{"$set": bson.M{"u": i}})
			must(t, err)
		}
		if i%7 == 0 {
			_, err = c.DeleteOne(ctx, bson.M{"_id": i / 3})
			must(t, err)
		}
	}
	want := e.close()

	stats := e.st.Stats()
	if stats.Compactions < 2 || stats.CompactErrors != 0 {
		t.Fatalf("want at least 2 compactions and no errors, got %+v", stats)
	}
	if !strings.Contains(logs.String(), "journal: compacted") {
		t.Errorf("no compaction logged: %s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, snapshotFile)); err != nil {
		t.Fatal(err)
	}
	files := journalFiles(t, dir)
	if len(files) != 1 || files[0] != e.st.journalPath(stats.Generation) {
		t.Fatalf("old journals not deleted: %v (generation %d)", files, stats.Generation)
	}

	e = openEnv(t, dir, opts)
	if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
	insertN(t, e.coll("a", "x"), 1000, 50)
	// Enough to compact again in this process, reusing the encodings of
	// the namespaces loaded from the snapshot and not changed since.
	// How much that takes depends on where the first process's last
	// compaction fell, so write until one has started.
	for i := 0; e.st.Stats().Compactions == 0 && !e.compacting(); i++ {
		if i == 5000 {
			t.Fatal("no compaction after reopening")
		}
		_, err := e.coll("a", "x").InsertOne(ctx, bson.M{"_id": 2000 + i, "pad": strings.Repeat("y", 200)})
		must(t, err)
	}
	want = e.close()
	if n := e.st.Stats().Compactions; n == 0 {
		t.Fatal("the compaction after reopening did not finish")
	}
	e = openEnv(t, dir, opts)
	defer e.close()
	if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
		t.Fatalf("after second reopen: %v", err)
	}
}

// TestSnapshotReusesUnchangedNamespaces checks that a snapshot built from
// the previous one's encodings reads back as the catalog it was made of,
// and that only the namespaces a commit replaced were encoded again.
func TestSnapshotReusesUnchangedNamespaces(t *testing.T) {
	e := openEnv(t, t.TempDir(), Options{MinCompactBytes: -1})
	defer e.close()
	insertN(t, e.coll("a", "old"), 0, 30)
	insertN(t, e.coll("a", "hot"), 0, 30)
	first := e.engine.Catalog()
	cache, err := encodeSnapshot(io.Discard, first, 1, nil)
	must(t, err)

	insertN(t, e.coll("a", "hot"), 100, 5)
	_, err = e.coll("a", "hot").DeleteOne(ctx, bson.M{"_id": 3})
	must(t, err)
	second := e.engine.Catalog()
	var buf bytes.Buffer
	next, err := encodeSnapshot(&buf, second, 2, cache)
	must(t, err)

	old, hot := lungo.Handle{"a", "old"}, lungo.Handle{"a", "hot"}
	if got, was := next[second.Namespaces[old]].raw, cache[first.Namespaces[old]].raw; &got[0] != &was[0] {
		t.Error("the untouched namespace was encoded again")
	}
	if _, ok := cache[second.Namespaces[hot]]; ok {
		t.Fatal("the changed namespace kept its pointer: the test proves nothing")
	}
	snap, err := decodeSnapshot(buf.Bytes(), "test")
	must(t, err)
	got, err := (&lungo.File{Namespaces: snap.Namespaces}).BuildCatalog()
	must(t, err)
	if err := compareCatalogs(second, got); err != nil {
		t.Fatal(err)
	}
}

// writeJournal makes a store with one journal of several records, and
// returns its directory, the journal's bytes, the end offset of each record
// and the catalog after each record (index 0: before any).
func writeJournal(t *testing.T) (string, []byte, []int, []*lungo.Catalog) {
	dir := t.TempDir()
	e := openEnv(t, dir, Options{MinCompactBytes: -1})
	ends := []int{0}
	cats := []*lungo.Catalog{e.engine.Catalog()}
	step := func(err error) {
		t.Helper()
		must(t, err)
		ends = append(ends, int(e.st.Stats().Bytes))
		cats = append(cats, e.engine.Catalog())
	}
	c := e.coll("a", "x")
	_, err := c.InsertOne(ctx, bson.M{"_id": 1, "v": "one"})
	step(err)
	_, err = c.InsertMany(ctx, []any{bson.M{"_id": 2}, bson.M{"_id": 3}})
	step(err)
	_, err = c.UpdateOne(ctx, bson.M{"_id": 1}, bson.M{"$set": bson.M{"v": "uno"}})
	step(err)
	_, err = c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "v", Value: 1}}})
	step(err)
	_, err = c.DeleteOne(ctx, bson.M{"_id": 2})
	step(err)
	_, err = e.coll("b", "y").InsertOne(ctx, bson.M{"_id": "s"})
	step(err)
	step(e.coll("b", "y").Drop(ctx))
	e.close()

	files := journalFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("want one journal, got %v", files)
	}
	data, err := os.ReadFile(files[0])
	must(t, err)
	if len(data) != ends[len(ends)-1] {
		t.Fatalf("journal has %d bytes, records end at %v", len(data), ends)
	}
	return dir, data, ends, cats
}

func TestTruncatedTail(t *testing.T) {
	_, data, ends, cats := writeJournal(t)
	root := t.TempDir()
	const workers = 8 // each offset costs a few fsyncs; overlap them
	for w := range workers {
		t.Run(fmt.Sprint("worker ", w), func(t *testing.T) {
			t.Parallel()
			for off := w; off <= len(data); off += workers {
				dir := filepath.Join(root, fmt.Sprint(off))
				must(t, os.Mkdir(dir, 0o700))
				must(t, os.WriteFile(filepath.Join(dir, "journal-000001.log"), data[:off], 0o600))

				// complete records survive, the torn one is dropped and logged
				var logs logBuffer
				e := openEnv(t, dir, Options{MinCompactBytes: -1, Logger: logs.logger()})
				k := 0
				for k+1 < len(ends) && ends[k+1] <= off {
					k++
				}
				if err := compareCatalogs(cats[k], e.engine.Catalog()); err != nil {
					t.Fatalf("offset %d: %v", off, err)
				}
				if torn := off != ends[k]; torn != strings.Contains(logs.String(), "torn record") {
					t.Fatalf("offset %d: torn=%v but log is %q", off, torn, logs.String())
				}

				// and the store keeps working after the cut
				_, err := e.coll("a", "z").InsertOne(ctx, bson.M{"_id": off})
				must(t, err)
				want := e.close()
				e = openEnv(t, dir, Options{MinCompactBytes: -1})
				if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
					t.Fatalf("offset %d, after writing past the cut: %v", off, err)
				}
				e.close()
			}
		})
	}
}

func TestCorruption(t *testing.T) {
	dir, data, ends, cats := writeJournal(t)
	journal := filepath.Join(dir, "journal-000001.log")
	cases := []struct {
		name    string
		mutate  func(d []byte) []byte
		wantOff int // offset named in the error; -1: no error
		keep    int // records kept when there is no error
		extra   map[string][]byte
	}{
		{"body byte of record 2 flipped", func(d []byte) []byte { d[ends[1]+headerSize+6] ^= 0xff; return d }, ends[1], 0, nil},
		{"checksum of record 1 flipped", func(d []byte) []byte { d[4] ^= 1; return d }, 0, 0, nil},
		{"length of record 3 huge", func(d []byte) []byte { binary.LittleEndian.PutUint32(d[ends[2]:], 1<<31); return d }, ends[2], 0, nil},
		{"header of record 4 zeroed", func(d []byte) []byte { clear(d[ends[3] : ends[3]+headerSize]); return d }, ends[3], 0, nil},
		{"last record flipped is a torn tail", func(d []byte) []byte { d[len(d)-2] ^= 0xff; return d }, -1, len(ends) - 2, nil},
		{"zero-filled tail is a torn tail", func(d []byte) []byte { return append(d, make([]byte, 100)...) }, -1, len(ends) - 1, nil},
		{"torn journal that is not the last", func(d []byte) []byte { return d[:len(d)-3] }, ends[len(ends)-2], 0, map[string][]byte{"journal-000002.log": nil}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			must(t, os.WriteFile(filepath.Join(d, filepath.Base(journal)), tc.mutate(slices.Clone(data)), 0o600))
			for name, content := range tc.extra {
				must(t, os.WriteFile(filepath.Join(d, name), content, 0o600))
			}
			st, err := Open(d, Options{MinCompactBytes: -1, Logger: quiet()})
			if tc.wantOff < 0 {
				must(t, err)
				defer st.Close()
				got, _ := st.Load()
				if err := compareCatalogs(cats[tc.keep], got); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				st.Close()
				t.Fatal("Open succeeded on a corrupt journal")
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("journal-000001.log at offset %d:", tc.wantOff)) {
				t.Fatalf("want a corruption error at offset %d, got: %v", tc.wantOff, err)
			}
		})
	}

	t.Run("missing generation", func(t *testing.T) {
		d := t.TempDir()
		must(t, os.WriteFile(filepath.Join(d, "journal-000001.log"), data, 0o600))
		must(t, os.WriteFile(filepath.Join(d, "journal-000003.log"), nil, 0o600))
		if _, err := Open(d, Options{Logger: quiet()}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "generation 2 is missing") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("corrupt snapshot", func(t *testing.T) {
		d := t.TempDir()
		e := openEnv(t, d, Options{MinCompactBytes: 1})
		insertN(t, e.coll("a", "x"), 0, 3)
		e.close()
		path := filepath.Join(d, snapshotFile)
		snap, err := os.ReadFile(path)
		must(t, err)
		snap[len(snap)/2] ^= 0xff
		must(t, os.WriteFile(path, snap, 0o600))
		if _, err := Open(d, Options{Logger: quiet()}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), snapshotFile) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestGroupCommit(t *testing.T) {
	const writers = 64
	cases := []struct {
		name      string
		hold      bool // hold the first fsync until every writer has written
		maxFsyncs uint64
	}{
		{"fsync held back", true, 2},
		{"free running", false, writers},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			written := make(chan struct{})
			opts := Options{MinCompactBytes: -1}
			if tc.hold {
				opts.beforeFsync = func() { <-written }
			}
			e := openEnv(t, dir, opts)
			var wrote, synced sync.WaitGroup
			errs := make(chan error, writers)
			for i := range writers {
				wrote.Add(1)
				synced.Add(1)
				go func() {
					defer synced.Done()
					_, err := e.coll("a", "x").InsertOne(ctx, bson.M{"_id": i})
					wrote.Done()
					if err == nil {
						err = e.st.Sync(ctx)
					}
					errs <- err
				}()
			}
			wrote.Wait()
			close(written)
			synced.Wait()
			close(errs)
			for err := range errs {
				must(t, err)
			}
			stats := e.st.Stats()
			t.Logf("%d writers, %d fsyncs, %v in fsync", writers, stats.Fsyncs, stats.FsyncTime)
			if stats.Fsyncs == 0 || stats.Fsyncs > tc.maxFsyncs {
				t.Errorf("want 1..%d fsyncs, got %d", tc.maxFsyncs, stats.Fsyncs)
			}
			e.close()

			e = openEnv(t, dir, Options{})
			defer e.close()
			if n, err := e.coll("a", "x").CountDocuments(ctx, bson.M{}); err != nil || n != writers {
				t.Fatalf("want %d documents after reopen, got %d (%v)", writers, n, err)
			}
		})
	}
}

func TestSyncAfterClose(t *testing.T) {
	e := openEnv(t, t.TempDir(), Options{})
	insertN(t, e.coll("a", "x"), 0, 1)
	e.close()
	if err := e.st.Sync(ctx); err != nil {
		t.Fatalf("Sync after Close with everything synced: %v", err)
	}
	if err := e.st.Store(lungo.NewCatalog()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Store after Close: %v", err)
	}
	if err := e.st.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

// writeLegacy writes a lungo.FileStore in dir through the engine.
func writeLegacy(t *testing.T, dir string) *lungo.Catalog {
	client, engine, err := lungo.Open(ctx, lungo.Options{Store: lungo.NewFileStore(filepath.Join(dir, LegacyFile), 0o600)})
	must(t, err)
	c := client.Database("kpibot").Collection("teams")
	for i := range 20 {
		_, err := c.InsertOne(ctx, bson.M{"_id": i, "name": fmt.Sprint("team ", i)})
		must(t, err)
	}
	_, err = c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "name", Value: 1}}, Options: options.Index().SetUnique(true)})
	must(t, err)
	_, err = c.DeleteOne(ctx, bson.M{"_id": 4})
	must(t, err)
	engine.Close()
	return engine.Catalog()
}

func TestMigration(t *testing.T) {
	legacy := func(dir string) string { return filepath.Join(dir, LegacyFile) }
	t.Run("first snapshot renames the legacy file", func(t *testing.T) {
		dir := t.TempDir()
		want := writeLegacy(t, dir)
		var logs logBuffer
		e := openEnv(t, dir, Options{Logger: logs.logger()})
		if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
			t.Fatal(err)
		}
		insertN(t, e.coll("kpibot", "teams"), 100, 3)
		want = e.close()

		if _, err := os.Stat(legacy(dir)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("legacy file still there: %v", err)
		}
		if _, err := os.Stat(legacy(dir) + ".migrated"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "migrated legacy store") {
			t.Errorf("migration not logged: %s", logs.String())
		}
		e = openEnv(t, dir, Options{})
		defer e.close()
		if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("legacy file kept until a snapshot succeeds", func(t *testing.T) {
		dir := t.TempDir()
		writeLegacy(t, dir)
		// A directory where the snapshot's temporary file goes makes
		// every snapshot fail.
		blocker := filepath.Join(dir, snapshotFile+".tmp")
		must(t, os.MkdirAll(filepath.Join(blocker, "x"), 0o700))
		e := openEnv(t, dir, Options{})
		insertN(t, e.coll("kpibot", "teams"), 100, 3)
		want := e.close()
		if st := e.st.Stats(); st.CompactErrors == 0 {
			t.Fatalf("snapshot did not fail: %+v", st)
		}
		if _, err := os.Stat(legacy(dir)); err != nil {
			t.Fatalf("legacy file gone although no snapshot was written: %v", err)
		}

		must(t, os.RemoveAll(blocker))
		e = openEnv(t, dir, Options{})
		if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
			t.Fatal(err)
		}
		e.close()
		if _, err := os.Stat(legacy(dir) + ".migrated"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSnapshotRestore(t *testing.T) {
	src := t.TempDir()
	e := openEnv(t, src, Options{})
	insertN(t, e.coll("a", "x"), 0, 10)
	_, err := e.coll("a", "x").Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "name", Value: 1}}})
	must(t, err)
	insertN(t, e.coll("b", "y"), 0, 3)
	var backup bytes.Buffer
	must(t, e.st.WriteSnapshot(&backup))
	want := e.close()

	nonEmpty := t.TempDir()
	must(t, os.WriteFile(filepath.Join(nonEmpty, "file"), nil, 0o600))
	damaged := slices.Clone(backup.Bytes())
	damaged[len(damaged)-3] ^= 0xff

	cases := []struct {
		name    string
		dir     string
		data    []byte
		wantErr string
	}{
		{"empty dir", t.TempDir(), backup.Bytes(), ""},
		{"missing dir", filepath.Join(t.TempDir(), "new"), backup.Bytes(), ""},
		{"non-empty dir", nonEmpty, backup.Bytes(), "not empty"},
		{"damaged snapshot", t.TempDir(), damaged, "corrupt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Restore(tc.dir, bytes.NewReader(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				return
			}
			must(t, err)
			e := openEnv(t, tc.dir, Options{})
			if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
				t.Fatal(err)
			}
			insertN(t, e.coll("a", "x"), 100, 1)
			want := e.close()
			e = openEnv(t, tc.dir, Options{})
			defer e.close()
			if err := compareCatalogs(want, e.engine.Catalog()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// timedStore measures the Store step of another lungo.Store.
type timedStore struct {
	inner lungo.Store
	took  time.Duration
}

func (s *timedStore) Load() (*lungo.Catalog, error) { return s.inner.Load() }

func (s *timedStore) Store(c *lungo.Catalog) error {
	start := time.Now()
	err := s.inner.Store(c)
	s.took += time.Since(start)
	return err
}

// BenchmarkInsert inserts one document per op into a collection that
// already holds 1k or 100k documents. store-ns/op is the Store step alone,
// fsync-ns/op the journal's fsync time; the rest is lungo cloning the
// touched collection.
func BenchmarkInsert(b *testing.B) {
	for _, size := range []int{1_000, 100_000} {
		for _, kind := range []string{"filestore", "journal", "journal+sync"} {
			b.Run(fmt.Sprintf("%s/%d", kind, size), func(b *testing.B) {
				// Build the filled catalog directly: InsertMany clones the
				// collection once per document, which takes minutes at 100k.
				coll := mongokit.NewCollection(true)
				for j := range size {
					_, err := coll.Insert(bsonkit.MustConvert(bson.M{"_id": primitive.NewObjectID(), "n": j, "name": fmt.Sprint("user-", j), "team": "t", "score": float64(j)}))
					must(b, err)
				}
				filled := lungo.NewCatalog()
				filled.Namespaces[lungo.Handle{"kpibot", "bench"}] = coll

				dir := b.TempDir()
				var st lungo.Store
				if kind == "filestore" {
					fs := lungo.NewFileStore(filepath.Join(dir, LegacyFile), 0o600)
					must(b, fs.Store(filled))
					st = &timedStore{inner: fs}
				} else {
					var snap bytes.Buffer
					_, err := encodeSnapshot(&snap, filled, 1, nil)
					must(b, err)
					must(b, Restore(dir, &snap))
					js, err := Open(dir, Options{Logger: quiet()})
					must(b, err)
					defer func() { must(b, js.Close()) }()
					st = js
				}
				// the bot's oplog settings
				client, engine, err := lungo.Open(ctx, lungo.Options{Store: st, MinOplogSize: 1, MaxOplogSize: 1, MinOplogAge: time.Second, MaxOplogAge: time.Second})
				must(b, err)
				defer engine.Close()
				c := client.Database("kpibot").Collection("bench")

				b.ResetTimer()
				for i := range b.N {
					_, err := c.InsertOne(ctx, bson.M{"n": size + i, "name": "new", "team": "t", "score": 1.5})
					must(b, err)
					if kind == "journal+sync" {
						must(b, st.(*Store).Sync(ctx))
					}
				}
				b.StopTimer()
				switch st := st.(type) {
				case *timedStore:
					b.ReportMetric(float64(st.took.Nanoseconds())/float64(b.N), "store-ns/op")
				case *Store:
					s := st.Stats()
					b.ReportMetric(float64(s.StoreTime.Nanoseconds())/float64(b.N), "store-ns/op")
					b.ReportMetric(float64(s.FsyncTime.Nanoseconds())/float64(b.N), "fsync-ns/op")
				}
			})
		}
	}
}
