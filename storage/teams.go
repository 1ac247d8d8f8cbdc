package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Workspace is a Slack workspace as kpibot keeps it: who installed the
// app, its currency and its team words. Its admins are Slack's admins and
// owners plus InstalledBy; the bot asks Slack, nobody is admin for being
// first.
type Workspace struct {
	ID string `bson:"_id"`
	// Admins holds the first user of the workspace, as kpibot stored it
	// before admins came from Slack. Only the console's local demo
	// workspace treats that user as its admin (see FirstUser).
	Admins []string `bson:"admins"`
	// InstalledBy is the user who installed the app in the workspace
	// (OAuth), "" when unknown: in single-workspace mode nobody is the
	// installer unless SetInstaller says so.
	InstalledBy string    `bson:"installed_by,omitempty"`
	CreatedAt   time.Time `bson:"created_at"`
	// Currency is the ISO code amounts are logged and shown in; empty
	// means the deployment's default (KPIBOT_CURRENCY).
	Currency string `bson:"currency,omitempty"`
	// Words are the team's own /log words, in the order they were added.
	Words []TeamWord `bson:"words,omitempty"`
	// OutStatus is what a Slack status says when its owner is out
	// (emojis, words): the workspace's list, or nil for kpi's default.
	OutStatus []string `bson:"out_status,omitempty"`
	// HolidayCalendar is the public holidays the workspace's rituals
	// skip: "" for France's, HolidaysNone for none (its own days only).
	HolidayCalendar string `bson:"holiday_calendar,omitempty"`
	// SettingsRev counts the changes to Currency and Words, so every
	// replica knows when the parser it built for the workspace is stale.
	SettingsRev int64 `bson:"settings_rev,omitempty"`
}

// FirstUser is the first user who used kpibot in the workspace, "" if
// unknown. Only the console's demo workspace makes them its admin.
func (w Workspace) FirstUser() string {
	if len(w.Admins) == 0 {
		return ""
	}
	return w.Admins[0]
}

// SetInstaller records who installed the app in workspace (the OAuth
// callback calls it), creating the workspace record if needed.
func (s *Store) SetInstaller(ctx context.Context, workspace, user string, now time.Time) error {
	_, err := s.workspaces.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: workspace}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "installed_by", Value: user}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "admins", Value: bson.A{}}, {Key: "created_at", Value: now.UTC().Truncate(time.Millisecond)}}},
		},
		options.Update().SetUpsert(true))
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("storage: set installer: %w", err)
	}
	return nil
}

// Team is a manager and the reps they coach; Channel is where the team's
// rituals go.
type Team struct {
	ID        string   `bson:"_id"` // workspace/manager
	Workspace string   `bson:"workspace"`
	Manager   string   `bson:"manager"`
	Reps      []string `bson:"reps"`
	Channel   string   `bson:"channel,omitempty"`
	// Lang is the language of the team's channel posts (the review),
	// chosen by its manager; empty means the workspace's.
	Lang string `bson:"lang,omitempty"`
	// Anonymity is the fewest reps who must have logged in a period for
	// the team's figures to be shown to the channel and the reps; 0 means
	// the default. See MinContributors.
	Anonymity int `bson:"anonymity,omitempty"`
}

// MinContributors is the fewest reps who must have logged in a period
// for the team's figures to be shown: the team's own setting, never
// below minContributors.
func (t Team) MinContributors() int { return max(t.Anonymity, minContributors) }

// minContributors mirrors kpi.MinContributors (storage imports no kpi).
const minContributors = 3

// SetTeamAnonymity sets how many reps must have logged for manager's team
// figures to be shown; below 3 is refused.
func (s *Store) SetTeamAnonymity(ctx context.Context, workspace, manager string, n int) (Team, error) {
	if n < minContributors {
		return Team{}, fmt.Errorf("storage: set team anonymity: %d is below %d", n, minContributors)
	}
	var t Team
	err := s.teams.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: teamID(workspace, manager)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "anonymity", Value: n}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After),
	).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Team{}, ErrNotFound
	}
	if err != nil {
		return Team{}, fmt.Errorf("storage: set team anonymity: %w", err)
	}
	return t, nil
}

func teamID(workspace, manager string) string { return workspace + "/" + manager }

