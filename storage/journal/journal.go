// Package journal implements a lungo.Store that appends each commit's changes
// to a checksummed journal, fsyncs by group commit and compacts the journal
// into a snapshot in the background.
package journal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
)

const (
	// LegacyFile is the lungo.FileStore file that Open migrates from.
	LegacyFile   = "kpibot.lungo"
	snapshotFile = "snapshot.dat"
	fileMode     = 0o600
)

// ErrClosed is returned by a closed Store.
var ErrClosed = errors.New("journal: store closed")

// Options configures a Store.
type Options struct {
	// Logger receives torn-record, compaction and migration messages.
	// Default: slog.Default().
	Logger *slog.Logger

	// MinCompactBytes is how large the journal must grow, besides
	// outgrowing the snapshot, before it is compacted. Zero means 1 MiB;
	// negative disables automatic compaction.
	MinCompactBytes int64

	beforeFsync func() // test hook: runs before each fsync batch
}

// Stats are a Store's counters since Open.
type Stats struct {
	Stores        uint64        // records appended
	StoreTime     time.Duration // total time in Store: diff, encode, write
	Bytes         int64         // bytes appended
	Fsyncs        uint64        // fsync batches
	FsyncTime     time.Duration // total duration of the batches
	LastFsync     time.Duration // duration of the latest batch
	Compactions   uint64        // snapshots written
	CompactErrors uint64        // failed compactions
	Generation    uint64        // journal being appended to
	JournalBytes  int64         // appended since the last compaction started
	SnapshotBytes int64         // size of the snapshot
}

// Store is a lungo.Store over a snapshot and journal files in a directory.
// Store writes without fsync; Sync makes the writes durable.
type Store struct {
	dir         string
	log         *slog.Logger
	minCompact  int64
	beforeFsync func()

	mu         sync.Mutex
	last       *lungo.Catalog // loaded or last stored
	file       *os.File       // journal being appended to
	size       int64          // of file
	gen        uint64         // of file
	legacy     bool           // LegacyFile is the base until a snapshot replaces it
	compacting bool
	closed     bool
	err        error // sticky: failed fsync or unremovable partial write
	buf        []byte
	written    uint64     // records appended
	synced     uint64     // records covered by a completed fsync
	retired    []*os.File // rotated journals that the flusher syncs and closes
	dirDirty   bool       // a journal was created since the last directory fsync
	waiters    []waiter
	stats      Stats

	kick      chan struct{}
	stop      chan struct{}
	flushDone chan struct{}
	compactWG sync.WaitGroup
	// encoded is the last snapshot's encoding of each namespace; only the
	// compaction goroutine uses it, and one runs at a time.
	encoded encodeCache
}

type waiter struct {
	target uint64
	done   chan error
}

// Open opens or creates the store in dir and loads the snapshot, or the
// legacy file if there is no snapshot yet, and replays the journals. A torn
// record at the end of the last journal is dropped and logged.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MinCompactBytes == 0 {
		opts.MinCompactBytes = 1 << 20
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	s := &Store{
		dir: dir, log: opts.Logger, minCompact: opts.MinCompactBytes, beforeFsync: opts.beforeFsync,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), flushDone: make(chan struct{}),
	}
	if err := s.recover(); err != nil {
		return nil, err
	}
	go s.flusher()
	if s.legacy {
		s.mu.Lock()
		s.startCompaction() // the migration's first snapshot
		s.mu.Unlock()
	}
	return s, nil
}

func (s *Store) journalPath(gen uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("journal-%06d.log", gen))
}

// parseJournal reads the generation out of a journal's file name.
func parseJournal(name string) (uint64, bool) {
	num, ok := strings.CutPrefix(name, "journal-")
	num, ok2 := strings.CutSuffix(num, ".log")
	if !ok || !ok2 {
		return 0, false
	}
	gen, err := strconv.ParseUint(num, 10, 64)
	return gen, err == nil && gen > 0
}

// listDir returns the journal generations in dir, in order, and the set
// of its file names.
func listDir(dir string) (gens []uint64, has map[string]bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	has = map[string]bool{}
	for _, e := range entries {
		has[e.Name()] = true
		if gen, ok := parseJournal(e.Name()); ok {
			gens = append(gens, gen)
		}
	}
	slices.Sort(gens)
	return gens, has, nil
}

