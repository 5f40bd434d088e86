variable "project" {
  description = "Google Cloud project id (also the Firebase project)."
  type        = string
}

variable "region" {
  description = "Region of functions, Cloud Run services, Eventarc triggers and Cloud Scheduler jobs."
  type        = string
  default     = "europe-west1"
}

variable "environment" {
  description = "Environment name: dev, staging or prod. prod turns on delete protection."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "domain" {
  description = "Custom domain of the web app on Firebase Hosting; empty uses <project>.web.app."
  type        = string
  default     = ""
}

variable "alert_email" {
  description = "Address that receives monitoring alerts."
  type        = string
}

variable "firestore_location" {
  description = "Firestore location (e.g. eur3, europe-west1). Firestore-triggered functions' triggers live here too."
  type        = string
  default     = "eur3"
}

variable "bigquery_location" {
  description = "Default BigQuery dataset location when the topology names none."
  type        = string
  default     = "EU"
}

variable "go_runtime" {
  description = "Cloud Functions runtime id; keep it in step with the go directive of go.mod."
  type        = string
  default     = "go126"
}

variable "run_images" {
  description = "Container image per Cloud Run service (topology kind run), keyed by name."
  type        = map(string)
  default     = {}
}

variable "run_min_instances" {
  description = "Minimum instances of each Cloud Run service unless the topology says otherwise."
  type        = number
  default     = 0
}

variable "allow_local_origins" {
  description = "Keep the topology's http:// (local emulator) CORS origins on the cloud buckets."
  type        = bool
  default     = false
}

variable "error_rate_threshold" {
  description = "Share of 5xx responses (0..1) over 5 minutes that raises an alert."
  type        = number
  default     = 0.05
}

variable "saml_providers" {
  description = "Identity Platform SAML providers (id must start with saml.). Certificates are public data."
  type = list(object({
    id               = string
    display_name     = string
    idp_entity_id    = string
    sso_url          = string
    x509_certificate = string
  }))
  default = []
}

variable "oidc_providers" {
  description = "Identity Platform OIDC providers (id must start with oidc.). client_secret_store names a Secret Manager secret holding the client secret (code flow); null uses the id-token flow."
  type = list(object({
    id                  = string
    display_name        = string
    issuer              = string
    client_id           = string
    client_secret_store = optional(string)
  }))
  default = []
}

variable "policy_admin_uids" {
  description = "Firebase uids of platform staff who may publish consent policy texts (consent's POLICY_ADMIN_UIDS); empty: nobody."
  type        = list(string)
  default     = []
}
