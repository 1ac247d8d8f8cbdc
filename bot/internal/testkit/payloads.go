package testkit

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// ClickPayload is a block_actions payload: user clicked actionID on the
// reminder in their DM D1.
func ClickPayload(user, actionID, responseURL string) string {
	p := map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": user, "username": "rep", "name": "rep", "team_id": "T1"},
		"api_app_id": "A1",
		"token":      "legacy",
		"container":  map[string]any{"type": "message", "message_ts": "1795424400.000100", "channel_id": "D1", "is_ephemeral": false},
		"trigger_id": "1111.2222.trigger-" + actionID,
		"team":       map[string]any{"id": "T1", "domain": "acme"},
		"channel":    map[string]any{"id": "D1", "name": "directmessage"},
		"message": map[string]any{
			"type": "message", "bot_id": BotID, "user": BotUser, "ts": "1795424400.000100",
			"text": "reminder", "blocks": json.RawMessage(MustJSON(views.ReminderBlocks(prompts.English))),
		},
		"response_url": responseURL,
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": views.ReminderActionsBlock, "type": "button",
			"text":      map[string]any{"type": "plain_text", "text": "x", "emoji": true},
			"action_ts": "1795424460.000200",
		}},
	}
	return MustJSON(p)
}

// SubmitPayload is a view_submission of the check-in modal: values by
// block ID, the element types the modal has.
func SubmitPayload(user, viewID string, values map[string]string) string {
	return SubmitPayloadWith(user, viewID, "", values)
}

// SubmitPayloadWith is SubmitPayload of a modal opened with private
// metadata: for a reading to confirm or an entry to correct. Values may
// name any count metric, "revenue", "pipeline", "day" (YYYY-MM-DD) and
// "note".
func SubmitPayloadWith(user, viewID, metadata string, values map[string]string) string {
	state := map[string]any{}
	for _, m := range kpi.CountMetrics {
		if _, ok := values[string(m)]; ok || slices.Contains(views.CheckInMetrics, m) {
			state[string(m)] = map[string]any{string(m): map[string]any{"type": "number_input", "value": values[string(m)]}}
		}
	}
	state[views.RevenueBlock] = map[string]any{views.RevenueBlock: map[string]any{"type": "number_input", "value": values[views.RevenueBlock]}}
	state[views.PipelineBlock] = map[string]any{views.PipelineBlock: map[string]any{"type": "number_input", "value": values[views.PipelineBlock]}}
	state[views.NoteBlock] = map[string]any{views.NoteBlock: map[string]any{"type": "plain_text_input", "value": values[views.NoteBlock]}}
	// Slack sends null for a field left empty.
	for _, block := range state {
		for _, el := range block.(map[string]any) {
			if el.(map[string]any)["value"] == "" {
				el.(map[string]any)["value"] = nil
			}
		}
	}
	var day any
	if d := values[views.DayBlock]; d != "" {
		day = d
	}
	state[views.DayBlock] = map[string]any{views.DayBlock: map[string]any{"type": "datepicker", "selected_date": day}}
	p := map[string]any{
		"type":       "view_submission",
		"team":       map[string]any{"id": "T1", "domain": "acme"},
		"user":       map[string]any{"id": user, "username": "rep", "name": "rep", "team_id": "T1"},
		"api_app_id": "A1",
		"token":      "legacy",
		"trigger_id": "3333.4444.submit",
		"view": map[string]any{
			"id": viewID, "team_id": "T1", "type": "modal", "callback_id": views.CheckInCallback, "private_metadata": metadata,
			"title":  map[string]any{"type": "plain_text", "text": "Log my day"},
			"blocks": json.RawMessage(MustJSON(views.CheckInModal(prompts.English).Blocks)),
			"state":  map[string]any{"values": state},
			"hash":   "1795424400.abc", "root_view_id": viewID, "app_id": "A1", "bot_id": BotID,
		},
		"response_urls": []any{},
	}
	return MustJSON(p)
}

// ViewAnswer decodes a view_submission acknowledgement.
func ViewAnswer(t *testing.T, body []byte) slack.ViewSubmissionResponse {
	t.Helper()
	var r slack.ViewSubmissionResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("answer is not a view response: %v\n%s", err, body)
	}
	return r
}

// MustCallback decodes an interaction payload or fails the test.
func MustCallback(t *testing.T, payload string) slack.InteractionCallback {
	t.Helper()
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		t.Fatal(err)
	}
	return cb
}
