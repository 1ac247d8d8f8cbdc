// Package secretbox seals secrets at rest (the workspaces' bot tokens)
// with AES-256-GCM under a keyring: the first key seals, every key opens,
// so a new key is added in front, the stored secrets are sealed again
// under it, and the old key is then dropped.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// version prefixes every sealed value, so a later format can be told
// from this one.
const version = "v1"

// ErrOpen is returned for a sealed value no key of the ring opens: sealed
// under a key since dropped, for another workspace, or altered.
var ErrOpen = errors.New("secretbox: no key opens this value (sealed under a key not in KPIBOT_ENCRYPTION_KEY, or altered)")

// Keyring seals with its first key and opens with any of them.
type Keyring struct {
	keys []key
}

type key struct {
	id   string // first 8 hex digits of the key's SHA-256: which key sealed
	aead cipher.AEAD
}

// ParseKeys reads a keyring from its text form: base64 keys of 32 bytes,
// separated by commas or spaces, the sealing key first. `kpibot keygen`
// prints one.
func ParseKeys(s string) (*Keyring, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
	if len(fields) == 0 {
		return nil, errors.New("secretbox: no key given")
	}
	raw := make([][]byte, 0, len(fields))
	for i, f := range fields {
		b, err := base64.StdEncoding.DecodeString(f)
		if err != nil {
			b, err = base64.RawURLEncoding.DecodeString(f)
		}
		if err != nil || len(b) != KeySize {
			return nil, fmt.Errorf("secretbox: key %d is not %d bytes in base64 (make one with kpibot keygen)", i+1, KeySize)
		}
		raw = append(raw, b)
	}
	return New(raw...)
}

// New returns a keyring of keys, each KeySize bytes, the sealing key first.
func New(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secretbox: no key given")
	}
	r := &Keyring{}
	seen := map[string]bool{}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("secretbox: key %d is %d bytes, want %d", i+1, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("secretbox: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secretbox: key %d: %w", i+1, err)
		}
		sum := sha256.Sum256(k)
		id := hex.EncodeToString(sum[:4])
		if seen[id] {
			return nil, fmt.Errorf("secretbox: key %d is given twice", i+1)
		}
		seen[id] = true
		r.keys = append(r.keys, key{id: id, aead: aead})
	}
	return r, nil
}

// NewKey returns a fresh random key in the text form ParseKeys reads.
func NewKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Seal encrypts plain under the first key, bound to context (the
// workspace it belongs to): a value moved to another workspace's record
// does not open there. The result is text, "v1.<key id>.<base64>".
func (r *Keyring) Seal(plain, context string) (string, error) {
	k := r.keys[0]
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secretbox: nonce: %w", err)
	}
	out := k.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return version + "." + k.id + "." + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal made with any key of the ring, for the same
// context.
func (r *Keyring) Open(sealed, context string) (string, error) {
	v, rest, ok := strings.Cut(sealed, ".")
	id, body, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || v != version {
		return "", ErrOpen
	}
	data, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		return "", ErrOpen
	}
	for _, k := range r.keys {
		if k.id != id || len(data) < k.aead.NonceSize() {
			continue
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, data[:n], data[n:], []byte(context))
		if err != nil {
			return "", ErrOpen
		}
		return string(plain), nil
	}
	return "", ErrOpen
}

// Current reports whether sealed was sealed under the ring's first key:
// one that is not is due for sealing again.
func (r *Keyring) Current(sealed string) bool {
	return strings.HasPrefix(sealed, version+"."+r.keys[0].id+".")
}
