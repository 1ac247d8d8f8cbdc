package storage

import (
	"context"
	"fmt"

	"github.com/256dpi/lungo"
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
