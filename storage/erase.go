package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"

	"go.mongodb.org/mongo-driver/bson"
)

// Erasure says what ForgetUser or ForgetWorkspace did, by collection.
type Erasure struct {
	// Deleted counts the documents deleted, Pseudonymized those where the
	// ID stays in another person's record and became Pseudonym.
	Deleted, Pseudonymized map[string]int
	Pseudonym              string
}

// ownerFields name whose a document is: a document whose field is the
// user is theirs, and deleted with them.
var ownerFields = []string{"user", "rep", "owner"}

// workspaceFilter matches a workspace's documents in any collection: by
// their workspace field, or by an _id that is the workspace or starts
// with "workspace/" (a range, since neither engine may use $regex).
func workspaceFilter(workspace string) bson.D {
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "workspace", Value: workspace}},
		bson.D{{Key: "_id", Value: workspace}},
		bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: workspace + "/"}, {Key: "$lt", Value: workspace + "0"}}}},
	}}}
}

// idPattern matches id as a whole Slack ID, not inside a longer one
// ("U1" in "U12").
func idPattern(id string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^A-Za-z0-9])` + regexp.QuoteMeta(id) + `($|[^A-Za-z0-9])`)
}

// collections names every collection of the database, the check-ins'
// weekly and key partitions included.
func (s *Store) collections(ctx context.Context) ([]string, error) {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("storage: list collections: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// ForgetWorkspace deletes every document of workspace in every
// collection: its check-ins, objectives, teams, settings, claims,
// profiles and installation. Nothing of it is kept.
func (s *Store) ForgetWorkspace(ctx context.Context, workspace string) (Erasure, error) {
	e := Erasure{Deleted: map[string]int{}, Pseudonymized: map[string]int{}}
	names, err := s.collections(ctx)
	if err != nil {
		return e, err
	}
	for _, name := range names {
		res, err := s.coll(name).DeleteMany(ctx, workspaceFilter(workspace))
		if err != nil {
			return e, fmt.Errorf("storage: forget workspace in %s: %w", name, err)
		}
		if res.DeletedCount > 0 {
			e.Deleted[name] = int(res.DeletedCount)
		}
	}
	if s.due != nil {
		if n := s.due.forgetWorkspace(workspace); n > 0 {
			e.Deleted[dueCollection] = n
		}
	}
	return e, nil
}

// ForgetUser erases user from workspace. Their own documents (whose
// user, rep or owner they are: check-ins and their revisions, waiting
// readings, objectives, practices, coaching threads and commitments,
// preferences, reminder settings, absences, profile, invitations) are
// deleted; they leave any team, and a team they manage is dissolved
// with its team objectives and ritual settings. Where their ID is part of
// another person's record (the manager of a rep's coaching thread, who
// set a rep's objective, a mention in someone's note), it becomes a
// pseudonym, "forgotten-" and random hex, the same in every record.
func (s *Store) ForgetUser(ctx context.Context, workspace, user string) (Erasure, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	e := Erasure{Deleted: map[string]int{}, Pseudonymized: map[string]int{}, Pseudonym: "forgotten-" + hex.EncodeToString(b)}
	if user == "" || workspace == "" {
		return e, fmt.Errorf("storage: forget user: workspace and user are required")
	}
	// Teams first: a rep leaves, a manager's team is dissolved, rather
	// than left with a pseudonym in it.
	if _, err := s.teams.UpdateMany(ctx, bson.D{{Key: "workspace", Value: workspace}, {Key: "reps", Value: user}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "reps", Value: user}}}}); err != nil {
		return e, fmt.Errorf("storage: forget user: leave teams: %w", err)
	}
	if err := s.markWorkspaceDue(ctx, workspace); err != nil {
		return e, err
	}
	for _, c := range []struct {
		name   string
		filter bson.D
	}{
		{"teams", bson.D{{Key: "_id", Value: teamID(workspace, user)}}},
		{"objectives", bson.D{{Key: "workspace", Value: workspace}, {Key: "owner", Value: "team"}, {Key: "team", Value: user}}},
		{"rituals", bson.D{{Key: "workspace", Value: workspace}, {Key: "team", Value: user}}},
	} {
		res, err := s.coll(c.name).DeleteMany(ctx, c.filter)
		if err != nil {
			return e, fmt.Errorf("storage: forget user: %s: %w", c.name, err)
		}
		e.Deleted[c.name] += int(res.DeletedCount)
	}
	if s.due != nil {
		// The team they managed is no more; on MongoDB its entry is
		// pseudonymized below and dropped when it comes due.
		s.due.forgetTeam(workspace, user)
	}
	names, err := s.collections(ctx)
	if err != nil {
		return e, err
	}
	id := idPattern(user)
	for _, name := range names {
		if err := s.forgetIn(ctx, name, workspace, user, id, &e); err != nil {
			return e, err
		}
	}
	return e, nil
}

// forgetIn deletes user's own documents of one collection and
// pseudonymizes user in the others that mention them.
func (s *Store) forgetIn(ctx context.Context, name, workspace, user string, id *regexp.Regexp, e *Erasure) error {
	coll := s.coll(name)
	docs, err := findAll[bson.M](ctx, coll, workspaceFilter(workspace), name)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		if !mentions(doc, id) {
			continue
		}
		owned := false
		for _, f := range ownerFields {
			if v, ok := doc[f].(string); ok && v == user {
				owned = true
			}
		}
		if owned {
			if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: doc["_id"]}}); err != nil {
				return fmt.Errorf("storage: forget user in %s: %w", name, err)
			}
			e.Deleted[name]++
			continue
		}
		next, _ := replaceID(doc, id, e.Pseudonym).(bson.M)
		// An _id that held the ID is another document: delete, then insert.
		if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: doc["_id"]}}); err != nil {
			return fmt.Errorf("storage: forget user in %s: %w", name, err)
		}
		if _, err := coll.InsertOne(ctx, next); err != nil {
			return fmt.Errorf("storage: pseudonymize in %s: %w", name, err)
		}
		e.Pseudonymized[name]++
	}
	return nil
}

// mentions reports whether any string in v holds the ID id matches.
func mentions(v any, id *regexp.Regexp) bool {
	switch v := v.(type) {
	case string:
		return id.MatchString(v)
	case bson.M:
		for k, x := range v {
			if id.MatchString(k) || mentions(x, id) {
				return true
			}
		}
	case bson.D:
		for _, x := range v {
			if id.MatchString(x.Key) || mentions(x.Value, id) {
				return true
			}
		}
	case bson.A:
		for _, x := range v {
			if mentions(x, id) {
				return true
			}
		}
	}
	return false
}

// replaceString replaces every whole ID id matches in s. A match takes
// the character around it, so "U1/U1" needs a second pass.
func replaceString(s string, id *regexp.Regexp, pseudonym string) string {
	for id.MatchString(s) {
		s = id.ReplaceAllString(s, "${1}"+pseudonym+"${2}")
	}
	return s
}

// replaceID returns v with the ID id matches replaced by pseudonym in
// every string and key.
func replaceID(v any, id *regexp.Regexp, pseudonym string) any {
	switch v := v.(type) {
	case string:
		return replaceString(v, id, pseudonym)
	case bson.M:
		out := bson.M{}
		for k, x := range v {
			out[replaceString(k, id, pseudonym)] = replaceID(x, id, pseudonym)
		}
		return out
	case bson.D:
		out := make(bson.D, len(v))
		for i, x := range v {
			out[i] = bson.E{Key: replaceString(x.Key, id, pseudonym), Value: replaceID(x.Value, id, pseudonym)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(v))
		for i, x := range v {
			out[i] = replaceID(x, id, pseudonym)
		}
		return out
	}
	return v
}

// Mentions counts, in every collection, the documents in which a string
// or a key holds id (a user or a workspace ID, matched whole): what an
// operator, or a test, runs after an erasure to see that nothing is left.
func (s *Store) Mentions(ctx context.Context, id string) (map[string]int, error) {
	return s.mentionsIn(ctx, bson.D{}, id)
}

// WorkspaceDocuments counts each collection's documents of workspace.
func (s *Store) WorkspaceDocuments(ctx context.Context, workspace string) (map[string]int, error) {
	names, err := s.collections(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, name := range names {
		n, err := s.coll(name).CountDocuments(ctx, workspaceFilter(workspace))
		if err != nil {
			return nil, fmt.Errorf("storage: count %s: %w", name, err)
		}
		out[name] = int(n)
	}
	return out, nil
}

// WorkspaceMentions is Mentions within workspace's documents.
func (s *Store) WorkspaceMentions(ctx context.Context, workspace, id string) (map[string]int, error) {
	return s.mentionsIn(ctx, workspaceFilter(workspace), id)
}

// mentionsIn counts, in each collection, the documents matching filter
// that hold id.
func (s *Store) mentionsIn(ctx context.Context, filter bson.D, id string) (map[string]int, error) {
	names, err := s.collections(ctx)
	if err != nil {
		return nil, err
	}
	re := idPattern(id)
	out := map[string]int{}
	for _, name := range names {
		docs, err := findAll[bson.M](ctx, s.coll(name), filter, name)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			if mentions(d, re) {
				out[name]++
			}
		}
	}
	return out, nil
}
