package views

import (
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// The buttons of the list of a rep's entries (/log edit). Edit and Delete
// carry the entry's long reference, Page the page to show; the bot looks
// the entry up among the clicking user's own, and never trusts the value
// for more. Newer and Older carry the page to show. The action IDs come back in block_actions payloads, so they
// must never be renamed.
const (
	ActionEntryEdit    = "entry_edit"
	ActionEntryDelete  = "entry_delete"
	ActionEntriesNewer = "entries_newer"
	ActionEntriesOlder = "entries_older"
	// EntryBlockPrefix starts the block ID of an entry's buttons.
	EntryBlockPrefix = "entry:"
	EntriesNavBlock  = "entries_nav"
)

// EntriesPerPage is how many entries a page of the list or the history
// shows: a page stays well under Slack's 50 blocks.
const EntriesPerPage = 8

// maxRevisionsShown bounds the versions the history shows of one entry.
const maxRevisionsShown = 8

// StoredEntry is one of a rep's entries as the list and the history show
// it: its code, its current values, and its earlier versions.
type StoredEntry struct {
	Code string // typed in /log edit and /log rm
	Ref  string // carried by buttons
	Entry
	Raw       string
	Rev       int
	LoggedAt  time.Time
	EditedAt  time.Time  // zero for an entry never edited
	Withdrawn *time.Time // when it was withdrawn, nil when it counts
	Revisions []Version  // oldest first, the current one not included
}

// Version is an earlier version of an entry.
type Version struct {
	Rev int
	At  time.Time
	Day kpi.Date
	Tally
	Raw string
}

// Page cuts all into pages of EntriesPerPage and returns page (from 1,
// clamped to the pages there are) and how many pages there are.
func Page[T any](all []T, page int) ([]T, int, int) {
	pages := max(1, (len(all)+EntriesPerPage-1)/EntriesPerPage)
	page = min(max(page, 1), pages)
	from := (page - 1) * EntriesPerPage
	return all[from:min(from+EntriesPerPage, len(all))], page, pages
}

// entryLine is an entry in one line: "`k3m9x` · ven. 20 nov. : 3 rdv".
func entryLine(lang prompts.Lang, e StoredEntry, today kpi.Date) string {
	return prompts.Text(lang, "log.entries.line", map[string]string{"Code": e.Code, "Day": prompts.Day(lang, e.Day, today), "Items": e.items(lang)})
}

// EntryList is /log edit: the rep's live entries of page, newest first,
// each with buttons to edit it in the check-in modal or withdraw it, and
// the commands that do the same by typing. notice, when not empty, comes
// first: what was just done.
func EntryList(lang prompts.Lang, entries []StoredEntry, page, pages int, today kpi.Date, notice string) slack.Msg {
	title := prompts.Text(lang, "log.entries.title", map[string]any{"Days": kpi.MaxDaysBack, "Page": page, "Pages": pages})
	var blocks []slack.Block
	if notice != "" {
		blocks = append(blocks, Section(notice))
	}
	blocks = append(blocks, Section(title))
	if len(entries) == 0 {
		text := prompts.Text(lang, "log.entries.none", map[string]int{"Days": kpi.MaxDaysBack})
		blocks = append(blocks, Section(text))
		return Ephemeral(strings.TrimSpace(notice+"\n"+text), blocks...)
	}
	for _, e := range entries {
		text := entryLine(lang, e, today) + "\n" + prompts.Text(lang, "log.entries.raw", map[string]string{"Raw": Escape(e.Raw)})
		if e.Rev > 0 {
			text += " " + prompts.Text(lang, plural("log.entries.edited", e.Rev), map[string]int{"N": e.Rev})
		}
		blocks = append(blocks, Section(text), entryButtons(lang, e))
	}
	if nav := pageButtons(lang, page, pages); nav != nil {
		blocks = append(blocks, nav)
	}
	blocks = append(blocks, Context(prompts.Text(lang, "log.entries.hint", nil)))
	fallback := title
	if notice != "" {
		fallback = notice
	}
	return Ephemeral(fallback, blocks...)
}

func entryButtons(lang prompts.Lang, e StoredEntry) *slack.ActionBlock {
	text := func(key prompts.Key) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, key, nil), true, false)
	}
	del := slack.NewButtonBlockElement(ActionEntryDelete, e.Ref, text("log.entries.delete")).WithStyle(slack.StyleDanger)
	del.Confirm = slack.NewConfirmationBlockObject(
		text("log.entries.confirm.title"),
		slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, "log.entries.confirm.text", map[string]string{"Code": e.Code, "Raw": shorten(e.Raw, 200)}), false, false),
		text("log.entries.confirm.yes"), text("log.entries.confirm.no"))
	return slack.NewActionBlock(EntryBlockPrefix+e.Ref,
		slack.NewButtonBlockElement(ActionEntryEdit, e.Ref, text("log.entries.edit")),
		del,
	)
}