// recover loads the base and replays the journals into s.last, and opens the
// last journal for appending.
func (s *Store) recover() error {
	gens, has, err := listDir(s.dir)
	if err != nil {
		return err
	}

	base, first := map[string]lungo.FileNamespace(nil), uint64(1) // first: oldest journal not in base
	var baseRaw map[string]bson.Raw
	if has[snapshotFile] {
		path := filepath.Join(s.dir, snapshotFile)
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		snap, err := decodeSnapshot(data, path)
		if err != nil {
			return err
		}
		base, baseRaw, first, s.stats.SnapshotBytes = snap.Namespaces, snap.raw, uint64(snap.Gen), int64(len(data))
		if has[LegacyFile] {
			s.finishMigration() // a crash came between snapshot and rename
		}
	} else if has[LegacyFile] {
		path := filepath.Join(s.dir, LegacyFile)
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		var file lungo.File
		if err := bson.Unmarshal(data, &file); err != nil {
			return fmt.Errorf("journal: legacy store %s: %w", path, err)
		}
		base, s.legacy = file.Namespaces, true
		s.log.Info("journal: migrating legacy store", "file", path)
	}

	rp := newReplayer(base)
	s.gen, s.dirDirty = first, true // the first flush makes the directory durable
	good, next := 0, first
	for _, gen := range gens {
		path := s.journalPath(gen)
		if gen < first {
			_ = os.Remove(path) // in the snapshot; a crash came before its deletion
			continue
		} else if gen != next {
			return fmt.Errorf("journal: %s: %w: journal generation %d is missing", s.dir, ErrCorrupt, next)
		} else if int64(good) < s.size {
			return fmt.Errorf("journal: %s at offset %d: %w: torn record in a journal that is not the last", s.journalPath(s.gen), good, ErrCorrupt)
		} else if gen > first {
			// After a process crash its unsynced records may still be in the
			// page cache only; make them durable before newer ones are.
			if err := syncPath(s.journalPath(s.gen)); err != nil {
				return fmt.Errorf("journal: %w", err)
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		if good, err = scan(data, path, rp.apply); err != nil {
			return err
		}
		s.gen, s.size, next = gen, int64(len(data)), gen+1
		s.stats.JournalBytes += int64(good)
	}
	if s.last, err = rp.catalog(); err != nil {
		return err
	}
	s.encoded = rp.reuse(s.last, baseRaw)

	f, err := os.OpenFile(s.journalPath(s.gen), os.O_WRONLY|os.O_CREATE|os.O_APPEND, fileMode)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if int64(good) < s.size {
		// Cut the torn tail so that new records follow the last good one.
		// The next fsync makes the cut durable; until then a crash just
		// brings the same torn tail back.
		s.log.Warn("journal: dropping torn record at the end of the journal", "file", f.Name(), "offset", good, "bytes", s.size-int64(good))
		if err := f.Truncate(int64(good)); err != nil {
			_ = f.Close()
			return fmt.Errorf("journal: truncate %s: %w", f.Name(), err)
		}
	}
	s.file, s.size = f, int64(good)
	return nil
}

// Load returns the catalog loaded by Open, or the last stored one.
func (s *Store) Load() (*lungo.Catalog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, nil
}

// Store appends the changes from the last stored catalog to c as one
// record. lungo calls it under the engine's lock, so it writes but never
// fsyncs.
func (s *Store) Store(c *lungo.Catalog) error {
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	} else if s.err != nil {
		return s.err
	}
	ops := diffCatalogs(s.last, c)
	if len(ops) == 0 {
		s.last = c
		return nil
	}
	buf, err := appendFrame(s.buf[:0], record{Ops: ops})
	if err != nil {
		return fmt.Errorf("journal: encode record: %w", err)
	}
	if cap(buf) <= 1<<20 {
		s.buf = buf // reuse, but do not pin a huge commit's buffer
	}
	n, err := s.file.Write(buf)
	if err != nil {
		// A partial record followed by more would read as corruption in the
		// middle: cut it off, or refuse to write on.
		if n > 0 {
			if terr := s.file.Truncate(s.size); terr != nil {
				s.err = fmt.Errorf("journal: remove partial record from %s: %w", s.file.Name(), terr)
			}
		}
		return fmt.Errorf("journal: append to %s: %w", s.file.Name(), err)
	}
	s.last = c
	s.size += int64(n)
	s.written++
	s.stats.Stores++
	s.stats.Bytes += int64(n)
	s.stats.JournalBytes += int64(n)
	if s.minCompact >= 0 && !s.compacting && s.stats.JournalBytes > max(s.stats.SnapshotBytes, s.minCompact) {
		s.startCompaction()
	}
	s.stats.StoreTime += time.Since(start)
	return nil
}

// Sync blocks until an fsync covering every record appended before the call
// has completed. Concurrent callers share fsyncs.
func (s *Store) Sync(ctx context.Context) error {
	s.mu.Lock()
	if s.err != nil || s.written <= s.synced {
		defer s.mu.Unlock()
		return s.err
	}
	w := waiter{target: s.written, done: make(chan error, 1)}
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()
	s.wake()
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("journal: sync: %w", ctx.Err())
	}
}

func (s *Store) wake() {
	select {
	case s.kick <- struct{}{}:
	default: // the flusher is due to run anyway
	}
}

// flusher is the only goroutine that fsyncs. Callers of Sync that arrive
// during an fsync wait for the next one, which then covers them all, so N
// concurrent writers cost about one fsync rather than N.
func (s *Store) flusher() {
	defer close(s.flushDone)
	for {
		select {
		case <-s.kick:
			s.flush()
		case <-s.stop:
			s.flush() // Close stopped writes; this one covers them all
			return
		}
	}
}

