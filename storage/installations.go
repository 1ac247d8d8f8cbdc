package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/256dpi/lungo"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// installationsCollection holds one document per workspace the app is,
// or was, installed in. It is opened lazily, as occurrences are: the _id
// is the only key, unique without an index.
const installationsCollection = "installations"

// Installation is the app's installation in one workspace: who installed
// it and when, and the bot token its Slack calls use. The token is kept
// sealed (encrypted by the caller); storage never sees it in clear.
type Installation struct {
	// Workspace is the team ID (or the enterprise ID of an org-wide
	// install); it is the _id.
	Workspace   string    `bson:"_id"`
	Enterprise  string    `bson:"enterprise,omitempty"`
	TeamName    string    `bson:"team_name,omitempty"`
	BotUser     string    `bson:"bot_user,omitempty"`
	AppID       string    `bson:"app_id,omitempty"`
	Scopes      []string  `bson:"scopes,omitempty"`
	InstalledBy string    `bson:"installed_by,omitempty"`
	InstalledAt time.Time `bson:"installed_at"`
	// SealedToken is the bot token as the caller's cipher sealed it; empty
	// once the app is uninstalled or its tokens revoked.
	SealedToken string `bson:"sealed_token,omitempty"`
	// RevokedAt is when Slack said the app was uninstalled or its bot
	// token revoked; zero while installed. The workspace's data is kept
	// until an admin erases it, but its rituals stop.
	RevokedAt time.Time `bson:"revoked_at,omitempty"`
	// RevokedBy says which event revoked it: app_uninstalled or
	// tokens_revoked.
	RevokedBy string `bson:"revoked_by,omitempty"`
}

// Active reports whether the app is installed in the workspace now.
func (i Installation) Active() bool { return i.RevokedAt.IsZero() }

func (s *Store) installations() lungo.ICollection { return s.coll(installationsCollection) }

// SaveInstallation stores in, replacing the workspace's previous
// installation: a reinstall brings a new token and clears a revocation.
func (s *Store) SaveInstallation(ctx context.Context, in Installation) error {
	if in.Workspace == "" {
		return errors.New("storage: save installation: workspace is required")
	}
	in.InstalledAt = dbTime(in.InstalledAt)
	in.RevokedAt, in.RevokedBy = time.Time{}, ""
	if err := upsertByID(ctx, s.installations(), in.Workspace, in, "installation"); err != nil {
		return err
	}
	return s.markWorkspaceDue(ctx, in.Workspace)
}

// Installation returns the workspace's installation, or ErrNotFound when
// the app was never installed there through OAuth nor revoked there.
func (s *Store) Installation(ctx context.Context, workspace string) (Installation, error) {
	var in Installation
	err := s.installations().FindOne(ctx, bson.D{{Key: "_id", Value: workspace}}).Decode(&in)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Installation{}, ErrNotFound
	}
	if err != nil {
		return Installation{}, fmt.Errorf("storage: load installation: %w", err)
	}
	return in, nil
}

// Installations returns every installation, active or revoked: the
// re-encryption command and the scheduler read them all.
func (s *Store) Installations(ctx context.Context) ([]Installation, error) {
	return findAll[Installation](ctx, s.installations(), bson.D{}, "installations")
}

// RevokeInstallation deletes the workspace's token and records when and
// why it was revoked. A workspace without an installation record (the
// single-workspace mode, whose token is the operator's) gets one that
// says it is revoked, so its rituals stop all the same. Revoking twice
// keeps the first time.
func (s *Store) RevokeInstallation(ctx context.Context, workspace, by string, at time.Time) error {
	if workspace == "" {
		return errors.New("storage: revoke installation: workspace is required")
	}
	in, err := s.Installation(ctx, workspace)
	switch {
	case errors.Is(err, ErrNotFound):
		in = Installation{Workspace: workspace}
	case err != nil:
		return err
	case !in.Active():
		return nil
	}
	in.SealedToken = ""
	in.RevokedAt, in.RevokedBy = dbTime(at), by
	if err := upsertByID(ctx, s.installations(), workspace, in, "installation"); err != nil {
		return err
	}
	return s.markWorkspaceDue(ctx, workspace)
}

// ReplaceSealedToken swaps the workspace's sealed token for another
// sealing of the same token, if it is still old: the re-encryption under
// a new key must not overwrite a token a reinstall just stored.
func (s *Store) ReplaceSealedToken(ctx context.Context, workspace, old, sealed string) (bool, error) {
	res, err := s.installations().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: workspace}, {Key: "sealed_token", Value: old}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "sealed_token", Value: sealed}}}})
	if err != nil {
		return false, fmt.Errorf("storage: re-seal token: %w", err)
	}
	return res.ModifiedCount == 1, nil
}

// Reinstated clears a revocation without touching the rest: the
// single-workspace mode calls it at start, once auth.test says its token
// works again for the workspace.
func (s *Store) Reinstated(ctx context.Context, workspace string) error {
	_, err := s.installations().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: workspace}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "revoked_at", Value: ""}, {Key: "revoked_by", Value: ""}}}})
	if err != nil {
		return fmt.Errorf("storage: reinstate installation: %w", err)
	}
	return s.markWorkspaceDue(ctx, workspace)
}
