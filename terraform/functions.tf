# Functions and Cloud Run services, one per topology function.

data "google_project" "this" {
  project_id = var.project
}

# The whole module is uploaded once; each function's build compiles its own
# package (GOOGLE_BUILDABLE), so functions share code through shared/ exactly
# as they do locally. A new archive hash gives a new object name, which
# redeploys every function.
data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/.."
  output_path = "${path.module}/.build/source.zip"
  excludes = [
    ".git", ".git/**", ".ci/**", ".dev/**", "bin/**", "terraform/**", "web/**",
    "testdata/**", "emulators/**", "scripts/**", "**/*_test.go",
  ]
}

resource "google_storage_bucket" "function_source" {
  name                        = "${var.project}-function-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.environment != "prod"
  labels                      = local.labels

  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.api]
}

resource "google_storage_bucket_object" "source" {
  name   = "source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.function_source.name
  source = data.archive_file.source.output_path
}

# One service account per function: a compromised function reaches only
# what its own `uses` grant.
resource "google_service_account" "function" {
  for_each = local.functions

  project      = var.project
  account_id   = local.function_account_ids[each.key]
  display_name = "Function ${each.key}"
  description  = "Runtime identity of ${each.key} (${each.value.kind}); roles come from its topology uses."
}

# Builds run as their own account instead of the default compute one.
resource "google_service_account" "builder" {
  project      = var.project
  account_id   = "function-builder"
  display_name = "Function builds"
}

