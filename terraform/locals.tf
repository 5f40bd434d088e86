# Everything here derives from infra/topology.yaml (the single declaration
# the emulator suite reads too) and the variables; nothing refers to a
# resource. Every resource that stands for a topology entry iterates one of
# these maps with for_each, so a new entry in the topology gets its cloud
# resources without any change here. terraform_test.go evaluates this file
# against the topology and checks the keys.
locals {
  topology = yamldecode(file("${path.module}/../infra/topology.yaml"))

  # Absent or empty sections become empty lists.
  topology_functions     = try([for f in local.topology.functions : f], [])
  topology_topics        = try([for t in local.topology.topics : t], [])
  topology_subscriptions = try([for s in local.topology.subscriptions : s], [])
  topology_buckets       = try([for b in local.topology.buckets : b], [])
  topology_datasets      = try([for d in local.topology.datasets : d], [])

  labels = {
    app         = "points-of-you-studio"
    environment = var.environment
    managed-by  = "terraform"
  }

  hosting_host = var.domain != "" ? var.domain : "${var.project}.web.app"

  # Values the topology's env declarations may name (`terraform: <key>`):
  # Terraform cannot index var by a string, so each input is listed here.
  env_inputs = {
    public_url        = "https://${local.hosting_host}"
    policy_admin_uids = join(",", var.policy_admin_uids)
    # A Cloud Run service's URL exists only once the service does, and
    # nothing here refers to a resource: functions.tf (deployed_env) puts
    # the services' URLs in place of these markers.
    realtime_url     = local.realtime_url_marker
    coach_stream_url = local.coach_stream_url_marker
  }
  realtime_url_marker     = "wss://{realtime}"
  coach_stream_url_marker = "https://{coach-stream}"

  # Functions, normalised so every entry has every field.
  functions = {
    for f in local.topology_functions : f.name => {
      name          = f.name
      kind          = f.kind
      source        = f.source
      target        = try(f.entry_point, "") != "" ? f.entry_point : f.name
      description   = try(f.description, "")
      memory        = try(f.memory, "") != "" ? f.memory : "256Mi"
      timeout       = try(f.timeout_seconds, 0) > 0 ? f.timeout_seconds : 60
      max_instances = try(f.max_instances, 0) > 0 ? f.max_instances : 100
      min_instances = try(f.min_instances, var.run_min_instances)
      concurrency   = try(f.concurrency, 0) > 0 ? f.concurrency : (f.kind == "run" ? 80 : 1)
      affinity      = try(f.session_affinity, false) == true
      retry         = try(f.retry, false) == true
      # Declared variables (infra/topology.yaml env): one value per
      # environment, from value, per_environment or an env_inputs entry.
      env = { for k, v in try(f.env, {}) : k => tostring(
        try(v.value, null) != null ? v.value :
        try(v.per_environment, null) != null ? v.per_environment[var.environment] :
        local.env_inputs[v.terraform]
      ) }
      uses = try([for u in f.uses : {
        kind = split(":", u)[0]
        arg  = try(split(":", u)[1], "")
        # bigquery:<dataset>:read grants reading only.
        mode = try(split(":", u)[2], "")
      }], [])
      secrets = distinct(concat(
        try([for s in f.secrets : s], []),
        try([for u in f.uses : split(":", u)[1] if split(":", u)[0] == "secret"], []),
      ))

      trigger_type = (
        try(f.trigger.http, null) != null ? "http" :
        try(f.trigger.pubsub, null) != null ? "pubsub" :
        try(f.trigger.storage, null) != null ? "storage" :
        try(f.trigger.firestore, null) != null ? "firestore" :
        try(f.trigger.schedule, null) != null ? "schedule" : "none"
      )
      public          = try(f.trigger.http.public, false) == true
      topic           = try(f.trigger.pubsub.topic, "")
      filter          = try(f.trigger.pubsub.filter, "")
      bucket          = try(f.trigger.storage.bucket, "")
      storage_event   = try(f.trigger.storage.event, "")
      document        = try(f.trigger.firestore.document, "")
      firestore_event = try(f.trigger.firestore.event, "")
      database        = try(f.trigger.firestore.database, "") != "" ? f.trigger.firestore.database : "(default)"
      cron            = try(f.trigger.schedule.cron, "")
      time_zone       = try(f.trigger.schedule.time_zone, "") != "" ? f.trigger.schedule.time_zone : "Etc/UTC"
    }
  }

  # Service account ids: 6–30 characters, unique per function.
  function_account_ids = { for n in keys(local.functions) : n => "fn-${trimsuffix(substr(n, 0, 27), "-")}" }

  # kind function → Cloud Functions gen2; kind run → Cloud Run service.
  cloud_functions = { for n, f in local.functions : n => f if f.kind == "function" }
  run_services    = { for n, f in local.functions : n => f if f.kind == "run" }

  # Eventarc delivers storage, firestore and unfiltered pubsub triggers.
  # Eventarc cannot filter Pub/Sub message attributes, so a filtered pubsub
  # trigger becomes a push subscription (with that filter) to the function.
  eventarc_functions = {
    for n, f in local.cloud_functions : n => f
    if contains(["storage", "firestore"], f.trigger_type) || (f.trigger_type == "pubsub" && f.filter == "")
  }
  push_functions      = { for n, f in local.functions : n => f if f.trigger_type == "pubsub" && f.filter != "" }
  scheduled_functions = { for n, f in local.functions : n => f if f.trigger_type == "schedule" }
  public_functions    = { for n, f in local.functions : n => f if f.trigger_type == "http" && f.public }

  # Runtime environment of each function: project and region, one
  # <NAME>_BUCKET per bucket it uses (real name), then the topology's env.
  function_env = {
    for n, f in local.functions : n => merge(
      {
        GOOGLE_CLOUD_PROJECT = var.project
        FUNCTION_REGION      = var.region
        LOG_EXECUTION_ID     = "true"
        # Firebase Hosting, then Google's front end, each append one
        # X-Forwarded-For entry after the client's address (rate limits key
        # on the client; see shared/config).
        TRUSTED_PROXY_HOPS = "1"
      },
      { for u in f.uses : "${upper(replace(u.arg, "-", "_"))}_BUCKET" => "${var.project}-${u.arg}" if u.kind == "storage" },
      f.env,
    )
  }

  # Least privilege: each function's own service account gets exactly the
  # roles its `uses` and its trigger need.
  use_project_role = {
    firestore = "roles/datastore.user"
    vertex    = "roles/aiplatform.user"
    auth      = "roles/firebaseauth.admin"
    bigquery  = "roles/bigquery.jobUser"
  }
  function_project_roles = merge([
    for n, f in local.functions : {
      for role in distinct(concat(
        [for u in f.uses : local.use_project_role[u.kind] if contains(keys(local.use_project_role), u.kind)],
        [for e in [n] : "roles/eventarc.eventReceiver" if contains(keys(local.eventarc_functions), e)],
      )) : "${n}/${role}" => { function = n, role = role }
    }
  ]...)
  function_topic_grants = merge([
    for n, f in local.functions : {
      for u in f.uses : "${n}/${u.arg}" => { function = n, topic = u.arg, role = "roles/pubsub.publisher" } if u.kind == "pubsub"
    }
  ]...)
  function_bucket_grants = merge([
    for n, f in local.functions : {
      for u in f.uses : "${n}/${u.arg}" => { function = n, bucket = u.arg, role = "roles/storage.objectAdmin" } if u.kind == "storage"
    }
  ]...)
  function_dataset_grants = merge([
    for n, f in local.functions : {
      for u in f.uses : "${n}/${u.arg}" => { function = n, dataset = u.arg, role = u.mode == "read" ? "roles/bigquery.dataViewer" : "roles/bigquery.dataEditor" } if u.kind == "bigquery"
    }
  ]...)
  function_secret_grants = merge([
    for n, f in local.functions : {
      for s in f.secrets : "${n}/${s}" => { function = n, secret = s, role = "roles/secretmanager.secretAccessor" }
    }
  ]...)
  # V4 signed URLs for storage users are signed through IAM Credentials
  # (signBlob) with the function's own identity.
  signing_functions = { for n, f in local.functions : n => f if length([for u in f.uses : u if u.kind == "storage"]) > 0 }

  # Secrets exist whether or not a function uses them yet; values are added
  # out of band (gcloud secrets versions add), never in Terraform.
  platform_secrets = ["PSEUDONYM_HMAC_KEY", "MAIL_API_KEY"]
  secrets          = toset(distinct(concat(local.platform_secrets, flatten([for f in local.functions : f.secrets]))))

  # Pub/Sub.
  declared_topics = {
    for t in local.topology_topics : t.name => {
      name           = t.name
      description    = try(t.description, "")
      retention_days = try(t.retention_days, 0)
    }
  }
  subscriptions = {
    for s in local.topology_subscriptions : s.name => {
      name                = s.name
      topic               = s.topic
      filter              = try(s.filter, "")
      ack_deadline        = try(s.ack_deadline_seconds, 0) > 0 ? s.ack_deadline_seconds : 60
      is_push             = try(s.push, null) != null
      push_function       = try(s.push.function, "")
      push_endpoint       = try(s.push.endpoint, "")
      is_bigquery         = try(s.bigquery, null) != null
      bigquery_table      = try(s.bigquery.table, "")
      use_table_schema    = try(s.bigquery.use_table_schema, false) == true
      write_metadata      = try(s.bigquery.write_metadata, false) == true
      drop_unknown_fields = try(s.bigquery.drop_unknown_fields, false) == true
      # Push subscriptions always dead-letter: a declared topic, else <name>-dead.
      dead_letter_topic = (
        try(s.dead_letter.topic, "") != "" ? s.dead_letter.topic :
        try(s.push, null) != null ? "${s.name}-dead" : ""
      )
      max_delivery_attempts = try(s.dead_letter.max_delivery_attempts, 0) > 0 ? s.dead_letter.max_delivery_attempts : 5
      has_retry             = try(s.retry, null) != null
      min_backoff           = try(s.retry.min_backoff_seconds, 10)
      max_backoff           = try(s.retry.max_backoff_seconds, 600)
    }
  }

  # Every event-driven function dead-letters into <name>-dead (or the
  # declared topic of that name).
  function_dead_letters = { for n, f in merge(local.eventarc_functions, local.push_functions) : n => "${n}-dead" }

  dead_letter_topics = distinct(concat(
    values(local.function_dead_letters),
    [for s in local.subscriptions : s.dead_letter_topic if s.dead_letter_topic != ""],
  ))
  generated_topics = {
    for t in local.dead_letter_topics : t => {
      name           = t
      description    = "Dead letters: messages that could not be delivered."
      retention_days = 7
    } if !contains(keys(local.declared_topics), t)
  }
  topics = merge(local.declared_topics, local.generated_topics)

  # A topic without a subscription drops its messages, so each dead-letter
  # topic nobody reads gets a pull subscription <topic>-hold that keeps them
  # for inspection and replay; the dead-letter alert watches these.
  dead_letter_holds = toset([
    for t in local.dead_letter_topics : "${t}-hold"
    if length([for s in local.subscriptions : s if s.topic == t]) == 0
  ])
  dead_letter_watch = sort(distinct(concat(
    tolist(local.dead_letter_holds),
    [for s in local.subscriptions : s.name if contains(local.dead_letter_topics, s.topic)],
  )))

  # BigQuery subscriptions need the Pub/Sub service agent on their datasets.
  bigquery_subscription_datasets = toset([for s in local.subscriptions : split(".", s.bigquery_table)[0] if s.is_bigquery])

  # Storage. Real bucket names are "<project>-<name>".
  buckets = {
    for b in local.topology_buckets : b.name => {
      name              = b.name
      real_name         = "${var.project}-${b.name}"
      description       = try(b.description, "")
      delete_after_days = try(b.delete_after_days, 0)
      prefixes          = try([for p in b.lifecycle_prefixes : p], [])
      cors_origins = distinct(concat(
        ["https://${local.hosting_host}", "https://${var.project}.web.app", "https://${var.project}.firebaseapp.com"],
        try([for o in b.cors_origins : o if substr(o, 0, 8) == "https://" || var.allow_local_origins], []),
      ))
    }
  }

  # BigQuery. A table's schema file path is relative to infra/.
  datasets = {
    for d in local.topology_datasets : d.name => {
      name     = d.name
      location = try(d.location, "") != "" ? d.location : var.bigquery_location
    }
  }
  tables = merge([
    for d in local.topology_datasets : {
      for t in try([for t in d.tables : t], []) : "${d.name}.${t.name}" => {
        dataset         = d.name
        name            = t.name
        schema          = file("${path.module}/../infra/${t.schema}")
        partition_field = try(t.partition_field, "")
        cluster_by      = try([for c in t.cluster_by : c], [])
        expiration_days = try(t.partition_expiration_days, 0)
      }
    }
  ]...)
  # Logical views, from SQL files under infra/ with {project} and {dataset}
  # replaced exactly as shared/topology.ViewSQL does for the emulator suite.
  # A view that reads another view of its dataset is created after the
  # views that read tables only (bigquery.tf: two waves).
  view_sources = merge([
    for d in local.topology_datasets : {
      for v in try([for v in d.views : v], []) : "${d.name}.${v.name}" => {
        dataset     = d.name
        name        = v.name
        description = try(v.description, "")
        raw         = file("${path.module}/../infra/${v.query}")
        others      = [for o in d.views : o.name if o.name != v.name]
      }
    }
  ]...)
  views = {
    for k, v in local.view_sources : k => {
      dataset     = v.dataset
      name        = v.name
      description = v.description
      query       = replace(replace(v.raw, "{project}", var.project), "{dataset}", v.dataset)
      reads_views = length([for o in v.others : o if replace(v.raw, "{dataset}.${o}`", "") != v.raw]) > 0
    }
  }

  # Firestore indexes in the Firebase CLI's format (infra/firestore.indexes.json).
  firestore_indexes_file = jsondecode(file("${path.module}/../infra/firestore.indexes.json"))
  firestore_indexes = {
    for i in try([for i in local.firestore_indexes_file.indexes : i], []) :
    join("/", concat([i.collectionGroup, try(i.queryScope, "COLLECTION")], [for fl in i.fields : fl.fieldPath])) => i
  }
  # Single-field index overrides (e.g. collection-group listeners).
  firestore_field_overrides = {
    for o in try([for o in local.firestore_indexes_file.fieldOverrides : o], []) :
    "${o.collectionGroup}/${o.fieldPath}" => o
  }
}
