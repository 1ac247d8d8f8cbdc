// Package storage keeps kpibot's data in MongoDB, or in lungo's embedded
// engine when no MongoDB server is configured, through one code path.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/256dpi/lungo"
	"github.com/256dpi/lungo/mongokit"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readpref"
	"go.mongodb.org/mongo-driver/x/mongo/driver/connstring"

	"github.com/kpibot/kpibot/storage/journal"
)

// ErrNotFound is returned when the asked-for document does not exist.
var ErrNotFound = errors.New("storage: not found")

// DefaultDatabase is the database used when the MongoDB URI names none.
const DefaultDatabase = "kpibot"

// Config says where the data lives.
type Config struct {
	// URI is a MongoDB connection string. Empty means the embedded engine.
	URI string
	// DataDir holds the embedded engine's file when URI is empty.
	DataDir string
	// Database overrides the database the URI names (DefaultDatabase when
	// neither does): tests use a fresh one each.
	Database string
	// Observer, when set, is told of every collection operation (metrics).
	Observer Observer
}

// Store is kpibot's database. Every method scopes its queries by workspace.
//
// The embedded engine serves one process: Open locks its data directory,
// and a second process refuses to start with a *LockedError. Replicas
// share a MongoDB server instead.
type Store struct {
	client     lungo.IClient
	engine     *lungo.Engine // nil when connected to a MongoDB server
	db         lungo.IDatabase
	weeks      *partitions
	workspaces lungo.ICollection
	teams      lungo.ICollection
	objectives lungo.ICollection
	where      string
	lock       *dirLock       // the data directory's, for the embedded engine
	journal    *journal.Store // the embedded engine's, nil otherwise
	log        *slog.Logger
	now        func() time.Time
	prune      pruner
	// due is the embedded engine's index of next-due times (memDue); nil
	// on MongoDB, where it is the ritual_due collection.
	due *memDue
	// teamIdx finds the embedded engine's teams by _id (TeamsByID).
	teamIdx teamIndex
	// wrap decorates every collection; the journaled engine makes writes
	// wait for their fsync through it.
	wrap func(lungo.ICollection) lungo.ICollection
}

// coll opens a collection of the database, decorated as every other.
func (s *Store) coll(name string) lungo.ICollection { return s.wrap(s.db.Collection(name)) }

// Open connects to MongoDB when cfg.URI is set, or opens the embedded
// single-file engine under cfg.DataDir otherwise, and creates the indexes.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URI != "" {
		return openMongo(ctx, cfg.URI, cfg.Database, metered(cfg.Observer, nil))
	}
	dir := cfg.DataDir
	if dir == "" {
		dir = "data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create data directory: %w", err)
	}
	// Two processes on one file would each overwrite the other's writes:
	// the lock makes the second refuse to start instead.
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	// The journal appends what each commit changed and fsyncs by group
	// commit; it migrates a kpibot.lungo file of lungo's FileStore, which
	// rewrote the whole file on every write, on first start.
	js, err := journal.Open(dir, journal.Options{Logger: slog.Default()})
	if err != nil {
		_ = lock.release()
		return nil, fmt.Errorf("storage: open the embedded store in %s: %w", dir, err)
	}
	s, err := openEngine(ctx, js, "embedded store in "+dir, metered(cfg.Observer, durableWith(js.Sync)))
	if err != nil {
		_ = js.Close()
		_ = lock.release()
		return nil, err
	}
	s.journal, s.lock = js, lock
	return s, nil
}

// OpenMemory opens an empty in-memory engine: the same code path as
// production, for tests and benchmarks.
func OpenMemory(ctx context.Context) (*Store, error) {
	return openEngine(ctx, lungo.NewMemoryStore(), "memory", nil)
}

func openEngine(ctx context.Context, st lungo.Store, where string, wrap func(lungo.ICollection) lungo.ICollection) (*Store, error) {
	return openEngineDue(ctx, st, where, wrap, true)
}

