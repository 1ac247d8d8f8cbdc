package deliver

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// Upload shares a file (a PNG chart, a CSV export) in channel (a DM for a user ID), in the thread of
// threadTS when set, with Slack's current upload flow: an upload URL, the
// bytes, then completeUploadExternal.
func (d *Deliverer) Upload(ctx context.Context, channel, threadTS, filename, title string, png []byte) error {
	conv, err := d.conversation(ctx, channel)
	if err != nil {
		return fmt.Errorf("bot: upload: %w", err)
	}
	// Two of the upload's calls count against their methods' budgets;
	// both slots are taken before its deadline starts.
	for _, method := range []string{"files.getUploadURLExternal", "files.completeUploadExternal"} {
		if err := d.budget.Wait(ctx, method); err != nil {
			return fmt.Errorf("bot: upload: %w", err)
		}
	}
	// An upload is three calls (URL, bytes, complete); they share one
	// deadline a little longer than a single call's.
	ctx, cancel := context.WithTimeout(ctx, 3*d.timeout)
	defer cancel()
	_, err = d.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Reader:          bytes.NewReader(png),
		FileSize:        len(png),
		Filename:        filename,
		Title:           title,
		Channel:         conv,
		ThreadTimestamp: threadTS,
	})
	if err != nil {
		return fmt.Errorf("bot: upload %s: %w", filename, err)
	}
	return nil
}

// OpenGroup opens (or finds) the private conversation of users and the
// bot: a coaching thread between a manager and a rep.
func (d *Deliverer) OpenGroup(ctx context.Context, users []string) (string, error) {
	var ch *slack.Channel
	err := d.call(ctx, "conversations.open", func(ctx context.Context) error {
		c, _, _, err := d.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: users})
		if err == nil && (c == nil || c.ID == "") {
			err = errors.New("no channel in the answer")
		}
		ch = c
		return err
	})
	if err != nil {
		return "", fmt.Errorf("bot: open conversation: %w", err)
	}
	return ch.ID, nil
}
