# Provider and Terraform versions. State lives in a GCS bucket: the backend
# block is deliberately partial so one configuration serves every
# environment; pass the bucket and prefix at init time:
#
#   terraform -chdir=terraform init -backend-config=backend.hcl
#
# (copy backend.hcl.example to backend.hcl and fill it in). The state bucket
# is created once by hand, with versioning on, before the first init.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.30.0, < 8.0.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.30.0, < 8.0.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4.0, < 3.0.0"
    }
  }

  backend "gcs" {}
}

# Firebase and Identity Platform APIs bill the quota project, not the
# caller's own project, unless user_project_override is on.
provider "google" {
  project               = var.project
  region                = var.region
  user_project_override = true
  billing_project       = var.project
}

provider "google-beta" {
  project               = var.project
  region                = var.region
  user_project_override = true
  billing_project       = var.project
}
