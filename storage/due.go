package storage

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// dueCollection holds one document per team: the earliest time any of
// its rituals may next run. The scheduler reads the teams whose time has
// come with one indexed range query, so a tick's work follows the teams
// due, not the teams stored.
const dueCollection = "ritual_due"

// DueTeam is a team's entry in the index of next-due times. NextAt is the
// earliest next run of any of the team's rituals, as computed from its
// settings, members and their profiles at Rev; every write to those moves
// NextAt back to the epoch (due now) and bumps Rev, so an entry computed
// from what has since changed is never stored over the change.
type DueTeam struct {
	ID        string    `bson:"_id"` // workspace/manager, as the team's
	Workspace string    `bson:"workspace"`
	Team      string    `bson:"team"` // the manager
	NextAt    time.Time `bson:"next_at"`
	Rev       int64     `bson:"rev"`
}

// dueNow is the NextAt of an entry to compute again: long past.
var dueNow = time.Unix(0, 0).UTC()

// ensureDueIndex creates the index the scheduler's range query uses or,
// on the embedded engine, fills the index in memory (memDue): every
// stored team due now. A ritual_due collection an earlier version left
// there is dropped: it is derived data, and a copy to MongoDB must not
// carry stale times.
func (s *Store) ensureDueIndex(ctx context.Context) error {
	if s.due != nil {
		if err := s.coll(dueCollection).Drop(ctx); err != nil {
			return fmt.Errorf("storage: drop the due collection: %w", err)
		}
		teams, err := s.AllTeams(ctx)
		if err != nil {
			return err
		}
		entries := make([]DueTeam, len(teams))
		for i, t := range teams {
			entries[i] = DueTeam{ID: t.ID, Workspace: t.Workspace, Team: t.Manager, NextAt: dueNow, Rev: 1}
		}
		s.due = newMemDue()
		return s.due.importEntries(entries)
	}
	_, err := s.coll(dueCollection).Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "next_at", Value: 1}},
		Options: options.Index().SetName("next_at"),
	})
	if err != nil {
		return fmt.Errorf("storage: create due index: %w", err)
	}
	return nil
}

// TeamsDue returns the entries of the teams whose next run is at or
// before until (a plain indexed range filter, so it works the same on
// lungo and MongoDB), across workspaces: the scheduler serves them all.
func (s *Store) TeamsDue(ctx context.Context, until time.Time) ([]DueTeam, error) {
	if s.due != nil {
		return s.due.teamsDue(until), nil
	}
	return findAll[DueTeam](ctx, s.coll(dueCollection), bson.D{{Key: "next_at", Value: bson.D{{Key: "$lte", Value: dbTime(until)}}}}, "due teams")
}

// AllDue returns every entry of the index: the scheduler's first pass
// reads them before the teams, to write each team's entry at the Rev it
// read.
func (s *Store) AllDue(ctx context.Context) ([]DueTeam, error) {
	if s.due != nil {
		return s.due.all(), nil
	}
	return findAll[DueTeam](ctx, s.coll(dueCollection), bson.D{}, "due teams")
}

// SetNextDue stores next as the team's next run, if the entry is still at
// d.Rev (0 for an entry not yet stored): an entry changed since d was
// read is left due, to be computed again. It reports whether it stored.
func (s *Store) SetNextDue(ctx context.Context, d DueTeam, next time.Time) (bool, error) {
	if s.due != nil {
		return s.due.setNextDue(d, next), nil
	}
	id := teamID(d.Workspace, d.Team)
	res, err := s.coll(dueCollection).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: d.Rev}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "workspace", Value: d.Workspace}, {Key: "team", Value: d.Team}, {Key: "next_at", Value: dbTime(next)}}}},
		options.Update().SetUpsert(d.Rev == 0))
	if isDuplicate(err) {
		return false, nil // created or changed meanwhile: it stays due
	}
	if err != nil {
		return false, fmt.Errorf("storage: set next due: %w", err)
	}
	return res.MatchedCount+res.UpsertedCount == 1, nil
}

