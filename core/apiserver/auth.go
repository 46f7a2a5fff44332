package apiserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
)

// The groups and name prefix the built-in policy recognises, as Kubernetes names them.
const (
	GroupMasters   = "system:masters"
	GroupNodes     = "system:nodes"
	NodeUserPrefix = "system:node:"
	AdminUser      = "admin"
)

// adminTokenBytes is the entropy of a generated admin token.
const adminTokenBytes = 32

// User is who a request comes from, as its bearer token says.
type User struct {
	Name   string
	UID    string
	Groups []string
}

// InGroup reports whether u belongs to group g.
func (u *User) InGroup(g string) bool { return slices.Contains(u.Groups, g) }

// TokenAuthenticator maps bearer tokens to users, as kube-apiserver's
// --token-auth-file does; tokens are held only as SHA-256 digests.
type TokenAuthenticator struct {
	users map[[sha256.Size]byte]*User
}

// NewTokenAuthenticator returns an authenticator knowing the given tokens.
func NewTokenAuthenticator(tokens map[string]User) *TokenAuthenticator {
	a := &TokenAuthenticator{users: map[[sha256.Size]byte]*User{}}
	for tok, u := range tokens {
		a.users[sha256.Sum256([]byte(tok))] = &u
	}
	return a
}

// Authenticate returns the user of r's bearer token, or nil.
func (a *TokenAuthenticator) Authenticate(r *http.Request) *User {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return nil
	}
	return a.users[sha256.Sum256([]byte(strings.TrimSpace(tok)))]
}

// LoadTokenFile reads a CSV file of token,user,uid,"group1,group2" lines.
func LoadTokenFile(path string) (*TokenAuthenticator, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open token file: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord, r.Comment = -1, '#'
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse token file %s: %w", path, err)
	}
	tokens := map[string]User{}
	for i, rec := range recs {
		if len(rec) < 3 || rec[0] == "" || rec[1] == "" {
			return nil, fmt.Errorf("token file %s line %d: want token,user,uid[,groups]", path, i+1)
		}
		u := User{Name: rec[1], UID: rec[2]}
		if len(rec) > 3 && rec[3] != "" {
			u.Groups = strings.Split(rec[3], ",")
		}
		tokens[rec[0]] = u
	}
	return NewTokenAuthenticator(tokens), nil
}

// EnsureTokenFile creates path (mode 0600) holding a fresh admin token in
// group system:masters unless it exists, and returns the admin's token.
func EnsureTokenFile(path string) (string, error) {
	if tok, err := findToken(path, AdminUser); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return tok, err
	}
	b := make([]byte, adminTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate admin token: %w", err)
	}
	tok := hex.EncodeToString(b)
	if err := AppendToken(path, tok, User{Name: AdminUser, UID: AdminUser, Groups: []string{GroupMasters}}); err != nil {
		return "", err
	}
	return tok, nil
}

// AppendToken adds a token line to path (creating it with mode 0600), so
// node agents can be given credentials of their own.
func AppendToken(path, token string, u User) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open token file: %w", err)
	}
	w := csv.NewWriter(f)
	if err := w.Write([]string{token, u.Name, u.UID, strings.Join(u.Groups, ",")}); err != nil {
		f.Close()
		return fmt.Errorf("write token file: %w", err)
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		return fmt.Errorf("write token file %s: %w", path, err)
	}
	return nil
}

// findToken returns the first token of user in path.
func findToken(path, user string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read token file: %w", err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		return "", fmt.Errorf("parse token file %s: %w", path, err)
	}
	for _, rec := range recs {
		if len(rec) >= 2 && rec[1] == user {
			return rec[0], nil
		}
	}
	return "", fmt.Errorf("token file %s has no token for %s", path, user)
}

// userKey carries the authenticated user in a request's context.
type userKey struct{}

// withUser returns ctx carrying u.
func withUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the authenticated user of a request's context, or nil
// when the server runs without authentication.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// isAnonymousPath reports the paths anyone may read: health and version.
func isAnonymousPath(path string) bool {
	switch path {
	case "healthz", "livez", "readyz", "version":
		return true
	}
	return false
}

// unauthorized is the 401 Status of a request without a valid token.
func unauthorized() *api.Status {
	return api.NewStatus(api.StatusFailure, http.StatusUnauthorized, api.StatusReason("Unauthorized"), "Unauthorized")
}
