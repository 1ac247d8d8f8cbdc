package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strings"

	"github.com/256dpi/lungo"
	"github.com/256dpi/lungo/bsonkit"
	"github.com/256dpi/lungo/mongokit"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsonrw"
)

// On-disk format.
//
// A journal file (journal-NNNNNN.log) is a sequence of frames, one per
// commit; the snapshot file is exactly one frame:
//
//	frame = length uint32 LE | crc uint32 LE | body [length]byte
//
// crc is the CRC-32C (Castagnoli) of body. A journal body is a BSON document
// with the commit's changes, one entry per touched namespace:
//
//	{o: [{n: "db.coll",  // namespace
//	      d: true,       // dropped; nothing else follows
//	      r: true,       // reset: drop all documents before applying the rest
//	      s: true,       // i holds the namespace's complete new index set
//	      i: {name: {key, unique, partial, expiry}},
//	      x: [_id, ...], // deleted documents
//	      u: [doc, ...], // replaced documents, found by _id, kept in place
//	      a: [doc, ...]  // inserted documents, appended in order
//	}]}
//
// Every field but n is omitted when empty. A snapshot body is
// {v: 1, gen: G, namespaces: <lungo.File namespaces>}; it holds everything
// written to journals with a generation below G.

const (
	headerSize = 8
	minBody    = 5 // the smallest BSON document; also rejects zero-filled tails
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by the errors that report damaged journal or
// snapshot data.
var ErrCorrupt = errors.New("corrupt data")

type record struct {
	Ops []nsOp `bson:"o"`
}

type nsOp struct {
	NS      string                     `bson:"n"`
	Drop    bool                       `bson:"d,omitempty"`
	Reset   bool                       `bson:"r,omitempty"`
	SetIdx  bool                       `bson:"s,omitempty"`
	Indexes map[string]lungo.FileIndex `bson:"i,omitempty"`
	Delete  []bson.RawValue            `bson:"x,omitempty"`
	Replace bsonkit.List               `bson:"u,omitempty"`
	Insert  bsonkit.List               `bson:"a,omitempty"`
}

// appendFrame appends v, BSON-encoded and framed, to buf.
func appendFrame(buf []byte, v any) ([]byte, error) {
	start := len(buf)
	buf = append(buf, make([]byte, headerSize)...)
	// An encoder writing into buf: bson.MarshalAppend is deprecated.
	w := bytes.NewBuffer(buf)
	vw, err := bsonrw.NewBSONValueWriter(w)
	if err != nil {
		return nil, err
	}
	enc, err := bson.NewEncoder(vw)
	if err != nil {
		return nil, err
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return sealFrame(w.Bytes(), start)
}

// sealFrame fills in the header of the frame that starts at start and runs
// to the end of buf.
func sealFrame(buf []byte, start int) ([]byte, error) {
	body := buf[start+headerSize:]
	if len(body) > math.MaxUint32 {
		return nil, fmt.Errorf("record of %d bytes is too large", len(body))
	}
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(body, castagnoli))
	return buf, nil
}

// frameAt returns the body of the frame at off if the frame is complete and
// its checksum matches.
func frameAt(data []byte, off int) ([]byte, bool) {
	if len(data)-off < headerSize {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(data[off:])
	if n < minBody || uint64(n) > uint64(len(data)-off-headerSize) {
		return nil, false
	}
	body := data[off+headerSize : off+headerSize+int(n)]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[off+4:]) {
		return nil, false
	}
	return body, true
}

// scan calls fn with each frame of a journal file and returns the offset
// after the last good frame. A bad frame counts as a torn tail, which the
// caller may drop, only if no valid frame starts anywhere after it: a crash
// mid-append leaves garbage (or zeros) at the end only, while damage followed
// by good records means committed data would be lost.
func scan(data []byte, name string, fn func(body []byte) error) (int, error) {
	off := 0
	for off < len(data) {
		body, ok := frameAt(data, off)
		if !ok {
			for next := off + 1; next+headerSize <= len(data); next++ {
				if _, ok := frameAt(data, next); ok {
					return off, fmt.Errorf("journal: %s at offset %d: %w: bad record followed by a valid one at offset %d", name, off, ErrCorrupt, next)
				}
			}
			return off, nil
		}
		if err := fn(body); err != nil {
			return off, fmt.Errorf("journal: %s at offset %d: %w", name, off, err)
		}
		off += headerSize + len(body)
	}
	return off, nil
}

// diffCatalogs returns the changes from old to cur. Committed catalogs are
// immutable and lungo copies a namespace before changing it, so namespaces
// with the same pointer are unchanged and need no further look.
//
// The oplog is left out: it only feeds change streams, which the store's
// users do not open, every commit changes it, and it holds a copy of each
// changed document, so journaling it would double every record. After a
// restart the oplog is the snapshot's, which lungo trims on the next
// commit.
func diffCatalogs(old, cur *lungo.Catalog) []nsOp {
	var ops []nsOp
	for h, nc := range cur.Namespaces {
		oc := old.Namespaces[h]
		if oc == nc || h == lungo.Oplog {
			continue
		}
		op := nsOp{NS: h.String()}
		if oc == nil || !sameIndexes(oc, nc) {
			op.SetIdx, op.Indexes = true, fileIndexes(nc)
		}
		if oc == nil {
			op.Insert = nc.Documents.List
		} else if !diffDocs(&op, oc.Documents, nc.Documents) {
			op.Reset, op.Delete, op.Replace, op.Insert = true, nil, nil, nc.Documents.List
		}
		if op.SetIdx || op.Reset || len(op.Delete)+len(op.Replace)+len(op.Insert) > 0 {
			ops = append(ops, op)
		}
	}
	for h := range old.Namespaces {
		if _, ok := cur.Namespaces[h]; !ok {
			ops = append(ops, nsOp{NS: h.String(), Drop: true})
		}
	}
	slices.SortFunc(ops, func(a, b nsOp) int { return strings.Compare(a.NS, b.NS) })
	return ops
}

// diffDocs fills op with the document changes from o to n. It relies on how
// lungo's Set changes: documents are appended, replaced in place or removed,
// so the documents kept from o stay in their order. One walk with pointer
// comparisons finds the changes; map lookups happen only where they are. It
// returns false if the change cannot be expressed that way, and the caller
// then writes the namespace out in full.
func diffDocs(op *nsOp, o, n *bsonkit.Set) bool {
	ol, nl := o.List, n.List
	var removed, added bsonkit.List
	var addedAt []int
	// A tight loop over the common prefix first: it is most of the list.
	i := 0
	for i < len(ol) && i < len(nl) && ol[i] == nl[i] {
		i++
	}
	lastKept, j := i-1, i
	for i < len(ol) || j < len(nl) {
		switch {
		case i < len(ol) && j < len(nl) && ol[i] == nl[j]:
			lastKept = j
			i++
			j++
		case i < len(ol) && !has(n, ol[i]):
			removed = append(removed, ol[i])
			i++
		case j < len(nl) && !has(o, nl[j]):
			added = append(added, nl[j])
			addedAt = append(addedAt, j)
			j++
		default:
			return false // a kept document moved
		}
	}

	// New documents before the last kept one replaced an old one in place;
	// those after it were appended (or replaced old ones that were last, which
	// a delete and an append reproduce exactly).
	split, _ := slices.BinarySearch(addedAt, lastKept)
	op.Replace, op.Insert = added[:split], added[split:]
	pending := map[string]int{}
	for _, d := range op.Replace {
		id, ok := idOf(d)
		if !ok {
			return false
		}
		pending[keyOf(id)]++
	}
	for _, d := range removed {
		id, ok := idOf(d)
		if !ok {
			return false
		}
		if k := keyOf(id); pending[k] > 0 {
			pending[k]--
			continue
		}
		op.Delete = append(op.Delete, id)
	}
	for _, c := range pending {
		if c > 0 {
			return false // a replacement without its original
		}
	}
	return true
}

func has(s *bsonkit.Set, d bsonkit.Doc) bool {
	_, ok := s.Index[d]
	return ok
}

// idOf returns the encoded _id of d.
func idOf(d bsonkit.Doc) (bson.RawValue, bool) {
	v := bsonkit.Get(d, "_id")
	if v == bsonkit.Missing {
		return bson.RawValue{}, false
	}
	t, b, err := bson.MarshalValue(v)
	if err != nil {
		return bson.RawValue{}, false
	}
	return bson.RawValue{Type: t, Value: b}, true
}

// keyOf turns an encoded _id into a map key. Comparing encodings is exact
// because lungo never changes a document's _id.
func keyOf(id bson.RawValue) string {
	return string(append([]byte{byte(id.Type)}, id.Value...))
}

func sameIndexes(a, b *mongokit.Collection) bool {
	if len(a.Indexes) != len(b.Indexes) {
		return false
	}
	for name, ia := range a.Indexes {
		ib, ok := b.Indexes[name]
		if !ok || ia != ib && !ia.Config().Equal(ib.Config()) {
			return false
		}
	}
	return true
}

func fileIndexes(c *mongokit.Collection) map[string]lungo.FileIndex {
	m := make(map[string]lungo.FileIndex, len(c.Indexes))
	for name, index := range c.Indexes {
		cfg := index.Config()
		m[name] = lungo.FileIndex{Key: cfg.Key, Unique: cfg.Unique, Partial: cfg.Partial, Expiry: cfg.Expiry}
	}
	return m
}

// replayer rebuilds namespaces from a snapshot and journal records. Deleted
// documents leave holes that are closed once at the end, so replaying a
// record costs time in its size, not in the collection's.
type replayer map[string]*nsState

type nsState struct {
	docs    bsonkit.List
	indexes map[string]lungo.FileIndex
	pos     map[string][]int // _id key -> positions, oldest first; nil until needed
	touched bool             // changed since the base
}

func newReplayer(base map[string]lungo.FileNamespace) replayer {
	r := make(replayer, len(base))
	for name, ns := range base {
		r[name] = &nsState{docs: ns.Documents, indexes: ns.Indexes}
	}
	return r
}

func (r replayer) apply(body []byte) error {
	var rec record
	if err := bson.Unmarshal(body, &rec); err != nil {
		return fmt.Errorf("%w: decode record: %w", ErrCorrupt, err)
	}
	for _, op := range rec.Ops {
		st := r[op.NS]
		if op.Drop {
			delete(r, op.NS)
			continue
		} else if st == nil || op.Reset {
			st = &nsState{indexes: map[string]lungo.FileIndex{}}
			if old := r[op.NS]; old != nil {
				st.indexes = old.indexes
			}
			r[op.NS] = st
		}
		st.touched = true
		if op.SetIdx {
			st.indexes = op.Indexes
		}
		if st.pos == nil && len(op.Delete)+len(op.Replace)+len(op.Insert) > 0 {
			st.pos = make(map[string][]int, len(st.docs))
			for i, d := range st.docs {
				if id, ok := idOf(d); ok {
					st.pos[keyOf(id)] = append(st.pos[keyOf(id)], i)
				}
			}
		}
		for _, id := range op.Delete {
			// Repeated _ids only occur in the oplog, which lungo trims from
			// the start, so the oldest one goes.
			k := keyOf(id)
			if len(st.pos[k]) == 0 {
				return fmt.Errorf("%w: %s: delete of unknown _id %s", ErrCorrupt, op.NS, id)
			}
			st.docs[st.pos[k][0]] = nil
			if st.pos[k] = st.pos[k][1:]; len(st.pos[k]) == 0 {
				delete(st.pos, k)
			}
		}
		for _, d := range op.Replace {
			id, _ := idOf(d)
			if p := st.pos[keyOf(id)]; len(p) > 0 {
				st.docs[p[0]] = d
			} else {
				return fmt.Errorf("%w: %s: replace of unknown _id %s", ErrCorrupt, op.NS, id)
			}
		}
		for _, d := range op.Insert {
			st.docs = append(st.docs, d)
			if id, ok := idOf(d); ok {
				st.pos[keyOf(id)] = append(st.pos[keyOf(id)], len(st.docs)-1)
			}
		}
	}
	return nil
}

// reuse returns, for each namespace of cat that no record changed, its
// encoding in the base snapshot, so that the next compaction need not
// encode it again.
func (r replayer) reuse(cat *lungo.Catalog, raw map[string]bson.Raw) encodeCache {
	cache := make(encodeCache, len(raw))
	for h, ns := range cat.Namespaces {
		name := h.String()
		if st, b := r[name], raw[name]; st != nil && !st.touched && b != nil {
			cache[ns] = encoded{name: name, raw: b}
		}
	}
	return cache
}

// catalog builds the replayed state into a catalog, indexes included.
func (r replayer) catalog() (*lungo.Catalog, error) {
	file := lungo.File{Namespaces: make(map[string]lungo.FileNamespace, len(r))}
	for name, st := range r {
		docs := make(bsonkit.List, 0, len(st.docs))
		for _, d := range st.docs {
			if d != nil {
				docs = append(docs, d)
			}
		}
		file.Namespaces[name] = lungo.FileNamespace{Documents: docs, Indexes: st.indexes}
	}
	cat, err := file.BuildCatalog()
	if err != nil {
		return nil, fmt.Errorf("journal: build catalog: %w", err)
	}
	// The engine expects the oplog namespace, which an empty store lacks.
	if cat.Namespaces[lungo.Oplog] == nil {
		cat.Namespaces[lungo.Oplog] = mongokit.NewCollection(false)
	}
	return cat, nil
}