// DropDue removes the entry of a team that no longer exists, if it is
// still at d.Rev.
func (s *Store) DropDue(ctx context.Context, d DueTeam) error {
	if s.due != nil {
		s.due.drop(d)
		return nil
	}
	if _, err := s.coll(dueCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: d.Rev}}); err != nil {
		return fmt.Errorf("storage: drop due team: %w", err)
	}
	return nil
}

// markTeamDue makes a team's rituals computed again on the next tick,
// creating its entry: called after every write to what its schedule
// depends on (its settings, its members).
func (s *Store) markTeamDue(ctx context.Context, workspace, team string) error {
	if s.due != nil {
		s.due.markTeam(workspace, team)
		return nil
	}
	err := s.markTeamDueOnce(ctx, workspace, team)
	if isDuplicate(err) {
		err = s.markTeamDueOnce(ctx, workspace, team) // lost a race to create it: it exists now
	}
	if err != nil {
		return fmt.Errorf("storage: mark team due: %w", err)
	}
	return nil
}

func (s *Store) markTeamDueOnce(ctx context.Context, workspace, team string) error {
	_, err := s.coll(dueCollection).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: teamID(workspace, team)}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "workspace", Value: workspace}, {Key: "team", Value: team}, {Key: "next_at", Value: dueNow}}},
			{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}},
		},
		options.Update().SetUpsert(true))
	return err
}

// markWorkspaceDue makes every team of the workspace computed again on
// the next tick: after a write that may concern any of them (a profile's
// timezone, a rep's reminder choice, the installation).
func (s *Store) markWorkspaceDue(ctx context.Context, workspace string) error {
	if s.due != nil {
		s.due.markWorkspace(workspace)
		return nil
	}
	_, err := s.coll(dueCollection).UpdateMany(ctx,
		bson.D{{Key: "workspace", Value: workspace}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "next_at", Value: dueNow}}},
			{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}},
		})
	if err != nil {
		return fmt.Errorf("storage: mark workspace due: %w", err)
	}
	return nil
}

// TeamsByID returns the teams of the given IDs (workspace/manager) that
// exist, in one $in query on _id: the scheduler reads the due teams only.
func (s *Store) TeamsByID(ctx context.Context, ids []string) ([]Team, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if s.engine != nil {
		return s.teamsByIDEmbedded(ids)
	}
	return findAll[Team](ctx, s.teams, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, "teams")
}

// ImportTeams stores many new teams at once, with their entries in the
// index of next-due times set to nextAt (rev 1): the time a first pass
// would store, or now for the scheduler to compute them on its next tick.
// It inserts in batches, where adding teams one by one costs a lookup
// each; a team already stored is an error, and those before it stay.
func (s *Store) ImportTeams(ctx context.Context, teams []Team, nextAt time.Time) error {
	const batch = 1000
	for i := 0; i < len(teams); i += batch {
		part := teams[i:min(i+batch, len(teams))]
		docs, entries := make([]any, 0, len(part)), make([]any, 0, len(part))
		dues := make([]DueTeam, 0, len(part))
		for _, t := range part {
			if t.Workspace == "" || t.Manager == "" {
				return fmt.Errorf("storage: import teams: workspace and manager are required")
			}
			t.ID = teamID(t.Workspace, t.Manager)
			if t.Reps == nil {
				t.Reps = []string{}
			}
			docs = append(docs, t)
			dues = append(dues, DueTeam{ID: t.ID, Workspace: t.Workspace, Team: t.Manager, NextAt: dbTime(nextAt), Rev: 1})
			entries = append(entries, dues[len(dues)-1])
		}
		if _, err := s.teams.InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("storage: import teams: %w", err)
		}
		if s.due != nil {
			if err := s.due.importEntries(dues); err != nil {
				return err
			}
			continue
		}
		if _, err := s.coll(dueCollection).InsertMany(ctx, entries); err != nil {
			return fmt.Errorf("storage: import teams: %w", err)
		}
	}
	return nil
}
