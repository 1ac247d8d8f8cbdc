package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
)

// FuzzInteraction feeds interaction payloads, as Slack posts them in the
// payload form field or a Socket Mode envelope carries them, to the
// handler with no recover in between: whatever a payload holds, serving
// it must not panic. The corpus under testdata/fuzz/FuzzInteraction keeps
// what the fuzzer found; the seeds are the shapes Slack sends and the
// coach_edit submission without state that once crashed the process.
func FuzzInteraction(f *testing.F) {
	for _, seed := range []string{
		`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V1","callback_id":"coach_edit","private_metadata":"abcde"}}`,
		`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V1","callback_id":"coach_edit","state":{"values":{}}}}`,
		`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V2","callback_id":"checkin","state":{"values":{"calls":{"calls":{"type":"number_input","value":"12"}},"note":{"note":{"value":"ok"}}}}}}`,
		`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V3","callback_id":"checkin"}}`,
		`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"checkin","state":{"values":{"revenue":{"revenue":{"value":"1.000"}}}}}}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"trigger_id":"t","actions":[{"action_id":"checkin_open","block_id":"b","type":"button","value":"v"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"container":{"channel_id":"D1"},"actions":[{"action_id":"reminder_snooze"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"reminder_off"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"coach_post","value":"abcde"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U2"},"actions":[{"action_id":"coach_edit","value":"zzzzz"}]}`,
		`{"type":"block_actions","actions":[{"action_id":"coach_skip"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"pending_save","value":"abcde"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"pending_edit","value":""}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"entry_delete","value":"abcdefghjkmnp"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"action_id":"entries_older","value":"-3"}]}`,
		`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V4","callback_id":"checkin","private_metadata":"edit:abcdefghjkmnp","state":{"values":{"day":{"day":{"type":"datepicker","selected_date":"2026-13-40"}}}}}}`,
		`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V5","callback_id":"checkin","private_metadata":"pending:","state":{"values":{"pipeline":{"pipeline":{"value":"15000"}}}}}}`,
		`{"type":"shortcut","team":{"id":"T1"},"user":{"id":"U1"},"callback_id":"log_day","trigger_id":"t"}`,
		`{"type":"message_action","team":{"id":"T1"},"user":{"id":"U1"},"callback_id":"x","message":{"text":"hi"}}`,
		`{"type":"view_closed","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V1"}}`,
		`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V6","callback_id":"my_settings","state":{"values":{"reminder":{"v":{"type":"radio_buttons","selected_option":{"value":"own"}}},"reminder_time":{"v":{"type":"timepicker","selected_time":"25:99"}},"away_from":{"v":{"type":"datepicker","selected_date":"2026-02-30"}}}}}}`,
		`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"V7","callback_id":"my_settings"}}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"view":{"type":"home"},"actions":[{"action_id":"commitment_done","value":"zzzzz"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"view":{"type":"home"},"trigger_id":"t","actions":[{"action_id":"settings_open","value":"home"}]}`,
		`{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"view":{"type":"home"},"actions":[{"action_id":"entry_delete","value":"abcdefghjkmnp"}]}`,
		`{}`,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	// Answers through response_url stay on this machine.
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer sink.Close()
	store := memStore(f)
	h := bot.NewHandler(bot.HandlerConfig{Store: store, Now: newClock(monday10).Now, TZ: paris, Lang: "fr", Logger: quiet})
	if _, err := store.MakeManager(context.Background(), "T1", "U2"); err != nil {
		f.Fatal(err)
	}
	if _, err := store.AddRep(context.Background(), "T1", "U2", "U1"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var cb struct{ slack.InteractionCallback }
		if err := json.Unmarshal(payload, &cb.InteractionCallback); err != nil {
			return // the transports answer 400 before the handler
		}
		if cb.ResponseURL != "" {
			cb.ResponseURL = sink.URL
		}
		_, _ = h.Interact(context.Background(), cb.InteractionCallback)
	})
}
