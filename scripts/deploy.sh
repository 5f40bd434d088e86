#!/usr/bin/env bash
# Deploys the platform to Google Cloud with Terraform (what `make deploy` runs).
#
#   ENV=dev scripts/deploy.sh            # plan and apply terraform/env/dev.tfvars
#   ENV=prod PLAN_ONLY=1 scripts/deploy.sh
#
# Needs: terraform >= 1.5, gcloud (logged in: `gcloud auth application-default
# login`, or a CI identity), terraform/backend.hcl and terraform/env/$ENV.tfvars
# (copy the .example files). The deploying identity needs rights to create
# the resources (e.g. roles/resourcemanager.projectIamAdmin, roles/iam.serviceAccountAdmin,
# roles/iam.serviceAccountUser and the service admin roles) — see README
# "Deploy to Google Cloud". Not run in CI: it needs credentials.
set -euo pipefail
cd "$(dirname "$0")/.."

env_name=${ENV:-dev}
backend=${BACKEND_CONFIG:-terraform/backend.hcl}
vars=${VAR_FILE:-terraform/env/$env_name.tfvars}

for f in "$backend" "$vars"; do
  if [ ! -f "$f" ]; then
    echo "deploy: $f is missing (copy it from $f.example and fill it in)" >&2
    exit 1
  fi
done
command -v terraform >/dev/null || { echo "deploy: terraform is not installed" >&2; exit 1; }
command -v gcloud >/dev/null || { echo "deploy: gcloud is not installed (Eventarc dead-letter setup uses it)" >&2; exit 1; }

# The functions are built from the uploaded source in the cloud; fail here,
# in seconds, instead of in Cloud Build minutes later.
echo "deploy: checking that every function builds"
go build ./functions/... ./shared/...
go vet ./functions/... ./shared/...

tfvars_abs=$(cd "$(dirname "$vars")" && pwd)/$(basename "$vars")
backend_abs=$(cd "$(dirname "$backend")" && pwd)/$(basename "$backend")

mkdir -p terraform/.build
terraform -chdir=terraform init -input=false -reconfigure -backend-config="$backend_abs"
terraform -chdir=terraform plan -input=false -var-file="$tfvars_abs" -out=".build/$env_name.tfplan"
if [ -n "${PLAN_ONLY:-}" ]; then
  echo "deploy: plan written to terraform/.build/$env_name.tfplan (PLAN_ONLY set, not applied)"
  exit 0
fi
terraform -chdir=terraform apply -input=false ".build/$env_name.tfplan"

echo "deploy: function URLs"
terraform -chdir=terraform output function_urls
