package storage

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// memDue is the index of next-due times of the embedded store, in memory
// only. lungo filters by scanning and copies a collection on every write,
// so a collection of next-due times made each tick cost the number of
// teams stored. The embedded store serves one process (its lock), so the
// index can live in that process: every function of due.go (and
// ImportTeams, ForgetWorkspace, ForgetUser) goes to it instead of the
// collection, with the same semantics as the collection's queries, and
// it is the only copy, so nothing can drift. It is not persisted: at open
// every stored team gets an entry due now (rev 1), which the scheduler's
// first pass computes, as it does on MongoDB.
type memDue struct {
	mu   sync.Mutex
	byID map[string]*memEntry
	// byWS are the entries of each workspace, for markWorkspaceDue.
	byWS map[string]map[string]*memEntry
	// order is a min-heap on (NextAt, ID): TeamsDue walks only the part
	// at or before its time.
	order dueHeap
}

type memEntry struct {
	DueTeam
	at int // position in order
}

func newMemDue() *memDue {
	return &memDue{byID: map[string]*memEntry{}, byWS: map[string]map[string]*memEntry{}}
}

// teamsDue is every entry whose NextAt is at or before until, by NextAt:
// a walk of the heap that stops below each later entry, so it costs the
// entries due, not the entries stored.
func (m *memDue) teamsDue(until time.Time) []DueTeam {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []DueTeam
	var walk func(i int)
	walk = func(i int) {
		if i >= len(m.order) || m.order[i].NextAt.After(until) {
			return
		}
		out = append(out, m.order[i].DueTeam)
		walk(2*i + 1)
		walk(2*i + 2)
	}
	walk(0)
	slices.SortFunc(out, compareDue)
	return out
}

// all is every entry, by ID.
func (m *memDue) all() []DueTeam {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]DueTeam, 0, len(m.byID))
	for _, e := range m.byID {
		out = append(out, e.DueTeam)
	}
	slices.SortFunc(out, func(a, b DueTeam) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// setNextDue is SetNextDue's update: the entry at d.Rev, or a new one at
// rev 0 when d.Rev is 0 and there is none, gets next.
func (m *memDue) setNextDue(d DueTeam, next time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := teamID(d.Workspace, d.Team)
	e := m.byID[id]
	switch {
	case e == nil && d.Rev == 0:
		m.insertLocked(DueTeam{ID: id, Workspace: d.Workspace, Team: d.Team, NextAt: dbTime(next), Rev: 0})
		return true
	case e == nil || e.Rev != d.Rev:
		return false
	}
	m.moveLocked(e, d.Workspace, d.Team, dbTime(next), e.Rev)
	return true
}

// drop is DropDue's delete: the entry d.ID, if still at d.Rev.
func (m *memDue) drop(d DueTeam) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.byID[d.ID]; e != nil && e.Rev == d.Rev {
		m.removeLocked(e)
	}
}

// markTeam is markTeamDue's upsert: due now, one rev later (rev 1 for a
// new entry).
func (m *memDue) markTeam(workspace, team string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := teamID(workspace, team)
	if e := m.byID[id]; e != nil {
		m.moveLocked(e, workspace, team, dueNow, e.Rev+1)
		return
	}
	m.insertLocked(DueTeam{ID: id, Workspace: workspace, Team: team, NextAt: dueNow, Rev: 1})
}

// markWorkspace is markWorkspaceDue's update of every entry of workspace.
func (m *memDue) markWorkspace(workspace string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.byWS[workspace] {
		m.moveLocked(e, e.Workspace, e.Team, dueNow, e.Rev+1)
	}
}

// importEntries is ImportTeams' insert: the entries in order, stopping at
// the first whose ID is taken, as an ordered insert does.
func (m *memDue) importEntries(entries []DueTeam) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range entries {
		if m.byID[d.ID] != nil {
			return fmt.Errorf("storage: import teams: the index already has %s", d.ID)
		}
		d.NextAt = dbTime(d.NextAt)
		m.insertLocked(d)
	}
	return nil
}

// forgetWorkspace removes every entry of workspace.
func (m *memDue) forgetWorkspace(workspace string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.byWS[workspace] {
		m.removeLocked(e)
		n++
	}
	return n
}

// forgetTeam removes the entry of a team that is no more.
func (m *memDue) forgetTeam(workspace, team string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.byID[teamID(workspace, team)]; e != nil {
		m.removeLocked(e)
	}
}

func (m *memDue) insertLocked(d DueTeam) {
	e := &memEntry{DueTeam: d}
	m.byID[d.ID] = e
	if m.byWS[d.Workspace] == nil {
		m.byWS[d.Workspace] = map[string]*memEntry{}
	}
	m.byWS[d.Workspace][d.ID] = e
	heap.Push(&m.order, e)
}

func (m *memDue) removeLocked(e *memEntry) {
	heap.Remove(&m.order, e.at)
	delete(m.byID, e.ID)
	delete(m.byWS[e.Workspace], e.ID)
	if len(m.byWS[e.Workspace]) == 0 {
		delete(m.byWS, e.Workspace)
	}
}

// moveLocked sets an entry's fields, its ID unchanged, and its place.
func (m *memDue) moveLocked(e *memEntry, workspace, team string, next time.Time, rev int64) {
	if workspace != e.Workspace {
		delete(m.byWS[e.Workspace], e.ID)
		if m.byWS[workspace] == nil {
			m.byWS[workspace] = map[string]*memEntry{}
		}
		m.byWS[workspace][e.ID] = e
	}
	e.Workspace, e.Team, e.NextAt, e.Rev = workspace, team, next, rev
	heap.Fix(&m.order, e.at)
}

func compareDue(a, b DueTeam) int {
	if c := a.NextAt.Compare(b.NextAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// dueHeap is a container/heap of entries on (NextAt, ID).
type dueHeap []*memEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return compareDue(h[i].DueTeam, h[j].DueTeam) < 0 }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].at, h[j].at = i, j
}
func (h *dueHeap) Push(x any) {
	e := x.(*memEntry)
	e.at = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
