# Pub/Sub: the topology's topics and subscriptions, the dead-letter topics
# of event-driven functions, and the push subscriptions that stand in for
# filtered Pub/Sub triggers.

locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "topic" {
  for_each = local.topics

  project                    = var.project
  name                       = each.key
  labels                     = local.labels
  message_retention_duration = each.value.retention_days > 0 ? "${each.value.retention_days * 86400}s" : null

  depends_on = [google_project_service.api]
}

resource "google_pubsub_subscription" "subscription" {
  for_each = local.subscriptions

  project                    = var.project
  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  filter                     = each.value.filter != "" ? each.value.filter : null
  ack_deadline_seconds       = each.value.ack_deadline
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = "" # never expires
  }

  dynamic "push_config" {
    for_each = each.value.is_push ? [each.value] : []
    content {
      push_endpoint = push_config.value.push_function != "" ? local.function_service[push_config.value.push_function].url : push_config.value.push_endpoint

      # Pushes to a function authenticate as that function's own identity,
      # the only one allowed to invoke it.
      dynamic "oidc_token" {
        for_each = push_config.value.push_function != "" ? [push_config.value.push_function] : []
        content {
          service_account_email = google_service_account.function[oidc_token.value].email
          audience              = local.function_service[oidc_token.value].url
        }
      }
    }
  }

  dynamic "bigquery_config" {
    for_each = each.value.is_bigquery ? [each.value] : []
    content {
      table               = "${var.project}.${google_bigquery_table.table[bigquery_config.value.bigquery_table].dataset_id}.${google_bigquery_table.table[bigquery_config.value.bigquery_table].table_id}"
      use_table_schema    = bigquery_config.value.use_table_schema
      write_metadata      = bigquery_config.value.write_metadata
      drop_unknown_fields = bigquery_config.value.drop_unknown_fields
    }
  }

  dynamic "dead_letter_policy" {
    for_each = each.value.dead_letter_topic != "" ? [each.value] : []
    content {
      dead_letter_topic     = google_pubsub_topic.topic[dead_letter_policy.value.dead_letter_topic].id
      max_delivery_attempts = dead_letter_policy.value.max_delivery_attempts
    }
  }

  # Dead-lettering needs a retry policy to count attempts against; push
  # subscriptions back off exponentially even when the topology names none.
  dynamic "retry_policy" {
    for_each = each.value.has_retry || each.value.is_push ? [each.value] : []
    content {
      minimum_backoff = "${retry_policy.value.min_backoff}s"
      maximum_backoff = "${retry_policy.value.max_backoff}s"
    }
  }

  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_bigquery_dataset_iam_member.pubsub_agent_editor,
    google_bigquery_dataset_iam_member.pubsub_agent_metadata,
  ]
}

# A filtered Pub/Sub trigger: Eventarc cannot filter on message attributes,
# so the function gets its own push subscription with the filter.
resource "google_pubsub_subscription" "function_push" {
  for_each = local.push_functions

  project                    = var.project
  name                       = "${each.key}-push"
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  filter                     = each.value.filter
  ack_deadline_seconds       = min(max(each.value.timeout, 10), 600)
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }

  push_config {
    push_endpoint = local.function_service[each.key].url
    oidc_token {
      service_account_email = google_service_account.function[each.key].email
      audience              = local.function_service[each.key].url
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.topic[local.function_dead_letters[each.key]].id
    max_delivery_attempts = 5
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  depends_on = [google_pubsub_topic_iam_member.dead_letter_publisher]
}

# Dead-letter topics nobody reads keep their messages here for inspection
# and replay; the dead-letter alert watches their backlog.
resource "google_pubsub_subscription" "dead_letter_hold" {
  for_each = local.dead_letter_holds

  project                    = var.project
  name                       = each.key
  topic                      = google_pubsub_topic.topic[trimsuffix(each.key, "-hold")].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}

# The Pub/Sub service agent forwards undeliverable messages: it must publish
# to each dead-letter topic and subscribe to each dead-lettering subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = toset(local.dead_letter_topics)

  project = var.project
  topic   = google_pubsub_topic.topic[each.key].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = { for n, s in local.subscriptions : n => s if s.dead_letter_topic != "" }

  project      = var.project
  subscription = google_pubsub_subscription.subscription[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "function_push_subscriber" {
  for_each = local.push_functions

  project      = var.project
  subscription = google_pubsub_subscription.function_push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# The Pub/Sub service agent mints the OIDC tokens of push subscriptions as
# the function's identity.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  for_each = toset(distinct(concat(
    keys(local.push_functions),
    [for s in local.subscriptions : s.push_function if s.push_function != ""],
  )))

  service_account_id = google_service_account.function[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

# Functions publish only to the topics their `uses` name.
resource "google_pubsub_topic_iam_member" "function" {
  for_each = local.function_topic_grants

  project = var.project
  topic   = google_pubsub_topic.topic[each.value.topic].name
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.function[each.value.function].email}"
}
