// Package auth is a local Firebase Authentication emulator: the Identity
// Toolkit and Secure Token REST subset that the Firebase Admin SDK for Go (in
// emulator mode, FIREBASE_AUTH_EMULATOR_HOST) and the Firebase JS web SDK
// (connectAuthEmulator) call. Paths, status codes and error messages follow
// Google's Auth emulator in firebase-tools, so the official SDKs work against
// it unchanged.
//
// Served paths (key-based "/identitytoolkit.googleapis.com/v1/accounts:X?key=…"
// requests go to Options.ProjectID; "/identitytoolkit.googleapis.com/v1/projects/{p}/…"
// requests go to project p; every project is independent state, and every
// accounts:X operation is also answered under projects/{p}/accounts:X):
//
//	accounts:signUp, signInWithPassword, signInWithCustomToken, lookup, update,
//	delete, sendOobCode, resetPassword, batchDelete; POST projects/{p}/accounts
//	(admin create); GET projects/{p}/accounts:batchGet (list, paging);
//	GET v1/projects and v1/recaptchaParams (web SDK start-up);
//	POST /securetoken.googleapis.com/v1/token (refresh, form or JSON);
//	DELETE /emulator/v1/projects/{p}/accounts, GET …/oobCodes, GET …/config;
//	GET /emulator/action (the out-of-band link: verify email, reset password).
//
// A request carrying "Authorization: Bearer …" (the Admin SDK sends "owner")
// is privileged, as in Google's emulator: it may create users with a chosen
// uid, set custom claims, disable users, revoke tokens and list users.
//
// ID tokens are unsigned JWTs (alg "none", empty signature), exactly like
// Google's emulator; the Admin SDK accepts them in emulator mode. Their
// claims are iss, aud, sub, user_id, iat, exp (one hour), auth_time, email,
// email_verified, firebase{identities, sign_in_provider} and the user's custom
// claims at the top level.
//
// Known differences from production (and from Google's emulator):
//   - Tokens are not signed; never use them outside local development.
//   - Passwords are stored as salted PBKDF2-SHA256 hashes (Google's emulator
//     keeps them in plain text); production uses scrypt. An export from
//     Google's emulator ("fakeHash:…") is re-hashed on import.
//   - Revocation is enforced as in production: an ID token whose iat is
//     before the user's validSince is rejected by lookup (TOKEN_EXPIRED), and
//     so is a refresh token issued before it. Google's emulator checks only
//     ID tokens and never refresh tokens. Expired ID tokens are rejected by
//     lookup (INVALID_ID_TOKEN); Google's emulator lets them live forever.
//   - Not implemented: tenants, phone and MFA sign-in, IdP (OAuth/SAML/OIDC)
//     sign-in, email-link sign-in, VERIFY_AND_CHANGE_EMAIL, session cookies,
//     accounts:query, batchCreate (user import), blocking functions, project
//     configuration updates. These answer 501 NOT_IMPLEMENTED.
//   - One account per email is always enforced; emails are lower-cased.
//   - Lookup and update responses redact the password hash as production
//     does; batchGet and Export include it.
//   - Out-of-band links are logged (without the email) and listed at
//     GET /emulator/v1/projects/{p}/oobCodes instead of being mailed.
//   - Export/Import write and read only Options.ProjectID, in the
//     firebase-tools layout (accounts.json and config.json).
package auth
