package journal

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/256dpi/lungo"
	"github.com/256dpi/lungo/bsonkit"
	"github.com/256dpi/lungo/mongokit"
	"go.mongodb.org/mongo-driver/bson"
)

// TestDiffReplay applies random commits the way lungo's Set changes (append,
// replace in place, remove) and checks that replaying the diffs rebuilds the
// exact list, order included, without falling back to a full rewrite.
func TestDiffReplay(t *testing.T) {
	cases := []struct {
		name  string
		oplog bool // only appends, with repeated _ids, and trims from the front
	}{{"collection", false}, {"oplog", true}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			h := lungo.Handle{"a", "x"}
			cur := &lungo.Catalog{Namespaces: map[lungo.Handle]*mongokit.Collection{h: mongokit.NewCollection(false)}}
			rp := newReplayer(map[string]lungo.FileNamespace{h.String(): {}})
			nextID, version := 0, 0
			doc := func(id int) bsonkit.Doc {
				version++
				return &bson.D{{Key: "_id", Value: int64(id)}, {Key: "v", Value: version}}
			}
			for commit := range 300 {
				next := cur.Clone()
				coll := cur.Namespaces[h].Clone()
				next.Namespaces[h] = coll
				set := coll.Documents
				for range 1 + rng.IntN(4) {
					n := len(set.List)
					switch op := rng.IntN(5); {
					case tc.oplog && op < 3 || n == 0 || op == 0:
						id := nextID
						if tc.oplog {
							id = nextID / 3 // repeats, like oplog timestamps after a restart
						}
						nextID++
						set.Add(doc(id))
					case tc.oplog:
						set.Remove(set.List[0])
					case op == 1:
						old := set.List[rng.IntN(n)]
						set.Replace(old, doc(int(bsonkit.Get(old, "_id").(int64))))
					case op == 2:
						set.Remove(set.List[rng.IntN(n)])
					case op == 3: // delete and re-insert the same _id
						old := set.List[rng.IntN(n)]
						set.Remove(old)
						set.Add(doc(int(bsonkit.Get(old, "_id").(int64))))
					default:
						set.Replace(set.List[n-1], doc(int(bsonkit.Get(set.List[n-1], "_id").(int64))))
					}
				}

				ops := diffCatalogs(cur, next)
				for _, op := range ops {
					if op.Reset {
						t.Fatalf("commit %d: fell back to a full rewrite", commit)
					}
				}
				body, err := appendFrame(nil, record{Ops: ops})
				must(t, err)
				must(t, rp.apply(body[headerSize:]))
				cur = next

				got, err := rp.catalog()
				must(t, err)
				if err := compareCatalogs(withOplog(cur), got); err != nil {
					t.Fatalf("commit %d: %v", commit, err)
				}
			}
		})
	}
}

func withOplog(c *lungo.Catalog) *lungo.Catalog {
	c = c.Clone()
	if c.Namespaces[lungo.Oplog] == nil {
		c.Namespaces[lungo.Oplog] = mongokit.NewCollection(false)
	}
	return c
}

func TestDiffIsSmall(t *testing.T) {
	h := lungo.Handle{"a", "x"}
	base := mongokit.NewCollection(false)
	for i := range 1000 {
		base.Documents.Add(&bson.D{{Key: "_id", Value: i}, {Key: "pad", Value: fmt.Sprint(i)}})
	}
	old := &lungo.Catalog{Namespaces: map[lungo.Handle]*mongokit.Collection{h: base}}
	cases := []struct {
		name                       string
		change                     func(s *bsonkit.Set)
		deletes, replaces, inserts int
	}{
		{"append", func(s *bsonkit.Set) { s.Add(&bson.D{{Key: "_id", Value: -1}}) }, 0, 0, 1},
		{"replace in the middle", func(s *bsonkit.Set) { s.Replace(s.List[500], &bson.D{{Key: "_id", Value: 500}}) }, 0, 1, 0},
		{"replace first and last", func(s *bsonkit.Set) {
			s.Replace(s.List[0], &bson.D{{Key: "_id", Value: 0}})
			s.Replace(s.List[999], &bson.D{{Key: "_id", Value: 999}})
		}, 1, 1, 1},
		{"remove", func(s *bsonkit.Set) { s.Remove(s.List[10]) }, 1, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next := old.Clone()
			coll := base.Clone()
			next.Namespaces[h] = coll
			tc.change(coll.Documents)
			ops := diffCatalogs(old, next)
			if len(ops) != 1 {
				t.Fatalf("want one op, got %d", len(ops))
			}
			op := ops[0]
			if op.Reset || op.SetIdx || len(op.Delete) != tc.deletes || len(op.Replace) != tc.replaces || len(op.Insert) != tc.inserts {
				t.Fatalf("got reset=%v setIdx=%v deletes=%d replaces=%d inserts=%d", op.Reset, op.SetIdx, len(op.Delete), len(op.Replace), len(op.Insert))
			}
			body, err := appendFrame(nil, record{Ops: ops})
			must(t, err)
			if len(body) > 200 {
				t.Errorf("record of %d bytes for a one-document change", len(body))
			}
		})
	}
}
