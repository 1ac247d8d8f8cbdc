package journal

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// Copy reads a store that another Store has open and appends to, as
// kpibot backup does while the bot runs: the copy holds every complete
// commit, leaves a half-written record out, and changes nothing in dir.
func TestCopyWhileOpen(t *testing.T) {
	for _, compact := range []int64{-1, 1} { // never, and at every commit
		dir := t.TempDir()
		e := openEnv(t, dir, Options{MinCompactBytes: compact})
		insertN(t, e.coll("a", "x"), 0, 20)
		must(t, e.st.Sync(ctx))
		e.st.compactWG.Wait() // the live store's own compaction is not Copy's doing
		want := e.engine.Catalog()

		// A record being appended when the copy reads: half of a frame.
		journal := e.st.journalPath(e.st.Stats().Generation)
		torn := []byte{0x40, 0, 0, 0, 1, 2, 3, 4, 5, 6}
		f, err := os.OpenFile(journal, os.O_WRONLY|os.O_APPEND, 0)
		must(t, err)
		_, err = f.Write(torn)
		must(t, err)
		must(t, f.Close())
		before := dirSizes(t, dir)

		var backup bytes.Buffer
		must(t, Copy(dir, &backup))
		if after := dirSizes(t, dir); !maps.Equal(before, after) {
			t.Fatalf("Copy changed the directory: %v → %v", before, after)
		}
		// The live store is not disturbed: cut our fake tail off again.
		must(t, os.Truncate(journal, before[filepath.Base(journal)]-int64(len(torn))))
		e.close()

		restored := filepath.Join(t.TempDir(), "restored")
		must(t, Restore(restored, &backup))
		r := openEnv(t, restored, Options{})
		if err := compareCatalogs(want, r.engine.Catalog()); err != nil {
			t.Fatalf("compaction %d: %v", compact, err)
		}
		r.close()
	}
}

func TestCopyOfNothing(t *testing.T) {
	if err := Copy(t.TempDir(), &bytes.Buffer{}); err == nil {
		t.Fatal("a copy of an empty directory succeeded")
	}
}

func dirSizes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	out := map[string]int64{}
	for _, e := range entries {
		info, err := e.Info()
		must(t, err)
		out[e.Name()] = info.Size()
	}
	return out
}