// openEngineDue opens lungo on st; with memoryDue false, the index of
// next-due times is the collection, as on MongoDB (for the tests that
// hold the two to the same answers).
func openEngineDue(ctx context.Context, st lungo.Store, where string, wrap func(lungo.ICollection) lungo.ICollection, memoryDue bool) (*Store, error) {
	client, engine, err := lungo.Open(ctx, lungo.Options{
		Store: noOplog{st},
		// The oplog only feeds change streams, which kpibot does not use,
		// yet every commit copies it, and by default it keeps every entry
		// of the last five minutes: a burst of writes made each later
		// write slower. lungo counts ages in whole seconds, so a
		// nanosecond keeps only the entries of the current second, and
		// noOplog drops those too.
		MinOplogSize: 1,
		MaxOplogSize: 1,
		MinOplogAge:  time.Nanosecond,
		MaxOplogAge:  time.Nanosecond,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", where, err)
	}
	s := newStore(client, engine, DefaultDatabase, where, wrap)
	if memoryDue {
		s.due = newMemDue()
	}
	if err := s.setUp(ctx); err != nil {
		engine.Close()
		return nil, err
	}
	return s, nil
}

// noOplog empties the oplog of every catalog the engine commits. The
// oplog feeds only change streams, which kpibot does not use, and lungo
// copies it on every operation: at 800 writes a second, the entries of
// the current second that the engine's own cleaning keeps (it counts
// ages in whole seconds) were a fifth of the CPU of a /log. The engine
// hands Store the catalog it is about to install, a copy of its own
// commit's making, so replacing the namespace there is safe.
type noOplog struct{ next lungo.Store }

// emptyOplog is shared: lungo copies a namespace before changing it.
var emptyOplog = mongokit.NewCollection(false)

func (s noOplog) Store(c *lungo.Catalog) error {
	c.Namespaces[lungo.Oplog] = emptyOplog
	return s.next.Store(c)
}

func (s noOplog) Load() (*lungo.Catalog, error) { return s.next.Load() }

func openMongo(ctx context.Context, uri, database string, wrap func(lungo.ICollection) lungo.ICollection) (*Store, error) {
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		// The driver's message quotes the URI, which may hold a password.
		return nil, errors.New("storage: MONGODB_URI is not a valid MongoDB connection string")
	}
	name := cs.Database
	if database != "" {
		name = database
	}
	if name == "" {
		name = DefaultDatabase
	}
	client, err := lungo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("storage: connect to MongoDB: %w", err)
	}
	s := newStore(client, nil, name, "MongoDB database "+name+" on "+redactHosts(cs), wrap)
	if err := s.setUp(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

func redactHosts(cs *connstring.ConnString) string {
	if len(cs.Hosts) == 0 {
		return "an SRV record"
	}
	return fmt.Sprint(cs.Hosts)
}

func newStore(client lungo.IClient, engine *lungo.Engine, dbName, where string, wrap func(lungo.ICollection) lungo.ICollection) *Store {
	if wrap == nil {
		wrap = func(c lungo.ICollection) lungo.ICollection { return c }
	}
	db := client.Database(dbName)
	return &Store{
		client:     client,
		engine:     engine,
		db:         db,
		weeks:      &partitions{db: db, wrap: wrap},
		workspaces: wrap(db.Collection("workspaces")),
		teams:      wrap(db.Collection("teams")),
		objectives: wrap(db.Collection("objectives")),
		where:      where,
		log:        slog.Default(),
		now:        time.Now,
		wrap:       wrap,
	}
}

// setUp runs on every open: the indexes, then the one-time moves of data
// stored in an older layout.
func (s *Store) setUp(ctx context.Context) error {
	if err := s.ensureIndexes(ctx); err != nil {
		return err
	}
	if err := s.ensureDueIndex(ctx); err != nil {
		return err
	}
	if err := s.ensureObjectiveIndex(ctx); err != nil {
		return err
	}
	if err := s.migrateLegacyWeeks(ctx, s.now()); err != nil {
		return err
	}
	return s.migrateLegacyPreferences(ctx)
}

func lungoUnique(err error) bool { return lungo.IsUniquenessError(err) }

// String says where the data lives, without credentials, for the start-up log.
func (s *Store) String() string { return s.where }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("storage: ping: %w", err)
	}
	return nil
}

// DropDatabase deletes the whole database: every collection of every
// workspace. Tests drop their fresh databases with it.
func (s *Store) DropDatabase(ctx context.Context) error {
	if err := s.db.Drop(ctx); err != nil {
		return fmt.Errorf("storage: drop database: %w", err)
	}
	return nil
}

// JournalStats reports the embedded store's journal counters (appends,
// fsyncs and their time, compactions); ok is false on other engines.
func (s *Store) JournalStats() (st journal.Stats, ok bool) {
	if s.journal == nil {
		return journal.Stats{}, false
	}
	return s.journal.Stats(), true
}

// Close releases the connection or flushes and closes the embedded engine.
func (s *Store) Close(ctx context.Context) error {
	s.prune.wg.Wait()
	if s.engine != nil {
		s.engine.Close()
		var err error
		if s.journal != nil {
			err = s.journal.Close()
		}
		return errors.Join(err, s.lock.release())
	}
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("storage: disconnect: %w", err)
	}
	return nil
}
