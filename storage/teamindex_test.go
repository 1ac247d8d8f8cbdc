package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
)

// The index of the teams' current version answers TeamsByID exactly as
// the query does, after every kind of write to the teams, in any order.
func TestTeamIndexAgreesWithTheQuery(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(3) {
		s, err := OpenMemory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(seed, 1))
		ws := func() string { return fmt.Sprintf("W%d", rnd.IntN(3)) }
		user := func() string { return fmt.Sprintf("U%d", rnd.IntN(12)) }
		var ids []string
		for range 300 {
			w, u, v := ws(), user(), user()
			switch rnd.IntN(8) {
			case 0, 1:
				_, _ = s.MakeManager(ctx, w, u)
			case 2, 3:
				_, _ = s.AddRep(ctx, w, u, v)
			case 4:
				_, _, _ = s.MoveRep(ctx, w, u, v)
			case 5:
				_, _ = s.SetTeamChannel(ctx, w, u, "C"+v)
			case 6:
				_, _ = s.LeaveTeam(ctx, w, v)
			case 7:
				if rnd.IntN(10) == 0 {
					_, _ = s.ForgetWorkspace(ctx, w)
				} else {
					_, _ = s.ForgetUser(ctx, w, u)
				}
			}
			ids = append(ids[:0], w+"/"+u, w+"/"+v, ws()+"/"+user(), "nobody/x")
			got, err := s.TeamsByID(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			want, err := findAll[Team](ctx, s.teams, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, "teams")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("seed %d: TeamsByID(%v)\n got %+v\nwant %+v", seed, ids, got, want)
			}
		}
		_ = s.Close(ctx)
	}
}
