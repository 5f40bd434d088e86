# Project-level roles. Only predefined, narrow roles: never owner, editor or
# viewer. Per-resource grants sit next to their resources (pubsub.tf,
# storage.tf, bigquery.tf, secrets.tf, functions.tf).

resource "google_project_iam_member" "function" {
  for_each = local.function_project_roles

  project = var.project
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

# Functions that hand out signed URLs sign them through IAM Credentials
# (signBlob) as themselves.
resource "google_service_account_iam_member" "self_signer" {
  for_each = local.signing_functions

  service_account_id = google_service_account.function[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.function[each.key].email}"
}

# The build identity: reads the uploaded source, writes logs and images.
locals {
  builder_roles = toset([
    "roles/logging.logWriter",
    "roles/artifactregistry.writer",
    "roles/storage.objectViewer",
  ])
}

resource "google_project_iam_member" "builder" {
  for_each = local.builder_roles

  project = var.project
  role    = each.key
  member  = "serviceAccount:${google_service_account.builder.email}"
}
