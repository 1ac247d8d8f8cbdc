package journal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
)

const snapshotVersion = 1

type snapshot struct {
	Version    int                            `bson:"v"`
	Gen        int64                          `bson:"gen"`
	Namespaces map[string]lungo.FileNamespace `bson:"namespaces"`
}

func encodeSnapshot(w io.Writer, cat *lungo.Catalog, gen uint64) error {
	buf, err := appendFrame(nil, snapshot{
		Version:    snapshotVersion,
		Gen:        int64(gen),
		Namespaces: lungo.BuildFile(cat).Namespaces,
	})
	if err != nil {
		return fmt.Errorf("journal: encode snapshot: %w", err)
	}
	_, err = w.Write(buf)
	return err
}

func decodeSnapshot(data []byte, name string) (*snapshot, error) {
	body, ok := frameAt(data, 0)
	if !ok || headerSize+len(body) != len(data) {
		return nil, fmt.Errorf("journal: snapshot %s: %w: bad length or checksum", name, ErrCorrupt)
	}
	var snap snapshot
	if err := bson.Unmarshal(body, &snap); err != nil {
		return nil, fmt.Errorf("journal: snapshot %s: %w: %w", name, ErrCorrupt, err)
	}
	if snap.Version != snapshotVersion || snap.Gen < 1 {
		return nil, fmt.Errorf("journal: snapshot %s: unsupported version %d or generation %d", name, snap.Version, snap.Gen)
	}
	return &snap, nil
}

// writeAtomic writes dir/name through a temporary file, fsynced, renamed over
// the old one and made durable with an fsync of dir, so a crash leaves
// either the old or the new file. It returns the size written.
func writeAtomic(dir, name string, write func(io.Writer) error) (int64, error) {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	defer os.Remove(tmp) // after a successful rename this finds nothing
	bw := bufio.NewWriterSize(f, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	st, serr := f.Stat()
	err = errors.Join(err, serr, f.Close())
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err == nil {
		err = syncPath(dir)
	}
	if err != nil {
		return 0, fmt.Errorf("journal: write %s: %w", name, err)
	}
	return st.Size(), nil
}

// WriteSnapshot writes a consistent full copy of the last stored catalog to
// w, in the snapshot format Restore reads. Writers are not blocked while it
// runs.
func (s *Store) WriteSnapshot(w io.Writer) error {
	s.mu.Lock()
	cat, closed := s.last, s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return encodeSnapshot(w, cat, 1)
}

// Restore writes a snapshot made by WriteSnapshot or Copy into dir, which
// must be empty or missing but for the files named in ignore (a lock the
// caller holds), so that Open there loads it. The snapshot is checked
// before anything is written.
func Restore(dir string, r io.Reader, ignore ...string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("journal: restore: %w", err)
		}
	case err != nil:
		return fmt.Errorf("journal: restore: %w", err)
	}
	for _, e := range entries {
		if !slices.Contains(ignore, e.Name()) {
			return fmt.Errorf("journal: restore: %s is not empty", dir)
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("journal: restore: %w", err)
	}
	snap, err := decodeSnapshot(data, "to restore")
	if err != nil {
		return err
	}
	if _, err := (&lungo.File{Namespaces: snap.Namespaces}).BuildCatalog(); err != nil {
		return fmt.Errorf("journal: restore: %w", err)
	}
	_, err = writeAtomic(dir, snapshotFile, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	return err
}

// copyAttempts bounds Copy's retries when a compaction removes a journal
// between listing the directory and reading it.
const copyAttempts = 5

// Copy writes to w a consistent snapshot of the store in dir, in the
// format Restore reads, reading only: it may run while a process appends
// to dir. Each journal record is one whole commit with a checksum, so the
// copy holds every commit whose record was complete when read, and a
// record still being written is left out like a torn tail. A compaction
// running meanwhile may remove a journal under it; Copy then reads again.
func Copy(dir string, w io.Writer) error {
	var err error
	for range copyAttempts {
		var cat *lungo.Catalog
		if cat, err = readOnly(dir); err == nil {
			return encodeSnapshot(w, cat, 1)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return fmt.Errorf("journal: copy: the store kept changing under the copy: %w", err)
}

// readOnly loads the store in dir as Open would, without writing, locking
// or cutting anything.
func readOnly(dir string) (*lungo.Catalog, error) {
	gens, has, err := listDir(dir)
	if err != nil {
		return nil, err
	}
	var base map[string]lungo.FileNamespace
	first := uint64(1)
	switch {
	case has[snapshotFile]:
		path := filepath.Join(dir, snapshotFile)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("journal: copy: %w", err)
		}
		snap, err := decodeSnapshot(data, path)
		if err != nil {
			return nil, err
		}
		base, first = snap.Namespaces, uint64(snap.Gen)
	case has[LegacyFile]:
		data, err := os.ReadFile(filepath.Join(dir, LegacyFile))
		if err != nil {
			return nil, fmt.Errorf("journal: copy: %w", err)
		}
		var file lungo.File
		if err := bson.Unmarshal(data, &file); err != nil {
			return nil, fmt.Errorf("journal: copy: legacy store: %w", err)
		}
		base = file.Namespaces
	case len(gens) == 0:
		return nil, fmt.Errorf("journal: copy: no store in %s", dir)
	}
	rp := newReplayer(base)
	want := first
	for i, gen := range gens {
		if gen < first {
			continue
		}
		if gen != want {
			// A gap: a compaction removed journals after the listing.
			return nil, fmt.Errorf("journal: copy: journal %d: %w", want, os.ErrNotExist)
		}
		path := filepath.Join(dir, fmt.Sprintf("journal-%06d.log", gen))
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("journal: copy: %w", err)
		}
		good, err := scan(data, path, rp.apply)
		if err != nil {
			return nil, err
		}
		if good < len(data) && i != len(gens)-1 {
			return nil, fmt.Errorf("journal: %s at offset %d: %w: torn record in a journal that is not the last", path, good, ErrCorrupt)
		}
		want++
	}
	return rp.catalog()
}