// EnsureWorkspace returns the workspace, creating it with user as its
// first user if nobody used kpibot there before. The upsert makes the
// first user win even when two arrive at once.
func (s *Store) EnsureWorkspace(ctx context.Context, workspace, user string, now time.Time) (Workspace, error) {
	var w Workspace
	err := s.workspaces.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: workspace}},
		bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "admins", Value: bson.A{user}}, {Key: "created_at", Value: now.UTC().Truncate(time.Millisecond)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&w)
	if err != nil {
		if isDuplicate(err) {
			// Lost the race to create it: the winner's document is there now.
			if err := s.workspaces.FindOne(ctx, bson.D{{Key: "_id", Value: workspace}}).Decode(&w); err == nil {
				return w, nil
			}
		}
		return Workspace{}, fmt.Errorf("storage: ensure workspace: %w", err)
	}
	return w, nil
}

// MakeManager gives user a team in the workspace (idempotent).
func (s *Store) MakeManager(ctx context.Context, workspace, user string) (Team, error) {
	var t Team
	err := s.teams.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: teamID(workspace, user)}},
		bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "workspace", Value: workspace}, {Key: "manager", Value: user}, {Key: "reps", Value: bson.A{}}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&t)
	if err != nil && !isDuplicate(err) {
		return Team{}, fmt.Errorf("storage: make manager: %w", err)
	}
	if err != nil {
		return s.TeamOf(ctx, workspace, user)
	}
	// A new team's rituals start; an existing one's entry is kept fresh.
	if err := s.markTeamDue(ctx, workspace, user); err != nil {
		return Team{}, err
	}
	return t, nil
}

// InTeamError is returned by AddRep when the rep is already in another
// manager's team: moving them is an admin's act (MoveRep), so a manager
// cannot take a rep, and their history, from another team.
type InTeamError struct {
	Manager string // whose team the rep is in
}

func (e *InTeamError) Error() string {
	return "storage: add rep: already in the team of " + e.Manager
}

// AddRep adds rep to manager's team unless rep is in another team of the
// workspace (an *InTeamError; nothing changes). Adding a rep already in
// the team is a no-op.
//
// The add is written first and checked after: two managers adding one rep
// at once both see the other's add and both step back, so a rep never
// ends up in two teams, at the cost of one of them retrying.
func (s *Store) AddRep(ctx context.Context, workspace, manager, rep string) (Team, error) {
	if other, err := s.teamOfRep(ctx, workspace, rep, manager); err != nil {
		return Team{}, err
	} else if other != "" {
		return Team{}, &InTeamError{Manager: other}
	}
	var t Team
	err := s.teams.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: teamID(workspace, manager)}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "reps", Value: rep}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After),
	).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Team{}, ErrNotFound
	}
	if err != nil {
		return Team{}, fmt.Errorf("storage: add rep: %w", err)
	}
	other, err := s.teamOfRep(ctx, workspace, rep, manager)
	if err == nil && other == "" {
		if err := s.markTeamDue(ctx, workspace, manager); err != nil {
			return Team{}, err
		}
		return t, nil
	}
	if _, perr := s.teams.UpdateOne(ctx, bson.D{{Key: "_id", Value: teamID(workspace, manager)}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "reps", Value: rep}}}}); perr != nil {
		return Team{}, fmt.Errorf("storage: add rep: undo a racing add: %w", perr)
	}
	if err != nil {
		return Team{}, err
	}
	return Team{}, &InTeamError{Manager: other}
}

// MoveRep puts rep in manager's team and out of any other of the
// workspace: a rep has one manager. It returns the team and the manager
// the rep left ("" when they were in no other team). It is an admin's
// act; callers check that, and tell the rep and both managers.
func (s *Store) MoveRep(ctx context.Context, workspace, manager, rep string) (Team, string, error) {
	from, err := s.teamOfRep(ctx, workspace, rep, manager)
	if err != nil {
		return Team{}, "", err
	}
	if _, err := s.teams.UpdateMany(ctx,
		bson.D{{Key: "workspace", Value: workspace}, {Key: "reps", Value: rep}, {Key: "manager", Value: bson.D{{Key: "$ne", Value: manager}}}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "reps", Value: rep}}}},
	); err != nil {
		return Team{}, "", fmt.Errorf("storage: move rep: %w", err)
	}
	var t Team
	err = s.teams.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: teamID(workspace, manager)}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "reps", Value: rep}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After),
	).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Team{}, "", ErrNotFound
	}
	if err != nil {
		return Team{}, "", fmt.Errorf("storage: move rep: %w", err)
	}
	if err := s.markWorkspaceDue(ctx, workspace); err != nil { // both teams
		return Team{}, "", err
	}
	return t, from, nil
}

