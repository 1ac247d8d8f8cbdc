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
	"github.com/256dpi/lungo/mongokit"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

const snapshotVersion = 1

type snapshot struct {
	Version    int                            `bson:"v"`
	Gen        int64                          `bson:"gen"`
	Namespaces map[string]lungo.FileNamespace `bson:"namespaces"`
	// raw is each namespace's encoding as read, for the next compaction.
	raw map[string]bson.Raw
}

// snapshotOut is snapshot as written: each namespace already encoded, so
// that a compaction encodes only the namespaces changed since the last one.
type snapshotOut struct {
	Version    int                 `bson:"v"`
	Gen        int64               `bson:"gen"`
	Namespaces map[string]bson.Raw `bson:"namespaces"`
}

// encoded is one namespace's encoding, kept for the next snapshot.
type encoded struct {
	name string
	raw  bson.Raw
}

// encodeCache maps a namespace to its encoding in the previous snapshot.
// lungo never changes a namespace in place: a commit that touches one
// installs a new pointer, so an unchanged pointer has unchanged bytes.
// Past weeks' partitions, most of a store, are then encoded once, and a
// compaction of a large store costs what changed since the last one.
type encodeCache map[*mongokit.Collection]encoded

// encodeSnapshot writes cat as a snapshot of generation gen, reusing the
// encodings in cache (which may be nil), and returns the cache for the
// next call.
func encodeSnapshot(w io.Writer, cat *lungo.Catalog, gen uint64, cache encodeCache) (encodeCache, error) {
	next := make(encodeCache, len(cat.Namespaces))
	out := snapshotOut{Version: snapshotVersion, Gen: int64(gen), Namespaces: make(map[string]bson.Raw, len(cat.Namespaces))}
	for h, ns := range cat.Namespaces {
		e, ok := cache[ns]
		if !ok {
			one := lungo.BuildFile(&lungo.Catalog{Namespaces: map[lungo.Handle]*mongokit.Collection{h: ns}})
			for name, fns := range one.Namespaces {
				raw, err := bson.Marshal(fns)
				if err != nil {
					return nil, fmt.Errorf("journal: encode snapshot of %s: %w", name, err)
				}
				e = encoded{name: name, raw: raw}
			}
		}
		next[ns] = e
		out.Namespaces[e.name] = e.raw
	}
	buf, err := frameSnapshot(out)
	if err != nil {
		return nil, fmt.Errorf("journal: encode snapshot: %w", err)
	}
	if _, err := w.Write(buf); err != nil {
		return nil, err
	}
	return next, nil
}

// frameSnapshot frames out as appendFrame would. It writes the document
// itself, into a buffer of the exact size, since the encoder would copy
// each namespace twice into a buffer doubled again and again: tens of
// megabytes of garbage per compaction of a large store, collected while
// reps wait.
func frameSnapshot(out snapshotOut) ([]byte, error) {
	size := headerSize + 64
	for name, raw := range out.Namespaces {
		size += len(name) + len(raw) + 2
	}
	buf := make([]byte, headerSize, size)
	doc, buf := bsoncore.AppendDocumentStart(buf)
	buf = bsoncore.AppendInt32Element(buf, "v", int32(out.Version))
	buf = bsoncore.AppendInt64Element(buf, "gen", out.Gen)
	nss, buf := bsoncore.AppendDocumentElementStart(buf, "namespaces")
	for name, raw := range out.Namespaces {
		buf = bsoncore.AppendDocumentElement(buf, name, raw)
	}
	buf, err := bsoncore.AppendDocumentEnd(buf, nss)
	if err == nil {
		buf, err = bsoncore.AppendDocumentEnd(buf, doc)
	}
	if err != nil {
		return nil, err
	}
	return sealFrame(buf, 0)
}

func decodeSnapshot(data []byte, name string) (*snapshot, error) {
	body, ok := frameAt(data, 0)
	if !ok || headerSize+len(body) != len(data) {
		return nil, fmt.Errorf("journal: snapshot %s: %w: bad length or checksum", name, ErrCorrupt)
	}
	var raw snapshotOut
	if err := bson.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("journal: snapshot %s: %w: %w", name, ErrCorrupt, err)
	}
	if raw.Version != snapshotVersion || raw.Gen < 1 {
		return nil, fmt.Errorf("journal: snapshot %s: unsupported version %d or generation %d", name, raw.Version, raw.Gen)
	}
	snap := &snapshot{Version: raw.Version, Gen: raw.Gen, Namespaces: make(map[string]lungo.FileNamespace, len(raw.Namespaces)), raw: raw.Namespaces}
	for ns, b := range raw.Namespaces {
		var fns lungo.FileNamespace
		if err := bson.Unmarshal(b, &fns); err != nil {
			return nil, fmt.Errorf("journal: snapshot %s: namespace %s: %w: %w", name, ns, ErrCorrupt, err)
		}
		snap.Namespaces[ns] = fns
	}
	return snap, nil
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
	_, err := encodeSnapshot(w, cat, 1, nil)
	return err
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
			_, err = encodeSnapshot(w, cat, 1, nil)
			return err
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
