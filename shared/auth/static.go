package auth

import "context"

// StaticVerifier maps tokens to principals: a fake Verifier for unit tests
// of other packages. Unknown tokens are ErrInvalid.
type StaticVerifier map[string]*Principal

// Verify implements Verifier, returning a copy so tests cannot alias.
func (s StaticVerifier) Verify(_ context.Context, idToken string) (*Principal, error) {
	if idToken == "" {
		return nil, ErrNoToken
	}
	p, ok := s[idToken]
	if !ok || p == nil {
		return nil, ErrInvalid
	}
	c := *p
	return &c, nil
}

// VerifierFunc adapts a function to Verifier (tests injecting errors).
type VerifierFunc func(ctx context.Context, idToken string) (*Principal, error)

// Verify implements Verifier.
func (f VerifierFunc) Verify(ctx context.Context, idToken string) (*Principal, error) {
	return f(ctx, idToken)
}
