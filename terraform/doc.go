// Package terraform holds the Terraform configuration that deploys the
// platform to Google Cloud from infra/topology.yaml, and the tests that tie
// the two together. Provider plugins cannot be downloaded where the tests
// run, so instead of `terraform validate` the tests parse every .tf file,
// evaluate the topology-derived locals the way Terraform would, and check
// that every topology entry gets its resources, that every function has its
// own least-privilege identity, and that no secret value or primitive role
// appears in the configuration.
package terraform
