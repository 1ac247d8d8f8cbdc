package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kpibot/kpibot/storage"
)

// The README's backup, restore and migrate, end to end through Run: a
// console session logs, the backup is taken, restored into a new data
// directory, and a console there sees the entry.
func TestBackupRestoreAndMigrate(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t, nil)
	run := func(cfg Config, args []string, in string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Run(ctx, cfg, args, IO{In: strings.NewReader(in), Out: &out, Err: io.Discard}, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatalf("kpibot %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	run(cfg, []string{"console", "--user", "alice"}, "/log 3 rdv 1 offre\n")

	file := filepath.Join(t.TempDir(), "kpibot.backup")
	if out := run(cfg, []string{"backup", file}, ""); !strings.Contains(out, "kpibot restore "+file) {
		t.Errorf("backup said: %s", out)
	}
	restored := testConfig(t, nil)
	restored.DataDir = filepath.Join(t.TempDir(), "new")
	if out := run(restored, []string{"restore", file}, ""); !strings.Contains(out, "Restored") {
		t.Errorf("restore said: %s", out)
	}
	if out := run(restored, []string{"console", "--user", "alice"}, "/log 1 rdv\n"); !strings.Contains(out, "4 rdv · 1 offre") {
		t.Errorf("the restored store lost the entry:\n%s", out)
	}
	// A restore never overwrites a store.
	if err := Run(ctx, restored, []string{"restore", file}, IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore over a store: %v", err)
	}

	// migrate copies into MongoDB; lungo's engine stands in for it here,
	// through the same function the command runs after opening both.
	src, err := storage.Open(ctx, storage.Config{DataDir: restored.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close(ctx)
	dst, err := storage.OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close(ctx)
	var out bytes.Buffer
	if err := migrate(ctx, src, dst, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "every count matches") || !strings.Contains(out.String(), "MONGODB_URI") {
		t.Errorf("migrate said: %s", out.String())
	}
	for _, bad := range [][]string{{"backup"}, {"restore"}, {"migrate"}, {"migrate", "--to"}} {
		if err := Run(ctx, cfg, bad, IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "usage") && !strings.Contains(err.Error(), "flag") {
			t.Errorf("kpibot %v: %v, want its usage", bad, err)
		}
	}
}
