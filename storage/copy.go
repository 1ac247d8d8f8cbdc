package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// copyBatch is how many documents one insert of a copy carries.
const copyBatch = 1000

// CollectionCount is one collection of a copy: the documents in the source
// and in the target once copied.
type CollectionCount struct {
	Name           string
	Source, Target int64
}

// CopyTo copies every collection of s, with its indexes, into dst, which
// must hold none of them yet: the move from the embedded store to
// MongoDB. It returns each collection's count in both, checked equal; a
// difference is an error naming the collection.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]CollectionCount, error) {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("storage: copy: list collections: %w", err)
	}
	slices.Sort(names)
	taken, err := dst.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("storage: copy: list target collections: %w", err)
	}
	for _, n := range names {
		if slices.Contains(taken, n) {
			if c, err := dst.coll(n).CountDocuments(ctx, bson.D{}); err != nil || c > 0 {
				return nil, fmt.Errorf("storage: copy: the target already holds %s; copy into an empty database", n)
			}
		}
	}
	var out []CollectionCount
	for _, n := range names {
		count, err := copyCollection(ctx, s, dst, n)
		if err != nil {
			return out, err
		}
		out = append(out, count)
		if count.Source != count.Target {
			return out, fmt.Errorf("storage: copy: %s has %d documents in the source and %d in the target", n, count.Source, count.Target)
		}
	}
	return out, nil
}

func copyCollection(ctx context.Context, src, dst *Store, name string) (CollectionCount, error) {
	from, to := src.coll(name), dst.coll(name)
	// List, not ListSpecifications: lungo implements only the former.
	icur, err := from.Indexes().List(ctx)
	if err != nil {
		return CollectionCount{}, fmt.Errorf("storage: copy %s: indexes: %w", name, err)
	}
	var specs []struct {
		Name               string `bson:"name"`
		Key                bson.D `bson:"key"`
		Unique             bool   `bson:"unique"`
		ExpireAfterSeconds *int32 `bson:"expireAfterSeconds"`
	}
	if err := icur.All(ctx, &specs); err != nil {
		return CollectionCount{}, fmt.Errorf("storage: copy %s: indexes: %w", name, err)
	}
	for _, spec := range specs {
		if spec.Name == "_id_" {
			continue
		}
		opts := options.Index().SetName(spec.Name)
		if spec.Unique {
			opts.SetUnique(true)
		}
		if spec.ExpireAfterSeconds != nil {
			opts.SetExpireAfterSeconds(*spec.ExpireAfterSeconds)
		}
		if _, err := to.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: spec.Key, Options: opts}); err != nil {
			return CollectionCount{}, fmt.Errorf("storage: copy %s: index %s: %w", name, spec.Name, err)
		}
	}
	cur, err := from.Find(ctx, bson.D{})
	if err != nil {
		return CollectionCount{}, fmt.Errorf("storage: copy %s: %w", name, err)
	}
	defer cur.Close(ctx)
	count := CollectionCount{Name: name}
	batch := make([]any, 0, copyBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := to.InsertMany(ctx, batch); err != nil {
			return fmt.Errorf("storage: copy %s: %w", name, err)
		}
		batch = batch[:0]
		return nil
	}
	for cur.Next(ctx) {
		var doc bson.Raw
		if err := cur.Decode(&doc); err != nil {
			return count, fmt.Errorf("storage: copy %s: %w", name, err)
		}
		batch = append(batch, slices.Clone(doc))
		count.Source++
		if len(batch) == copyBatch {
			if err := flush(); err != nil {
				return count, err
			}
		}
	}
	if err := errors.Join(cur.Err(), flush()); err != nil {
		return count, err
	}
	if count.Target, err = to.CountDocuments(ctx, bson.D{}); err != nil {
		return count, fmt.Errorf("storage: copy %s: count: %w", name, err)
	}
	return count, nil
}

// Fingerprint hashes every document of every collection, in a stable
// order. Tests use it to check that a refused command changed nothing; it
// reads the whole database, so it is for small ones.
func (s *Store) Fingerprint(ctx context.Context) (string, error) {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return "", fmt.Errorf("storage: fingerprint: %w", err)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		docs, err := findAll[bson.Raw](ctx, s.coll(n), bson.D{}, n, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s:%d;", n, len(docs))
		for _, d := range docs {
			h.Write(d)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WorkspaceFingerprint is Fingerprint of workspace's documents only
// (those ForgetWorkspace would delete): the tenancy tests check with it
// that nothing another workspace did changed this one.
func (s *Store) WorkspaceFingerprint(ctx context.Context, workspace string) (string, error) {
	names, err := s.collections(ctx)
	if err != nil {
		return "", fmt.Errorf("storage: fingerprint: %w", err)
	}
	h := sha256.New()
	for _, n := range names {
		docs, err := findAll[bson.Raw](ctx, s.coll(n), workspaceFilter(workspace), n, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return "", err
		}
		if len(docs) == 0 {
			continue // a collection another workspace made is none of this one's
		}
		fmt.Fprintf(h, "%s:%d;", n, len(docs))
		for _, d := range docs {
			h.Write(d)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
