# Firebase (project, Hosting site) and Identity Platform: email/password
# sign-in plus optional enterprise SAML/OIDC providers, with email
# enumeration protection on.

resource "google_firebase_project" "default" {
  provider = google-beta
  project  = var.project

  depends_on = [google_project_service.api]
}

resource "google_firebase_hosting_site" "web" {
  provider = google-beta
  project  = var.project
  site_id  = var.project

  depends_on = [google_firebase_project.default]
}

resource "google_firebase_hosting_custom_domain" "web" {
  provider = google-beta
  count    = var.domain != "" ? 1 : 0

  project       = var.project
  site_id       = google_firebase_hosting_site.web.site_id
  custom_domain = var.domain

  wait_dns_verification = false
}

resource "google_identity_platform_config" "default" {
  project                    = var.project
  autodelete_anonymous_users = true
  authorized_domains = distinct(compact([
    "localhost",
    "${var.project}.firebaseapp.com",
    "${var.project}.web.app",
    var.domain,
  ]))

  sign_in {
    allow_duplicate_emails = false

    email {
      enabled           = true
      password_required = true
    }
  }

  depends_on = [google_project_service.api, google_firebase_project.default]
}

resource "google_identity_platform_inbound_saml_config" "saml" {
  for_each = { for p in var.saml_providers : p.id => p }

  project      = var.project
  name         = each.key
  display_name = each.value.display_name
  enabled      = true

  idp_config {
    idp_entity_id = each.value.idp_entity_id
    sso_url       = each.value.sso_url
    sign_request  = true
    idp_certificates {
      x509_certificate = each.value.x509_certificate
    }
  }

  sp_config {
    sp_entity_id = var.project
    callback_uri = "https://${var.project}.firebaseapp.com/__/auth/handler"
  }

  depends_on = [google_identity_platform_config.default]
}

# The client secret of a code-flow OIDC provider is read from Secret Manager
# at apply time; it is never written in tfvars.
data "google_secret_manager_secret_version_access" "oidc" {
  for_each = { for p in var.oidc_providers : p.id => p if p.client_secret_store != null }

  project = var.project
  secret  = each.value.client_secret_store
}

resource "google_identity_platform_oauth_idp_config" "oidc" {
  for_each = { for p in var.oidc_providers : p.id => p }

  project       = var.project
  name          = each.key
  display_name  = each.value.display_name
  issuer        = each.value.issuer
  client_id     = each.value.client_id
  client_secret = each.value.client_secret_store != null ? data.google_secret_manager_secret_version_access.oidc[each.key].secret_data : null
  enabled       = true

  depends_on = [google_identity_platform_config.default]
}

# Email enumeration protection: sign-in and password reset must not tell
# whether an address has an account. The provider cannot set
# emailPrivacyConfig on google_identity_platform_config, so it is set
# through the admin API after the config exists (needs gcloud and curl where
# Terraform runs), and again whenever the config is replaced.
resource "terraform_data" "identity_email_privacy" {
  triggers_replace = [
    google_identity_platform_config.default.id,
    "enable_improved_email_privacy=true",
  ]

  provisioner "local-exec" {
    command = "bash ${path.module}/scripts/identity-email-privacy.sh"
    environment = {
      PROJECT = var.project
      ENABLE  = "true"
    }
  }
}
