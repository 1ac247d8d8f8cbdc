package storage

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// kpibot migrate copies the embedded store into MongoDB. lungo's engine
// stands in for the target here: the same driver interface.
func TestCopyToAnotherStore(t *testing.T) {
	ctx := context.Background()
	src, err := OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close(ctx)
	for i, day := range []string{"2026-10-27", "2026-11-23", "2026-11-24"} {
		save(t, src, checkIn("T1", "U1", "k"+day, day, t0.Add(time.Duration(i)*time.Hour), map[string]int{"calls": 3}))
	}
	if _, err := src.MakeManager(ctx, "T1", "M1"); err != nil {
		t.Fatal(err)
	}
	if _, err := src.EnsureWorkspace(ctx, "T1", "M1", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := src.ClaimOccurrence(ctx, "T1", "T1/M1/digest/2026-11-23", "r1", t0, time.Minute); err != nil {
		t.Fatal(err)
	}

	dst, err := OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close(ctx)
	counts, err := src.CopyTo(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range counts {
		names = append(names, c.Name)
		if c.Source != c.Target {
			t.Errorf("%s: %d in the source, %d in the target", c.Name, c.Source, c.Target)
		}
	}
	for _, want := range []string{"weeks_2026_10_26", "weeks_2026_11_23", keyBucket("T1", "k2026-11-24"), "teams", "workspaces", occurrencesCollection} {
		if !slices.Contains(names, want) {
			t.Errorf("copied %v, missing %s", names, want)
		}
	}
	got, err := dst.CheckIns(ctx, "T1", "U1", "2026-10-26", "2026-11-30")
	if err != nil || len(got) != 3 {
		t.Fatalf("the target reads %d check-ins, %v", len(got), err)
	}
	icur, err := dst.coll("weeks_2026_11_23").Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var specs []struct {
		Name string `bson:"name"`
	}
	if err := icur.All(ctx, &specs); err != nil {
		t.Fatal(err)
	}
	var idx []string
	for _, s := range specs {
		idx = append(idx, s.Name)
	}
	if !slices.Contains(idx, "workspace_user_start") {
		t.Errorf("the target's indexes are %v", idx)
	}
	// The key came along, so a redelivery is still a repeat on the target.
	if _, created, _ := save(t, dst, checkIn("T1", "U1", "k2026-11-24", "2026-11-24", t0, map[string]int{"calls": 3})); created {
		t.Error("a copied key was stored again")
	}

	if _, err := src.CopyTo(ctx, dst); err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Fatalf("a copy into a non-empty target: %v", err)
	}
}
