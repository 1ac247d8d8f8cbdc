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
	// A 429 on any of its calls shared nothing: the upload starts over
	// after Retry-After (a file uploaded but never shared is dropped by
	// Slack), up to MaxRetries times.
	for attempt := 0; ; attempt++ {
		// Two of the upload's calls count against their methods' budgets;
		// both slots are taken before its deadline starts.
		for _, method := range []string{"files.getUploadURLExternal", "files.completeUploadExternal"} {
			if err := d.budget.Wait(ctx, method); err != nil {
				return fmt.Errorf("bot: upload: %w", err)
			}
		}
		// An upload is three calls (URL, bytes, complete); they share one
		// deadline a little longer than a single call's.
		callCtx, cancel := context.WithTimeout(ctx, 3*d.timeout)
		_, err = d.api.UploadFileContext(callCtx, slack.UploadFileParameters{
			Reader:          bytes.NewReader(png),
			FileSize:        len(png),
			Filename:        filename,
			Title:           title,
			Channel:         conv,
			ThreadTimestamp: threadTS,
		})
		cancel()
		var rl *slack.RateLimitedError
		if err == nil {
			return nil
		}
		if !errors.As(err, &rl) || attempt >= d.maxRetries {
			return fmt.Errorf("bot: upload %s: %w", filename, err)
		}
		wait := retryAfter(rl)
		d.budget.Backoff(ctx, "files.getUploadURLExternal", wait)
		d.retried.Add(1)
		if err := d.clock.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("bot: upload %s: %w", filename, err)
		}
	}
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
