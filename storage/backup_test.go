package storage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/256dpi/lungo"
)

// kpibot backup copies the embedded store while the bot runs; kpibot
// restore puts it into an empty directory, where kpibot starts on it.
func TestBackupWhileOpenAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	save(t, s, checkIn("T1", "U1", "a", "2026-11-23", t0, map[string]int{"calls": 4}))
	save(t, s, checkIn("T1", "U1", "b", "2026-10-27", t0, map[string]int{"meetings": 1}))
	if _, err := s.MakeManager(ctx, "T1", "M1"); err != nil {
		t.Fatal(err)
	}
	var backup bytes.Buffer
	if err := Backup(ctx, dir, &backup); err != nil { // s still holds the lock
		t.Fatal(err)
	}
	save(t, s, checkIn("T1", "U1", "after", "2026-11-24", t0, map[string]int{"calls": 1}))
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	if err := Restore(dir, bytes.NewReader(backup.Bytes())); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("restore over a store: %v, want ErrNotEmpty", err)
	}
	into := filepath.Join(t.TempDir(), "restored")
	if err := Restore(into, bytes.NewReader(backup.Bytes())); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, Config{DataDir: into})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	got, err := r.CheckIns(ctx, "T1", "U1", "2026-10-26", "2026-11-30")
	if err != nil || len(got) != 2 {
		t.Fatalf("restored check-ins: %v, %v (the one after the backup must not be there)", keys(got), err)
	}
	if team, err := r.TeamOf(ctx, "T1", "M1"); err != nil || team.Manager != "M1" {
		t.Fatalf("restored team: %+v, %v", team, err)
	}
}

// A data directory of lungo's FileStore (kpibot.lungo, rewritten whole on
// every write) is read on first start, and its data kept.
func TestOpenMigratesTheFileStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old, err := openEngine(ctx, lungo.NewFileStore(filepath.Join(dir, "kpibot.lungo"), 0o600), "file", nil)
	if err != nil {
		t.Fatal(err)
	}
	save(t, old, checkIn("T1", "U1", "a", "2026-11-23", t0, map[string]int{"calls": 4}))
	if err := old.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s, err := Open(ctx, Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.CheckIns(ctx, "T1", "U1", "2026-11-23", "2026-11-23")
		if err != nil || len(got) != 1 {
			t.Fatalf("after migration: %v, %v", keys(got), err)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "kpibot.lungo.migrated")); err != nil {
		t.Errorf("the old file was not kept as kpibot.lungo.migrated: %v", err)
	}
}
