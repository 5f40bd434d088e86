#!/usr/bin/env bash
# Checks that the Terraform configuration is formatted (terraform fmt -check).
# Uses terraform from PATH or $(go env GOPATH)/bin, and builds it from the Go
# module proxy when neither has one (provider plugins are never needed:
# fmt works offline). TERRAFORM_VERSION picks the version to build; it must
# be one whose go.mod has no replace directives (1.6.x is the newest such).
# TERRAFORM_FMT_NO_BUILD=1 skips the build (minutes on 2 cores) and leaves
# the check to the Go test terraform/TestFormatted.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${TERRAFORM_VERSION:-v1.6.6}
gobin="$(go env GOPATH)/bin"

tf=""
if command -v terraform >/dev/null 2>&1; then
  tf=$(command -v terraform)
elif [ -x "$gobin/terraform" ]; then
  tf="$gobin/terraform"
elif [ -z "${TERRAFORM_FMT_NO_BUILD:-}" ]; then
  echo "terraform-fmt: building terraform $version (once; this takes a few minutes)" >&2
  if GOFLAGS=-mod=mod GOBIN="$gobin" go install "github.com/hashicorp/terraform@$version"; then
    tf="$gobin/terraform"
  fi
fi

if [ -z "$tf" ]; then
  # The Go test terraform/TestFormatted checks the same layout with hclwrite.
  echo "terraform-fmt: no terraform binary could be had; relying on go test ./terraform (TestFormatted)" >&2
  exit 0
fi

# An empty CLI config keeps terraform from looking for ~/.terraformrc.
export TF_CLI_CONFIG_FILE=/dev/null
"$tf" fmt -check -recursive -diff terraform
echo "terraform-fmt: terraform/ is formatted ($("$tf" version 2>/dev/null | head -1))"
