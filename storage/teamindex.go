package storage

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/256dpi/lungo"
	"github.com/256dpi/lungo/bsonkit"
	"github.com/256dpi/lungo/mongokit"
	"go.mongodb.org/mongo-driver/bson"
)

// teamIndex finds the embedded engine's teams by _id without a scan. lungo
// answers every query by scanning the collection (its indexes only enforce
// uniqueness), so the scheduler's read of the few teams due cost every
// team stored. lungo never changes a collection in place: each write
// commits a new version, so an index of one version stays exact for as
// long as the engine's catalog holds that version, and is rebuilt, once,
// on the first read after a write to the teams.
type teamIndex struct {
	mu   sync.Mutex
	of   *mongokit.Collection // the version indexed
	byID map[string]teamSlot
}

// teamSlot is a team's document and its place in the collection, for
// answers in the collection's order, as a query gives them.
type teamSlot struct {
	doc bsonkit.Doc
	at  int
}

// find returns the documents of ids that coll (the current version) holds.
func (x *teamIndex) find(coll *mongokit.Collection, ids []string) []teamSlot {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.of != coll {
		x.byID = make(map[string]teamSlot, len(coll.Documents.List))
		for i, doc := range coll.Documents.List {
			if id, ok := bsonkit.Get(doc, "_id").(string); ok {
				x.byID[id] = teamSlot{doc: doc, at: i}
			}
		}
		x.of = coll
	}
	var out []teamSlot
	for _, id := range ids {
		if slot, ok := x.byID[id]; ok && !slices.ContainsFunc(out, func(s teamSlot) bool { return s.at == slot.at }) {
			out = append(out, slot)
		}
	}
	slices.SortFunc(out, func(a, b teamSlot) int { return cmp.Compare(a.at, b.at) })
	return out
}

// teamsByIDEmbedded is TeamsByID on the embedded engine, through the index
// of the teams' current version.
func (s *Store) teamsByIDEmbedded(ids []string) ([]Team, error) {
	coll := s.engine.Catalog().Namespaces[lungo.Handle{s.db.Name(), "teams"}]
	if coll == nil {
		return nil, nil
	}
	slots := s.teamIdx.find(coll, ids)
	out := make([]Team, 0, len(slots))
	for _, slot := range slots {
		raw, err := bson.Marshal(slot.doc)
		if err != nil {
			return nil, fmt.Errorf("storage: read teams: %w", err)
		}
		var t Team
		if err := bson.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("storage: read teams: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}
