# Firestore: the database, TTL policies, indexes and security rules. The
# rules and indexes files are the ones the emulator suite loads.

resource "google_firestore_database" "default" {
  project                           = var.project
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "OPTIMISTIC"
  app_engine_integration_mode       = "DISABLED"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = var.environment == "prod" ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.environment == "prod" ? "ABANDON" : "DELETE"

  depends_on = [google_project_service.api]
}

# Presence documents carry expireAt; Firestore deletes them once it passes.
resource "google_firestore_field" "presence_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "presence"
  field      = "expireAt"

  ttl_config {}
}

# Mail quota counters (shared/mail): one document per sender and window,
# useless once the window has passed.
resource "google_firestore_field" "mail_quota_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "mail_quota"
  field      = "expires_at"

  ttl_config {}
}

# Outbox events (shared/outbox) once sent or dropped: kept a week for
# inspection, without the envelope or the uid.
resource "google_firestore_field" "event_outbox_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "event_outbox"
  field      = "expire_at"

  ttl_config {}
}

# Canvas elements in the trash carry expire_at (deleted + 30 days);
# Firestore deletes them once it passes. A restore removes the field.
resource "google_firestore_field" "canvas_elements_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "elements"
  field      = "expire_at"

  ttl_config {}
}

# The canvas op log (other gateway instances read it as it is written) is
# kept a week.
resource "google_firestore_field" "canvas_ops_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "ops"
  field      = "expire_at"

  ttl_config {}
}

# Report answers are cached for their UTC day (functions/analytics); the
# documents go two days later.
resource "google_firestore_field" "report_cache_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "report_cache"
  field      = "expire_at"

  ttl_config {}
}

# Coach conversations and their messages are chat: kept a year after the
# last message (REQUIREMENTS §11), then Firestore deletes them. Only the
# coach writes expire_at in collections of these names.
resource "google_firestore_field" "coach_conversations_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "coach_conversations"
  field      = "expire_at"

  ttl_config {}
}

resource "google_firestore_field" "coach_messages_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "messages"
  field      = "expire_at"

  ttl_config {}
}

# Deleted journal entries are tombstones for 30 days (restore, and every
# device learning of the delete), then Firestore deletes them. Only the
# journal writes expire_at in collections of this name.
resource "google_firestore_field" "journal_entries_ttl" {
  project    = var.project
  database   = google_firestore_database.default.name
  collection = "journal_entries"
  field      = "expire_at"

  ttl_config {}
}

resource "google_firestore_index" "index" {
  for_each = local.firestore_indexes

  project     = var.project
  database    = google_firestore_database.default.name
  collection  = each.value.collectionGroup
  query_scope = try(each.value.queryScope, "COLLECTION")
  api_scope   = "ANY_API"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)

      dynamic "vector_config" {
        for_each = try([fields.value.vectorConfig], [])
        content {
          dimension = vector_config.value.dimension
          flat {}
        }
      }
    }
  }
}

# Single-field index overrides from infra/firestore.indexes.json, such as the
# collection-group index the consent checker's listener needs.
resource "google_firestore_field" "override" {
  for_each = local.firestore_field_overrides

  project    = var.project
  database   = google_firestore_database.default.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  index_config {
    dynamic "indexes" {
      for_each = try(each.value.indexes, [])
      content {
        order        = try(indexes.value.order, null)
        array_config = try(indexes.value.arrayConfig, null)
        query_scope  = try(indexes.value.queryScope, "COLLECTION")
      }
    }
  }
}

# Clients never read or write Firestore directly; the rules deny all and
# every access goes through the functions (Admin SDK bypasses rules).
resource "google_firebaserules_ruleset" "firestore" {
  project = var.project

  source {
    files {
      name    = "firestore.rules"
      content = file("${path.module}/../infra/firestore.rules")
    }
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [google_firestore_database.default]
}

resource "google_firebaserules_release" "firestore" {
  project      = var.project
  name         = "cloud.firestore"
  ruleset_name = "projects/${var.project}/rulesets/${google_firebaserules_ruleset.firestore.name}"

  lifecycle {
    replace_triggered_by = [google_firebaserules_ruleset.firestore]
  }
}
