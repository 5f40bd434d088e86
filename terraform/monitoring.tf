# Monitoring: uptime of the web app, function 5xx rate, dead-letter backlog.

resource "google_monitoring_notification_channel" "email" {
  project      = var.project
  display_name = "Platform alerts (${var.environment})"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.api]
}

resource "google_monitoring_uptime_check_config" "web" {
  project      = var.project
  display_name = "Web app ${local.hosting_host}"
  timeout      = "10s"
  period       = "300s"

  http_check {
    path         = "/"
    port         = 443
    use_ssl      = true
    validate_ssl = true
  }

  monitored_resource {
    type = "uptime_url"
    labels = {
      project_id = var.project
      host       = local.hosting_host
    }
  }

  depends_on = [google_project_service.api]
}

resource "google_monitoring_alert_policy" "uptime" {
  project      = var.project
  display_name = "Web app unreachable (${var.environment})"
  combiner     = "OR"

  conditions {
    display_name = "Uptime check failing"
    condition_threshold {
      filter          = "metric.type=\"monitoring.googleapis.com/uptime_check/check_passed\" AND resource.type=\"uptime_url\" AND metric.label.check_id=\"${google_monitoring_uptime_check_config.web.uptime_check_id}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 1
      duration        = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_NEXT_OLDER"
        cross_series_reducer = "REDUCE_COUNT_FALSE"
        group_by_fields      = ["resource.label.host"]
      }
    }
  }

  notification_channels = [google_monitoring_notification_channel.email.id]
}

# Every function and Cloud Run service is a Cloud Run revision; count the
# requests it answered with a 5xx.
resource "google_logging_metric" "http_5xx" {
  project     = var.project
  name        = "function_5xx"
  description = "Requests answered with a 5xx by a function or Cloud Run service."
  filter      = "resource.type=\"cloud_run_revision\" AND httpRequest.status>=500"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "service_name"
      value_type  = "STRING"
      description = "Function or service name."
    }
  }

  label_extractors = {
    service_name = "EXTRACT(resource.labels.service_name)"
  }

  depends_on = [google_project_service.api]
}

resource "google_monitoring_alert_policy" "error_rate" {
  project      = var.project
  display_name = "Function 5xx rate above ${var.error_rate_threshold * 100}% (${var.environment})"
  combiner     = "OR"

  conditions {
    display_name = "5xx share of requests, per service"
    condition_threshold {
      filter             = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.http_5xx.name}\" AND resource.type=\"cloud_run_revision\""
      denominator_filter = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\""
      comparison         = "COMPARISON_GT"
      threshold_value    = var.error_rate_threshold
      duration           = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  notification_channels = [google_monitoring_notification_channel.email.id]

  documentation {
    mime_type = "text/markdown"
    content   = "A function answers more than ${var.error_rate_threshold * 100}% of its requests with a 5xx. Logs: resource.type=\"cloud_run_revision\" AND httpRequest.status>=500."
  }
}

# Anything waiting in a dead-letter subscription is a message the platform
# gave up on.
resource "google_monitoring_alert_policy" "dead_letters" {
  count = length(local.dead_letter_watch) > 0 ? 1 : 0

  project      = var.project
  display_name = "Dead letters waiting (${var.environment})"
  combiner     = "OR"

  conditions {
    display_name = "Undelivered messages in a dead-letter subscription"
    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.label.subscription_id=one_of(${join(",", [for s in local.dead_letter_watch : "\"${s}\""])})"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "300s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  notification_channels = [google_monitoring_notification_channel.email.id]

  documentation {
    mime_type = "text/markdown"
    content   = "Messages reached a dead-letter topic. Inspect them with `gcloud pubsub subscriptions pull SUBSCRIPTION --project=${var.project}` and replay after fixing the cause."
  }

  depends_on = [google_pubsub_subscription.dead_letter_hold, google_pubsub_subscription.subscription]
}

resource "google_monitoring_dashboard" "platform" {
  project        = var.project
  dashboard_json = file("${path.module}/dashboards/platform.json")

  depends_on = [google_project_service.api]
}