func pageButtons(lang prompts.Lang, page, pages int) *slack.ActionBlock {
	var els []slack.BlockElement
	button := func(actionID string, key prompts.Key, to int) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(actionID, strconv.Itoa(to), slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, key, nil), true, false))
	}
	if page > 1 {
		els = append(els, button(ActionEntriesNewer, "log.entries.newer", page-1))
	}
	if page < pages {
		els = append(els, button(ActionEntriesOlder, "log.entries.older", page+1))
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewActionBlock(EntriesNavBlock, els...)
}

// plural is the catalog key for n of key: key.one for one, key.other
// for any other number.
func plural(key string, n int) prompts.Key {
	if n == 1 {
		return prompts.Key(key + ".one")
	}
	return prompts.Key(key + ".other")
}

// shorten cuts s to n runes, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// LogHistory is /log history: the rep's entries of page, withdrawn ones
// included, each with its versions and when each was written, in loc.
func LogHistory(lang prompts.Lang, entries []StoredEntry, page, pages int, today kpi.Date, loc *time.Location) slack.Msg {
	title := prompts.Text(lang, "log.history.title", map[string]any{"Days": kpi.MaxDaysBack, "Page": page, "Pages": pages})
	blocks := []slack.Block{Section(title)}
	if len(entries) == 0 {
		blocks = append(blocks, Section(prompts.Text(lang, "log.entries.none", map[string]int{"Days": kpi.MaxDaysBack})))
	}
	for _, e := range entries {
		head := entryLine(lang, e, today)
		if e.Withdrawn != nil {
			head += " " + prompts.Text(lang, "log.history.withdrawn", map[string]string{"When": when(lang, *e.Withdrawn, loc)})
		}
		lines := []string{head}
		versions := append(append([]Version(nil), e.Revisions...), Version{Rev: e.Rev, At: e.EditedAt, Day: e.Day, Tally: e.Tally, Raw: e.Raw})
		if e.EditedAt.IsZero() {
			versions[len(versions)-1].At = e.LoggedAt
		}
		if hidden := len(versions) - maxRevisionsShown; hidden > 0 {
			lines = append(lines, prompts.Text(lang, plural("log.history.more", hidden), map[string]int{"N": hidden}))
			versions = versions[hidden:]
		}
		for i, v := range versions {
			key := prompts.Key("log.history.version")
			if i == len(versions)-1 {
				key = "log.history.current"
			}
			day := ""
			if v.Day != e.Day {
				day = prompts.Text(lang, "log.history.day", map[string]string{"Day": prompts.Date(lang, v.Day)})
			}
			lines = append(lines, prompts.Text(lang, key, map[string]any{
				"N": v.Rev + 1, "When": when(lang, v.At, loc), "Raw": Escape(shorten(v.Raw, 300)), "Items": v.items(lang), "Day": day,
			}))
		}
		blocks = append(blocks, Section(strings.Join(lines, "\n")))
	}
	blocks = append(blocks, Context(prompts.Text(lang, "log.history.hint", nil)))
	return Ephemeral(title, blocks...)
}

// when is an instant as the history shows it: "lun. 23 nov. 10:05".
func when(lang prompts.Lang, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return prompts.Date(lang, kpi.DateOf(t)) + " " + t.Format("15:04")
}

// Revised answers an edit: the entry as it is now, and what it was.
func Revised(lang prompts.Lang, e StoredEntry, before Version, today kpi.Date) slack.Msg {
	title := prompts.Text(lang, "log.edit.done", map[string]string{"Code": e.Code, "Items": e.items(lang), "Day": prompts.Day(lang, e.Day, today)})
	ctx := prompts.Text(lang, "log.edit.before", map[string]any{"Raw": Escape(before.Raw), "Items": before.items(lang), "N": e.Rev + 1})
	blocks := []slack.Block{Section(title)}
	if e.Note != "" {
		blocks = append(blocks, Context(prompts.Text(lang, prompts.LogRecordedNote, map[string]string{"Note": Escape(e.Note)})))
	}
	blocks = append(blocks, Context(ctx))
	return Ephemeral(title, blocks...)
}

// Withdrawn answers /log rm: the entry taken out of the figures, kept in
// the history.
func Withdrawn(lang prompts.Lang, e StoredEntry, today kpi.Date) slack.Msg {
	return Reply(lang, "log.rm.done", map[string]string{"Code": e.Code, "Raw": Escape(e.Raw), "Items": e.items(lang), "Day": prompts.Day(lang, e.Day, today)})
}

// NoSuchEntry refuses a code that names none of the rep's entries, and
// says nothing of whose it might be.
func NoSuchEntry(lang prompts.Lang, code string) slack.Msg {
	return Usage(lang, "log.entry.none", map[string]any{"Code": Escape(code), "Days": kpi.MaxDaysBack}, "`/log edit`")
}
