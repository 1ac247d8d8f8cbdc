package storage

import (
	"context"
	"fmt"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// findAll runs a query and decodes every result; what names the documents
// in errors.
func findAll[T any](ctx context.Context, coll lungo.ICollection, filter any, what string, opts ...*options.FindOptions) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, fmt.Errorf("storage: find %s: %w", what, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("storage: read %s: %w", what, err)
	}
	return out, nil
}

// insertWithCode stores a document under a fresh short code, trying again
// on the rare collision. withCode returns the document carrying the code
// (and an _id of workspace/code); what names it in errors.
func insertWithCode[T any](ctx context.Context, coll lungo.ICollection, what string, withCode func(code string) T) (T, error) {
	var zero T
	for range 5 {
		doc := withCode(newCode())
		_, err := coll.InsertOne(ctx, doc)
		if err == nil {
			return doc, nil
		}
		if !isDuplicate(err) {
			return zero, fmt.Errorf("storage: save %s: %w", what, err)
		}
	}
	return zero, fmt.Errorf("storage: save %s: no free code", what)
}

// upsertByID stores doc under id, replacing what was there: settings and
// preferences keep one document per owner. what names it in errors.
func upsertByID(ctx context.Context, coll lungo.ICollection, id string, doc any, what string) error {
	if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("storage: save %s: %w", what, err)
	}
	return nil
}
