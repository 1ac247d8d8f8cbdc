package storage

import (
	"context"
	"errors"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Observer is told of every collection operation of a Store: its name
// (find, find_one, insert_one, update_one, find_one_and_update, …), how
// long it took, and its error. err is nil for the answers that are not
// failures: no document found, and a duplicate key, which is how a
// trigger seen twice is stored once. bot/metrics implements it; storage
// needs no metrics library.
//
// The time of find and aggregate is the cursor's opening: lungo's engine
// does all its work there, MongoDB the first batch only. On the embedded
// store, a write's time includes the wait for its journal's fsync.
type Observer interface {
	ObserveOperation(op string, took time.Duration, err error)
}

// metered decorates wrap (nil: none) with obs; without obs it is wrap.
func metered(obs Observer, wrap func(lungo.ICollection) lungo.ICollection) func(lungo.ICollection) lungo.ICollection {
	if obs == nil {
		return wrap
	}
	return func(c lungo.ICollection) lungo.ICollection {
		if wrap != nil {
			c = wrap(c)
		}
		return &meter{ICollection: c, obs: obs}
	}
}

// meter times every operation of a collection. Operations that start
// nothing (Name, Database, Indexes, Clone) pass through.
type meter struct {
	lungo.ICollection
	obs Observer
}

func (m *meter) done(op string, start time.Time, err error) {
	if errors.Is(err, mongo.ErrNoDocuments) || lungo.IsUniquenessError(err) {
		err = nil
	}
	m.obs.ObserveOperation(op, time.Since(start), err)
}

func (m *meter) Aggregate(ctx context.Context, pipeline any, opts ...*options.AggregateOptions) (lungo.ICursor, error) {
	start := time.Now()
	cur, err := m.ICollection.Aggregate(ctx, pipeline, opts...)
	m.done("aggregate", start, err)
	return cur, err
}

func (m *meter) BulkWrite(ctx context.Context, models []mongo.WriteModel, opts ...*options.BulkWriteOptions) (*mongo.BulkWriteResult, error) {
	start := time.Now()
	res, err := m.ICollection.BulkWrite(ctx, models, opts...)
	m.done("bulk_write", start, err)
	return res, err
}

func (m *meter) CountDocuments(ctx context.Context, filter any, opts ...*options.CountOptions) (int64, error) {
	start := time.Now()
	n, err := m.ICollection.CountDocuments(ctx, filter, opts...)
	m.done("count_documents", start, err)
	return n, err
}

func (m *meter) DeleteMany(ctx context.Context, filter any, opts ...*options.DeleteOptions) (*mongo.DeleteResult, error) {
	start := time.Now()
	res, err := m.ICollection.DeleteMany(ctx, filter, opts...)
	m.done("delete_many", start, err)
	return res, err
}

func (m *meter) DeleteOne(ctx context.Context, filter any, opts ...*options.DeleteOptions) (*mongo.DeleteResult, error) {
	start := time.Now()
	res, err := m.ICollection.DeleteOne(ctx, filter, opts...)
	m.done("delete_one", start, err)
	return res, err
}

func (m *meter) Distinct(ctx context.Context, field string, filter any, opts ...*options.DistinctOptions) ([]any, error) {
	start := time.Now()
	res, err := m.ICollection.Distinct(ctx, field, filter, opts...)
	m.done("distinct", start, err)
	return res, err
}

func (m *meter) Drop(ctx context.Context) error {
	start := time.Now()
	err := m.ICollection.Drop(ctx)
	m.done("drop", start, err)
	return err
}

func (m *meter) EstimatedDocumentCount(ctx context.Context, opts ...*options.EstimatedDocumentCountOptions) (int64, error) {
	start := time.Now()
	n, err := m.ICollection.EstimatedDocumentCount(ctx, opts...)
	m.done("estimated_document_count", start, err)
	return n, err
}

func (m *meter) Find(ctx context.Context, filter any, opts ...*options.FindOptions) (lungo.ICursor, error) {
	start := time.Now()
	cur, err := m.ICollection.Find(ctx, filter, opts...)
	m.done("find", start, err)
	return cur, err
}

func (m *meter) FindOne(ctx context.Context, filter any, opts ...*options.FindOneOptions) lungo.ISingleResult {
	start := time.Now()
	r := m.ICollection.FindOne(ctx, filter, opts...)
	m.done("find_one", start, r.Err())
	return r
}

func (m *meter) FindOneAndDelete(ctx context.Context, filter any, opts ...*options.FindOneAndDeleteOptions) lungo.ISingleResult {
	start := time.Now()
	r := m.ICollection.FindOneAndDelete(ctx, filter, opts...)
	m.done("find_one_and_delete", start, r.Err())
	return r
}

func (m *meter) FindOneAndReplace(ctx context.Context, filter, doc any, opts ...*options.FindOneAndReplaceOptions) lungo.ISingleResult {
	start := time.Now()
	r := m.ICollection.FindOneAndReplace(ctx, filter, doc, opts...)
	m.done("find_one_and_replace", start, r.Err())
	return r
}

func (m *meter) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...*options.FindOneAndUpdateOptions) lungo.ISingleResult {
	start := time.Now()
	r := m.ICollection.FindOneAndUpdate(ctx, filter, update, opts...)
	m.done("find_one_and_update", start, r.Err())
	return r
}

func (m *meter) InsertMany(ctx context.Context, docs []any, opts ...*options.InsertManyOptions) (*mongo.InsertManyResult, error) {
	start := time.Now()
	res, err := m.ICollection.InsertMany(ctx, docs, opts...)
	m.done("insert_many", start, err)
	return res, err
}

func (m *meter) InsertOne(ctx context.Context, doc any, opts ...*options.InsertOneOptions) (*mongo.InsertOneResult, error) {
	start := time.Now()
	res, err := m.ICollection.InsertOne(ctx, doc, opts...)
	m.done("insert_one", start, err)
	return res, err
}

func (m *meter) ReplaceOne(ctx context.Context, filter, doc any, opts ...*options.ReplaceOptions) (*mongo.UpdateResult, error) {
	start := time.Now()
	res, err := m.ICollection.ReplaceOne(ctx, filter, doc, opts...)
	m.done("replace_one", start, err)
	return res, err
}

func (m *meter) UpdateByID(ctx context.Context, id, update any, opts ...*options.UpdateOptions) (*mongo.UpdateResult, error) {
	start := time.Now()
	res, err := m.ICollection.UpdateByID(ctx, id, update, opts...)
	m.done("update_by_id", start, err)
	return res, err
}

func (m *meter) UpdateMany(ctx context.Context, filter, update any, opts ...*options.UpdateOptions) (*mongo.UpdateResult, error) {
	start := time.Now()
	res, err := m.ICollection.UpdateMany(ctx, filter, update, opts...)
	m.done("update_many", start, err)
	return res, err
}

func (m *meter) UpdateOne(ctx context.Context, filter, update any, opts ...*options.UpdateOptions) (*mongo.UpdateResult, error) {
	start := time.Now()
	res, err := m.ICollection.UpdateOne(ctx, filter, update, opts...)
	m.done("update_one", start, err)
	return res, err
}
