package logctx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestLoggerCarriesTheID(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&buf, nil))
	id := NewID()
	if len(id) != 16 || id == NewID() {
		t.Fatalf("NewID() = %q", id)
	}
	ctx := With(context.Background(), id)
	Logger(ctx, base).Info("one")
	Logger(context.Background(), base).Info("two")
	dec := json.NewDecoder(&buf)
	var one, two map[string]any
	if err := dec.Decode(&one); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&two); err != nil {
		t.Fatal(err)
	}
	if one[Key] != id {
		t.Errorf("line with the ID: %v", one)
	}
	if _, ok := two[Key]; ok {
		t.Errorf("line without an ID carries one: %v", two)
	}
}
