package driveway

import "context"

// Principal is who an SDK-facing request acts for: an end user of a
// project, as proven by a verified user token.
type Principal struct {
	ProjectID string
	UserID    string
	// Claims are the user token's claims, for metadata.
	Claims map[string]any
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
