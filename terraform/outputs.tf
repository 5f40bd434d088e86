output "function_urls" {
  description = "URL of every function and Cloud Run service, by topology name."
  value       = { for n, s in local.function_service : n => s.url }
}

output "function_service_accounts" {
  description = "Runtime service account of every function."
  value       = { for n, a in google_service_account.function : n => a.email }
}

output "buckets" {
  description = "Real bucket name of every topology bucket."
  value       = { for n, b in google_storage_bucket.bucket : n => b.name }
}

output "hosting_site" {
  description = "Firebase Hosting site id (deploy the web app with: firebase deploy --only hosting --project <project>)."
  value       = google_firebase_hosting_site.web.site_id
}

output "dead_letter_subscriptions" {
  description = "Subscriptions that hold dead letters, for inspection and replay."
  value       = local.dead_letter_watch
}
