package billing

// The local suite's Stripe credentials: the local Stripe signs its
// webhooks with DevWebhookSecret, and the billing function of a demo-
// project uses both when its secrets are unset (a real project refuses to
// start without them). They open nothing: no real Stripe account has them.
const (
	DevSecretKey     = "sk_test_local_suite"
	DevWebhookSecret = "whsec_local_suite"
)
