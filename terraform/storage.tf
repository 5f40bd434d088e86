# Cloud Storage buckets of the topology. Real names are "<project>-<name>".

resource "google_storage_bucket" "bucket" {
  for_each = local.buckets

  project                     = var.project
  name                        = each.value.real_name
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.environment != "prod"
  labels                      = local.labels

  versioning {
    enabled = true
  }

  # Browsers upload straight to the bucket with V4 signed URLs: the PUT
  # carries Content-Type, the size limit and the uploader headers the URL was
  # signed with; a preflight naming any other header is refused.
  cors {
    origin          = each.value.cors_origins
    method          = ["PUT", "GET", "HEAD"]
    response_header = ["Content-Type", "x-goog-content-length-range", "x-goog-meta-uploader", "ETag"]
    max_age_seconds = 3600
  }

  dynamic "lifecycle_rule" {
    for_each = each.value.delete_after_days > 0 ? [each.value] : []
    content {
      condition {
        age            = lifecycle_rule.value.delete_after_days
        matches_prefix = lifecycle_rule.value.prefixes
      }
      action {
        type = "Delete"
      }
    }
  }

  # Versioning keeps overwritten and deleted objects for 30 days only.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.api]
}

# Functions get object rights only on the buckets their `uses` name.
resource "google_storage_bucket_iam_member" "function" {
  for_each = local.function_bucket_grants

  bucket = google_storage_bucket.bucket[each.value.bucket].name
  role   = each.value.role
  member = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

# Storage-triggered functions: Cloud Storage publishes its events through
# Pub/Sub, which its service agent may only do with the publisher role.
data "google_storage_project_service_account" "gcs" {
  project = var.project
}

resource "google_project_iam_member" "storage_agent_publisher" {
  count = length([for f in local.eventarc_functions : f if f.trigger_type == "storage"]) > 0 ? 1 : 0

  project = var.project
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}
