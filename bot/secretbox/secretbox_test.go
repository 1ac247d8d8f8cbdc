package secretbox

import (
	"errors"
	"strings"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	r, err := ParseKeys(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	const token = "xoxb-1234-5678-abcdef"
	a, err := r.Seal(token, "T1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.Seal(token, "T1")
	if a == b {
		t.Error("two sealings of one token are equal: the nonce is not fresh")
	}
	if strings.Contains(a, token) || strings.Contains(a, "xoxb") {
		t.Fatalf("the sealed value shows the token: %s", a)
	}
	if got, err := r.Open(a, "T1"); err != nil || got != token {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Bound to its workspace: moved to another record, it does not open.
	if _, err := r.Open(a, "T2"); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened for another workspace: %v", err)
	}
	// Altered, it does not open.
	flipped := []byte(a)
	flipped[len(flipped)-3] ^= 1
	for _, bad := range []string{string(flipped), "", "v1", "v1.x.y", "v2." + a[3:], a[:len(a)-4]} {
		if _, err := r.Open(bad, "T1"); !errors.Is(err, ErrOpen) {
			t.Errorf("Open(%q) = %v, want ErrOpen", bad, err)
		}
	}
}

// Rotation: a new key in front seals; the old one still opens what it
// sealed, which Current names as due for sealing again; dropped, it
// opens nothing.
func TestKeyRotation(t *testing.T) {
	oldKey, newKey := NewKey(), NewKey()
	before, _ := ParseKeys(oldKey)
	sealed, _ := before.Seal("xoxb-old", "T1")

	during, err := ParseKeys(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if during.Current(sealed) {
		t.Error("a value sealed under the old key counts as current")
	}
	plain, err := during.Open(sealed, "T1")
	if err != nil || plain != "xoxb-old" {
		t.Fatalf("the old key does not open its value any more: %q, %v", plain, err)
	}
	resealed, _ := during.Seal(plain, "T1")
	if !during.Current(resealed) {
		t.Error("a value sealed under the first key is not current")
	}

	after, _ := ParseKeys(newKey)
	if got, err := after.Open(resealed, "T1"); err != nil || got != "xoxb-old" {
		t.Fatalf("the resealed value: %q, %v", got, err)
	}
	if _, err := after.Open(sealed, "T1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("a dropped key still opens: %v", err)
	}
}

func TestParseKeysRefusesBadKeys(t *testing.T) {
	k := NewKey()
	for _, s := range []string{"", " , ", "short", k + ",nope", k + "," + k, strings.Repeat("A", 40)} {
		if _, err := ParseKeys(s); err == nil {
			t.Errorf("ParseKeys(%q) accepted", s)
		} else if strings.Contains(err.Error(), k) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
}

// FuzzOpen: whatever the stored text, Open returns the token or ErrOpen,
// and never panics.
func FuzzOpen(f *testing.F) {
	r, _ := ParseKeys(NewKey())
	good, _ := r.Seal("xoxb-1", "T1")
	for _, s := range []string{good, "", "v1..", "v1.00000000.", good + "A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plain, err := r.Open(s, "T1"); err != nil && !errors.Is(err, ErrOpen) {
			t.Fatalf("Open(%q) = %q, %v", s, plain, err)
		}
	})
}
