# BigQuery datasets and tables of the topology. Schemas are JSON files
# under infra/ (the emulator suite creates the same tables from them).

resource "google_bigquery_dataset" "dataset" {
  for_each = local.datasets

  project                    = var.project
  dataset_id                 = each.key
  location                   = each.value.location
  labels                     = local.labels
  delete_contents_on_destroy = var.environment != "prod"

  depends_on = [google_project_service.api]
}

resource "google_bigquery_table" "table" {
  for_each = local.tables

  project             = var.project
  dataset_id          = google_bigquery_dataset.dataset[each.value.dataset].dataset_id
  table_id            = each.value.name
  schema              = each.value.schema
  clustering          = length(each.value.cluster_by) > 0 ? each.value.cluster_by : null
  deletion_protection = var.environment == "prod"
  labels              = local.labels

  dynamic "time_partitioning" {
    for_each = each.value.partition_field != "" ? [each.value] : []
    content {
      type          = "DAY"
      field         = time_partitioning.value.partition_field
      expiration_ms = time_partitioning.value.expiration_days > 0 ? time_partitioning.value.expiration_days * 86400000 : null
    }
  }
}

# Functions write only to the datasets their `uses` name (jobUser, to run
# queries at all, is granted per project in iam.tf).
resource "google_bigquery_dataset_iam_member" "function" {
  for_each = local.function_dataset_grants

  project    = var.project
  dataset_id = google_bigquery_dataset.dataset[each.value.dataset].dataset_id
  role       = each.value.role
  member     = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

# BigQuery subscriptions write as the Pub/Sub service agent.
resource "google_bigquery_dataset_iam_member" "pubsub_agent_editor" {
  for_each = local.bigquery_subscription_datasets

  project    = var.project
  dataset_id = google_bigquery_dataset.dataset[each.key].dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.pubsub_agent
}

resource "google_bigquery_dataset_iam_member" "pubsub_agent_metadata" {
  for_each = local.bigquery_subscription_datasets

  project    = var.project
  dataset_id = google_bigquery_dataset.dataset[each.key].dataset_id
  role       = "roles/bigquery.metadataViewer"
  member     = local.pubsub_agent
}

# Logical views (infra/bigquery/<dataset>/views/*.sql, declared under the
# dataset's views in the topology). Reports read these, never the tables;
# the emulator suite creates the same views from the same files.
resource "google_bigquery_table" "view" {
  for_each = { for k, v in local.views : k => v if !v.reads_views }

  project             = var.project
  dataset_id          = google_bigquery_dataset.dataset[each.value.dataset].dataset_id
  table_id            = each.value.name
  description         = each.value.description
  deletion_protection = false
  labels              = local.labels

  view {
    query          = each.value.query
    use_legacy_sql = false
  }

  depends_on = [google_bigquery_table.table]
}

# Views on views: created once the first wave exists (BigQuery checks a
# view's query when it is created).
resource "google_bigquery_table" "view_on_view" {
  for_each = { for k, v in local.views : k => v if v.reads_views }

  project             = var.project
  dataset_id          = google_bigquery_dataset.dataset[each.value.dataset].dataset_id
  table_id            = each.value.name
  description         = each.value.description
  deletion_protection = false
  labels              = local.labels

  view {
    query          = each.value.query
    use_legacy_sql = false
  }

  depends_on = [google_bigquery_table.view]
}
