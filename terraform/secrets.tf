# Secret Manager secrets. Terraform declares them and who may read them;
# their values are added out of band, e.g.
#
#   printf %s "$VALUE" | gcloud secrets versions add PSEUDONYM_HMAC_KEY --data-file=- --project=PROJECT
#
# so no secret value ever appears in HCL, tfvars or plans. Functions read
# them as secret environment variables (topology `secrets` / `uses: secret:X`).

resource "google_secret_manager_secret" "secret" {
  for_each = local.secrets

  project   = var.project
  secret_id = each.key
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.api]
}

resource "google_secret_manager_secret_iam_member" "function" {
  for_each = local.function_secret_grants

  project   = var.project
  secret_id = google_secret_manager_secret.secret[each.value.secret].secret_id
  role      = each.value.role
  member    = "serviceAccount:${google_service_account.function[each.value.function].email}"
}
