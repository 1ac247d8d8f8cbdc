package storage

import (
	"context"
	"fmt"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// durable decorates a collection of the journaled engine: a write returns
// only once the journal holding it is fsynced, so an acknowledged /log
// survives a power cut. Concurrent writers wait for the same fsync (the
// journal's group commit), so the wait costs one fsync per batch, not one
// per write. Reads pass through.
type durable struct {
	lungo.ICollection
	sync func(context.Context) error
}

func durableWith(sync func(context.Context) error) func(lungo.ICollection) lungo.ICollection {
	return func(c lungo.ICollection) lungo.ICollection { return &durable{ICollection: c, sync: sync} }
}

// synced waits for the write's fsync. A write that failed may still have
// committed part of itself (an unordered insert), so it waits too.
func (d *durable) synced(ctx context.Context, err error) error {
	if serr := d.sync(context.WithoutCancel(ctx)); serr != nil && err == nil {
		return fmt.Errorf("storage: journal fsync: %w", serr)
	}
	return err
}

func (d *durable) BulkWrite(ctx context.Context, models []mongo.WriteModel, opts ...*options.BulkWriteOptions) (*mongo.BulkWriteResult, error) {
	res, err := d.ICollection.BulkWrite(ctx, models, opts...)
	return res, d.synced(ctx, err)
}

func (d *durable) DeleteMany(ctx context.Context, filter any, opts ...*options.DeleteOptions) (*mongo.DeleteResult, error) {
	res, err := d.ICollection.DeleteMany(ctx, filter, opts...)
	return res, d.synced(ctx, err)
}

func (d *durable) DeleteOne(ctx context.Context, filter any, opts ...*options.DeleteOptions) (*mongo.DeleteResult, error) {
	res, err := d.ICollection.DeleteOne(ctx, filter, opts...)
	return res, d.synced(ctx, err)
}

func (d *durable) Drop(ctx context.Context) error {
	return d.synced(ctx, d.ICollection.Drop(ctx))
}

func (d *durable) FindOneAndDelete(ctx context.Context, filter any, opts ...*options.FindOneAndDeleteOptions) lungo.ISingleResult {
	return d.single(ctx, d.ICollection.FindOneAndDelete(ctx, filter, opts...))
}

func (d *durable) FindOneAndReplace(ctx context.Context, filter, doc any, opts ...*options.FindOneAndReplaceOptions) lungo.ISingleResult {
	return d.single(ctx, d.ICollection.FindOneAndReplace(ctx, filter, doc, opts...))
}

func (d *durable) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...*options.FindOneAndUpdateOptions) lungo.ISingleResult {
	return d.single(ctx, d.ICollection.FindOneAndUpdate(ctx, filter, update, opts...))
}

func (d *durable) InsertMany(ctx context.Context, docs []any, opts ...*options.InsertManyOptions) (*mongo.InsertManyResult, error) {
	res, err := d.ICollection.InsertMany(ctx, docs, opts...)
	return res, d.synced(ctx, err)
}

func (d *durable) InsertOne(ctx context.Context, doc any, opts ...*options.InsertOneOptions) (*mongo.InsertOneResult, error) {
	res, err := d.ICollection.InsertOne(ctx, doc, opts...)
	return res, d.synced(ctx, err)
}

func (d *durable) ReplaceOne(ctx context.Context, filter, doc any, opts ...*options.ReplaceOptions) (*mongo.UpdateResult, error) {
	res, err := d.ICollection.ReplaceOne(ctx, filter, doc, opts...)
	return res, d.synced(ctx, err)
}

func (d *durable) UpdateByID(ctx context.Context, id, update any, opts ...*options.UpdateOptions) (*mongo.UpdateResult, error) {
	res, err := d.ICollection.UpdateByID(ctx, id, update, opts...)
	return res, d.synced(ctx, err)
}

func (d *durable) UpdateMany(ctx context.Context, filter, update any, opts ...*options.UpdateOptions) (*mongo.UpdateResult, error) {
	res, err := d.ICollection.UpdateMany(ctx, filter, update, opts...)
	return res, d.synced(ctx, err)
}

func (d *durable) UpdateOne(ctx context.Context, filter, update any, opts ...*options.UpdateOptions) (*mongo.UpdateResult, error) {
	res, err := d.ICollection.UpdateOne(ctx, filter, update, opts...)
	return res, d.synced(ctx, err)
}

// single waits for the fsync of a find-and-modify, whose error only shows
// when its result is read.
func (d *durable) single(ctx context.Context, r lungo.ISingleResult) lungo.ISingleResult {
	if err := d.synced(ctx, nil); err != nil {
		return failedResult{err}
	}
	return r
}

// failedResult is a find-and-modify whose write is not durable.
type failedResult struct{ err error }

func (f failedResult) Decode(any) error               { return f.err }
func (f failedResult) DecodeBytes() (bson.Raw, error) { return nil, f.err }
func (f failedResult) Err() error                     { return f.err }
func (f failedResult) Raw() (bson.Raw, error)         { return nil, f.err }

// syncJournal waits until every write so far is fsynced, on the journaled
// engine; elsewhere it returns at once.
func (s *Store) syncJournal(ctx context.Context) error {
	if s.journal == nil {
		return nil
	}
	if err := s.journal.Sync(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("storage: journal fsync: %w", err)
	}
	return nil
}