resource "google_cloudfunctions2_function" "function" {
  for_each = local.cloud_functions

  project     = var.project
  name        = each.key
  location    = var.region
  description = each.value.description
  labels      = local.labels

  build_config {
    runtime         = var.go_runtime
    entry_point     = each.value.target
    service_account = google_service_account.builder.id
    environment_variables = {
      GOOGLE_BUILDABLE = "./${each.value.source}"
      GOFLAGS          = "-mod=readonly -trimpath"
    }
    source {
      storage_source {
        bucket = google_storage_bucket.function_source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory                 = each.value.memory
    timeout_seconds                  = each.value.timeout
    max_instance_count               = each.value.max_instances
    max_instance_request_concurrency = each.value.concurrency
    available_cpu                    = each.value.concurrency > 1 ? "1" : null
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.function[each.key].email
    environment_variables            = local.deployed_env[each.key]

    dynamic "secret_environment_variables" {
      for_each = toset(each.value.secrets)
      content {
        key        = secret_environment_variables.value
        project_id = var.project
        secret     = google_secret_manager_secret.secret[secret_environment_variables.value].secret_id
        version    = "latest"
      }
    }
  }

  # Storage, Firestore and unfiltered Pub/Sub triggers go through Eventarc;
  # HTTP, scheduled and filtered Pub/Sub functions are plain HTTP functions.
  dynamic "event_trigger" {
    for_each = contains(keys(local.eventarc_functions), each.key) ? [each.value] : []
    content {
      trigger_region        = event_trigger.value.trigger_type == "firestore" ? var.firestore_location : var.region
      service_account_email = google_service_account.function[each.key].email
      retry_policy          = event_trigger.value.retry ? "RETRY_POLICY_RETRY" : "RETRY_POLICY_DO_NOT_RETRY"
      event_type = (
        event_trigger.value.trigger_type == "pubsub" ? "google.cloud.pubsub.topic.v1.messagePublished" :
        event_trigger.value.trigger_type == "storage" ? "google.cloud.storage.object.v1.${event_trigger.value.storage_event}" :
        "google.cloud.firestore.document.v1.${event_trigger.value.firestore_event}"
      )
      pubsub_topic = event_trigger.value.trigger_type == "pubsub" ? google_pubsub_topic.topic[event_trigger.value.topic].id : null

      dynamic "event_filters" {
        for_each = event_trigger.value.trigger_type == "storage" ? [google_storage_bucket.bucket[event_trigger.value.bucket].name] : []
        content {
          attribute = "bucket"
          value     = event_filters.value
        }
      }
      dynamic "event_filters" {
        for_each = event_trigger.value.trigger_type == "firestore" ? [event_trigger.value.database] : []
        content {
          attribute = "database"
          value     = event_filters.value
        }
      }
      dynamic "event_filters" {
        for_each = event_trigger.value.trigger_type == "firestore" ? [event_trigger.value.document] : []
        content {
          attribute = "document"
          value     = event_filters.value
          operator  = "match-path-pattern"
        }
      }
    }
  }

  depends_on = [
    google_project_service.api,
    google_project_iam_member.function,
    google_project_iam_member.builder,
    google_project_iam_member.storage_agent_publisher,
    google_secret_manager_secret_iam_member.function,
  ]
}

locals {
  # Declared variables as the Cloud Functions get them: the env inputs
  # that name a resource filled in (locals.tf env_inputs cannot). The
  # realtime and coach-stream services are Cloud Run services, so reading
  # their URLs here makes no cycle; Cloud Run services keep function_env.
  realtime_ws_url  = try(replace(google_cloud_run_v2_service.service["realtime"].uri, "/^https:/", "wss:"), "")
  coach_stream_url = try(google_cloud_run_v2_service.service["coach-stream"].uri, "")
  deployed_env = {
    for n, env in local.function_env : n => {
      for k, v in env : k => replace(replace(v, local.realtime_url_marker, local.realtime_ws_url), local.coach_stream_url_marker, local.coach_stream_url)
    }
  }
}

resource "google_artifact_registry_repository" "functions" {
  project       = var.project
  location      = var.region
  repository_id = "functions"
  format        = "DOCKER"
  description   = "Container images of the Cloud Run services (topology kind run)."
  labels        = local.labels

  depends_on = [google_project_service.api]
}

resource "google_cloud_run_v2_service" "service" {
  for_each = local.run_services

  project             = var.project
  name                = each.key
  location            = var.region
  description         = each.value.description
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.environment == "prod"
  labels              = local.labels

  template {
    service_account                  = google_service_account.function[each.key].email
    timeout                          = "3600s"
    session_affinity                 = each.value.affinity
    max_instance_request_concurrency = each.value.concurrency

    scaling {
      min_instance_count = each.value.min_instances
      max_instance_count = each.value.max_instances
    }

    containers {
      image = lookup(var.run_images, each.key, "${var.region}-docker.pkg.dev/${var.project}/${google_artifact_registry_repository.functions.repository_id}/${each.key}:latest")

      resources {
        limits = {
          cpu    = "1"
          memory = each.value.memory
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      env {
        name  = "FUNCTION_TARGET"
        value = each.value.target
      }
      dynamic "env" {
        for_each = local.function_env[each.key]
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = toset(each.value.secrets)
        content {
          name = env.value
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.secret[env.value].secret_id
              version = "latest"
            }
          }
        }
      }
    }
  }

  depends_on = [
    google_project_service.api,
    google_project_iam_member.function,
    google_secret_manager_secret_iam_member.function,
  ]
}

locals {
  # Cloud Run service name and URL of every function, whichever kind it is
  # (a gen2 function runs as a Cloud Run service of the same name).
  function_service = merge(
    { for n, f in google_cloudfunctions2_function.function : n => { name = f.name, url = f.url } },
    { for n, s in google_cloud_run_v2_service.service : n => { name = s.name, url = s.uri } },
  )
}

# Public HTTP functions verify Firebase ID tokens themselves, so anyone may
# reach them; every other function is invokable only by its own identity
# (its Eventarc trigger, its scheduler job, its push subscriptions).
resource "google_cloud_run_v2_service_iam_member" "public" {
  for_each = local.public_functions

  project  = var.project
  location = var.region
  name     = local.function_service[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "self_invoker" {
  for_each = {
    for n, f in local.functions : n => f
    if contains(concat(keys(local.eventarc_functions), keys(local.push_functions), keys(local.scheduled_functions)), n) ||
    length([for s in local.subscriptions : s if s.push_function == n]) > 0
  }

  project  = var.project
  location = var.region
  name     = local.function_service[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.function[each.key].email}"
}

resource "google_cloud_scheduler_job" "schedule" {
  for_each = local.scheduled_functions

  project          = var.project
  region           = var.region
  name             = each.key
  description      = "Runs ${each.key} on its topology schedule."
  schedule         = each.value.cron
  time_zone        = each.value.time_zone
  attempt_deadline = "${max(15, min(each.value.timeout, 1800))}s"

  retry_config {
    retry_count          = each.value.retry ? 3 : 0
    min_backoff_duration = "10s"
    max_backoff_duration = "600s"
  }

  http_target {
    http_method = "POST"
    uri         = local.function_service[each.key].url

    oidc_token {
      service_account_email = google_service_account.function[each.key].email
      audience              = local.function_service[each.key].url
    }
  }

  depends_on = [google_project_service.api]
}

# Eventarc owns the Pub/Sub subscription behind each trigger, which the
# provider cannot configure, so the dead-letter topic and backoff are
# attached to it after the function exists (needs gcloud where Terraform runs).
resource "terraform_data" "eventarc_dead_letter" {
  for_each = local.eventarc_functions

  triggers_replace = [
    google_cloudfunctions2_function.function[each.key].event_trigger[0].trigger,
    google_pubsub_topic.topic[local.function_dead_letters[each.key]].id,
  ]

  provisioner "local-exec" {
    command = "bash ${path.module}/scripts/eventarc-dead-letter.sh"
    environment = {
      PROJECT           = var.project
      TRIGGER           = google_cloudfunctions2_function.function[each.key].event_trigger[0].trigger
      DEAD_LETTER_TOPIC = google_pubsub_topic.topic[local.function_dead_letters[each.key]].id
      MAX_ATTEMPTS      = "5"
      PUBSUB_AGENT      = local.pubsub_agent
    }
  }

  depends_on = [google_pubsub_topic_iam_member.dead_letter_publisher]
}
