package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kpibot/kpibot/storage/journal"
)

// Backup writes a consistent copy of the embedded store in dir to w, in
// the journal's snapshot format, whether or not a kpibot process is
// running on dir. It only reads: every journal record is one whole commit
// with a checksum, so the copy holds every commit completed (and, for a
// /log, acknowledged) before the read, and a record still being appended
// is left out as a torn tail would be.
func Backup(ctx context.Context, dir string, w io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	if err := journal.Copy(dir, w); err != nil {
		return fmt.Errorf("storage: backup %s: %w", dir, err)
	}
	return nil
}

// ErrNotEmpty is returned by Restore for a data directory that holds a
// store already: a restore never overwrites data.
var ErrNotEmpty = errors.New("storage: the data directory is not empty")

// Restore writes a backup into dir, which must be empty or absent, holding
// its lock while it does so that no kpibot starts on a half-restored
// directory.
func Restore(dir string, r io.Reader) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("storage: restore: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("storage: restore: %w", err)
	}
	for _, e := range entries {
		if e.Name() != lockFile {
			return fmt.Errorf("%w: %s holds %s", ErrNotEmpty, dir, e.Name())
		}
	}
	lock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer lock.release()
	if err := journal.Restore(dir, r, lockFile); err != nil {
		return fmt.Errorf("storage: restore into %s: %w", dir, err)
	}
	return nil
}
