package wsctx

import (
	"context"
	"testing"
)

func TestWithAndOf(t *testing.T) {
	ctx := context.Background()
	if got := Of(ctx); got != "" {
		t.Errorf("a bare context names %q", got)
	}
	t2 := With(ctx, "T2")
	if got := Of(t2); got != "T2" {
		t.Errorf("Of(With(T2)) = %q", got)
	}
	if got := Of(With(t2, "")); got != "T2" {
		t.Errorf("an empty workspace replaced T2: %q", got)
	}
	if got := Of(With(t2, "T3")); got != "T3" {
		t.Errorf("the inner workspace is not the one named last: %q", got)
	}
}