// teamOfRep returns the manager of a team other than except's that has
// rep among its reps, or "".
func (s *Store) teamOfRep(ctx context.Context, workspace, rep, except string) (string, error) {
	var t Team
	err := s.teams.FindOne(ctx, bson.D{
		{Key: "workspace", Value: workspace}, {Key: "reps", Value: rep},
		{Key: "manager", Value: bson.D{{Key: "$ne", Value: except}}},
	}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("storage: team of rep: %w", err)
	}
	return t.Manager, nil
}

// SetTeamChannel records where manager's team holds its rituals.
func (s *Store) SetTeamChannel(ctx context.Context, workspace, manager, channel string) (Team, error) {
	return s.setTeamField(ctx, workspace, manager, "channel", channel)
}

// SetTeamLang sets the language of the team's channel posts; "" goes
// back to the workspace's.
func (s *Store) SetTeamLang(ctx context.Context, workspace, manager, lang string) (Team, error) {
	return s.setTeamField(ctx, workspace, manager, "lang", lang)
}

// setTeamField sets one field of a team and returns the team.
func (s *Store) setTeamField(ctx context.Context, workspace, manager, field, value string) (Team, error) {
	var t Team
	err := s.teams.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: teamID(workspace, manager)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: value}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After),
	).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Team{}, ErrNotFound
	}
	if err != nil {
		return Team{}, fmt.Errorf("storage: set team %s: %w", field, err)
	}
	return t, nil
}

// TeamOf returns the team user manages, or else the team user is a rep
// of, or ErrNotFound.
func (s *Store) TeamOf(ctx context.Context, workspace, user string) (Team, error) {
	var t Team
	err := s.teams.FindOne(ctx, bson.D{{Key: "_id", Value: teamID(workspace, user)}}).Decode(&t)
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return Team{}, fmt.Errorf("storage: team of %s: %w", user, err)
	}
	err = s.teams.FindOne(ctx, bson.D{{Key: "workspace", Value: workspace}, {Key: "reps", Value: user}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Team{}, ErrNotFound
	}
	if err != nil {
		return Team{}, fmt.Errorf("storage: team of %s: %w", user, err)
	}
	return t, nil
}

// readWeeks appends the weeks of one partition that match filter and
// belong to one of the wanted users.
func (s *Store) readWeeks(ctx context.Context, partition string, filter bson.D, want map[string]bool, out *[]Week) error {
	cur, err := s.weeks.get(partition).Find(ctx, filter)
	if err != nil {
		return fmt.Errorf("storage: find weeks: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var w Week
		if err := cur.Decode(&w); err != nil {
			return fmt.Errorf("storage: read week: %w", err)
		}
		if want[w.User] {
			*out = append(*out, w)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("storage: read weeks: %w", err)
	}
	return nil
}

// WeeksBetween returns the weeks of the given users whose start is within
// [fromStart, toStart]. Users are filtered here rather than with $in: the
// embedded engine matches $in value by value, and a team's weeks are a
// small slice of a workspace anyway.
func (s *Store) WeeksBetween(ctx context.Context, workspace string, users []string, fromStart, toStart string) ([]Week, error) {
	want := make(map[string]bool, len(users))
	for _, u := range users {
		want[u] = true
	}
	filter := bson.D{
		{Key: "workspace", Value: workspace},
		{Key: "start", Value: bson.D{{Key: "$gte", Value: fromStart}, {Key: "$lte", Value: toStart}}},
	}
	if len(users) == 1 {
		filter = append(bson.D{{Key: "user", Value: users[0]}}, filter...)
	}
	names, err := partitionsBetween(fromStart, toStart)
	if err != nil {
		return nil, err
	}
	var out []Week
	for _, name := range names {
		if err := s.readWeeks(ctx, name, filter, want, &out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func isDuplicate(err error) bool {
	return mongo.IsDuplicateKeyError(err) || lungoUnique(err)
}

// AllTeams returns every team of every workspace: the scheduler builds its
// jobs from them on each pass, so a new team or channel takes effect live.
func (s *Store) AllTeams(ctx context.Context) ([]Team, error) {
	out, err := findAll[Team](ctx, s.teams, bson.D{}, "teams")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Team) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