func (s *Store) flush() {
	if s.beforeFsync != nil {
		s.beforeFsync()
	}
	s.mu.Lock()
	target, f, retired, dirDirty := s.written, s.file, s.retired, s.dirDirty
	if s.err != nil || target == s.synced && len(retired) == 0 && !dirDirty {
		s.notify()
		s.mu.Unlock()
		return
	}
	s.retired, s.dirDirty = nil, false
	s.mu.Unlock()

	start := time.Now()
	var err error
	for _, r := range retired { // older records first
		err = errors.Join(err, r.Sync(), r.Close())
	}
	if dirDirty && err == nil {
		err = syncPath(s.dir) // a new journal's name must be durable too
	}
	if err == nil {
		err = f.Sync()
	}
	took := time.Since(start)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Fsyncs++
	s.stats.FsyncTime += took
	s.stats.LastFsync = took
	if err != nil && s.err == nil {
		// After a failed fsync the kernel may have dropped the dirty pages,
		// and a retry could succeed without them: fail for good.
		s.err = fmt.Errorf("journal: fsync: %w", err)
	} else if err == nil {
		s.synced = target
	}
	s.notify()
}

// notify answers the waiters that the fsyncs so far covered; s.mu is held.
func (s *Store) notify() {
	keep := s.waiters[:0]
	for _, w := range s.waiters {
		if s.err != nil {
			w.done <- s.err
		} else if w.target <= s.synced {
			w.done <- nil
		} else {
			keep = append(keep, w)
		}
	}
	clear(s.waiters[len(keep):])
	s.waiters = keep
	if len(keep) > 0 {
		s.wake()
	}
}

// startCompaction moves appends to a new journal and snapshots the current
// catalog in the background; s.mu is held. Catalogs are immutable, so the
// pointer is a consistent copy of all older journals while lungo commits on.
func (s *Store) startCompaction() {
	gen := s.gen + 1
	f, err := os.OpenFile(s.journalPath(gen), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, fileMode)
	if err != nil {
		s.log.Error("journal: cannot create a journal, compaction postponed", "err", err)
		s.stats.CompactErrors++
		s.stats.JournalBytes = 0 // retry after as many bytes again
		return
	}
	s.retired = append(s.retired, s.file)
	s.file, s.gen, s.size, s.dirDirty = f, gen, 0, true
	s.stats.JournalBytes = 0
	s.compacting = true
	s.wake() // sync the retired journal soon: a torn one cannot be skipped
	s.compactWG.Add(1)
	go s.compact(s.last, gen)
}

func (s *Store) compact(cat *lungo.Catalog, gen uint64) {
	defer s.compactWG.Done()
	start := time.Now()
	size, err := writeAtomic(s.dir, snapshotFile, func(w io.Writer) error {
		next, err := encodeSnapshot(w, cat, gen, s.encoded)
		if err == nil {
			s.encoded = next
		}
		return err
	})
	for old := gen - 1; err == nil && old > 0; old-- {
		if rerr := os.Remove(s.journalPath(old)); errors.Is(rerr, os.ErrNotExist) {
			break // the rest went in earlier compactions
		} else if rerr != nil {
			err = fmt.Errorf("journal: %w", rerr)
		}
	}

	s.mu.Lock()
	s.compacting = false
	migrated := s.legacy && err == nil
	if err != nil {
		s.stats.CompactErrors++
	} else {
		s.stats.Compactions++
		s.stats.SnapshotBytes = size
		s.legacy = false
	}
	s.mu.Unlock()

	if err != nil {
		s.log.Error("journal: compaction failed", "generation", gen, "err", err)
		return
	}
	s.log.Info("journal: compacted", "generation", gen, "snapshot_bytes", size, "took", time.Since(start))
	if migrated {
		s.finishMigration()
	}
}

// finishMigration renames the legacy file once a snapshot holds its data.
func (s *Store) finishMigration() {
	from := filepath.Join(s.dir, LegacyFile)
	if err := os.Rename(from, from+".migrated"); err != nil {
		s.log.Error("journal: cannot rename the migrated legacy store", "file", from, "err", err)
		return
	}
	s.log.Info("journal: migrated legacy store, a snapshot now holds its data", "renamed_to", from+".migrated")
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Generation = s.gen
	return st
}

// Close waits for a running compaction, fsyncs, stops the background
// goroutines and closes the files. Call it once, after closing the engine.
func (s *Store) Close() error {
	s.mu.Lock()
	closed := s.closed
	s.closed = true
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	s.compactWG.Wait()
	close(s.stop)
	<-s.flushDone

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.retired {
		_ = f.Close()
	}
	if err := s.file.Close(); err != nil && s.err == nil {
		return fmt.Errorf("journal: %w", err)
	}
	return s.err
}

// syncPath fsyncs a file or directory.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
