package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

// RitualSetting is a team's choice for one ritual: when, where, or off.
// A ritual with no setting runs on its default schedule.
type RitualSetting struct {
	ID        string    `bson:"_id"` // workspace/team/ritual
	Workspace string    `bson:"workspace"`
	Team      string    `bson:"team"` // the manager
	Ritual    string    `bson:"ritual"`
	Spec      string    `bson:"spec,omitempty"`
	TZ        string    `bson:"tz,omitempty"` // the timezone Spec is read in
	Channel   string    `bson:"channel,omitempty"`
	Off       bool      `bson:"off"`
	UpdatedBy string    `bson:"updated_by"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// SaveRitualSetting records a team's setting for a ritual, replacing the
// previous one: schedules live in storage so they change without a deploy.
func (s *Store) SaveRitualSetting(ctx context.Context, r RitualSetting) error {
	if r.Workspace == "" || r.Team == "" || r.Ritual == "" {
		return errors.New("storage: save ritual setting: workspace, team and ritual are required")
	}
	r.ID = r.Workspace + "/" + r.Team + "/" + r.Ritual
	r.UpdatedAt = r.UpdatedAt.UTC().Truncate(time.Millisecond)
	if err := upsertByID(ctx, s.coll("rituals"), r.ID, r, "ritual setting"); err != nil {
		return err
	}
	return s.markTeamDue(ctx, r.Workspace, r.Team)
}

// RitualSettings returns the settings of a team, by ritual.
func (s *Store) RitualSettings(ctx context.Context, workspace, team string) (map[string]RitualSetting, error) {
	list, err := findAll[RitualSetting](ctx, s.coll("rituals"), bson.D{{Key: "workspace", Value: workspace}, {Key: "team", Value: team}}, "ritual settings")
	if err != nil {
		return nil, err
	}
	out := make(map[string]RitualSetting, len(list))
	for _, r := range list {
		out[r.Ritual] = r
	}
	return out, nil
}

// Absence is a run of days a rep is away: no reminder, and not counted as
// missing. Days are "2006-01-02", both included.
type Absence struct {
	ID        string    `bson:"_id"` // workspace/user/from
	Workspace string    `bson:"workspace"`
	User      string    `bson:"user"`
	From      string    `bson:"from"`
	To        string    `bson:"to"`
	CreatedAt time.Time `bson:"created_at"`
}

// SaveAbsence records an absence; the same start day replaces the end.
func (s *Store) SaveAbsence(ctx context.Context, a Absence) error {
	if a.Workspace == "" || a.User == "" || a.From == "" || a.To == "" {
		return errors.New("storage: save absence: workspace, user, from and to are required")
	}
	if !validDay(a.From) || !validDay(a.To) {
		return fmt.Errorf("storage: save absence: %q to %q are not days", a.From, a.To)
	}
	pa := PrefAbsence{From: a.From, To: a.To, CreatedAt: a.CreatedAt.UTC().Truncate(time.Millisecond)}
	return s.setPreferenceFields(ctx, a.Workspace, a.User, bson.D{{Key: "absences." + a.From, Value: pa}}, nil, "absence")
}

// Away reports whether user is away on day.
func (s *Store) Away(ctx context.Context, workspace, user, day string) (bool, error) {
	p, err := s.preferences(ctx, workspace, user)
	if err != nil {
		return false, fmt.Errorf("storage: find absences: %w", err)
	}
	for _, a := range p.Absences {
		if a.From <= day && day <= a.To {
			return true, nil
		}
	}
	return false, nil
}

// Holiday is a day off a workspace adds to the built-in French public
// holidays: no ritual runs on it.
type Holiday struct {
	ID        string `bson:"_id"` // workspace/day
	Workspace string `bson:"workspace"`
	Day       string `bson:"day"`
	Name      string `bson:"name"`
	// Off marks a built-in holiday the workspace works on instead.
	Off bool `bson:"off"`
}

// SaveHoliday adds a day off, or with Off a built-in one that is worked.
func (s *Store) SaveHoliday(ctx context.Context, h Holiday) error {
	if h.Workspace == "" || h.Day == "" {
		return errors.New("storage: save holiday: workspace and day are required")
	}
	h.ID = h.Workspace + "/" + h.Day
	return upsertByID(ctx, s.coll("holidays"), h.ID, h, "holiday")
}

// Holidays returns a workspace's own holiday entries.
func (s *Store) Holidays(ctx context.Context, workspace string) ([]Holiday, error) {
	out, err := findAll[Holiday](ctx, s.coll("holidays"), bson.D{{Key: "workspace", Value: workspace}}, "holidays")
	if err != nil {
		return nil, err
	}
	return out, nil
}
