#!/usr/bin/env bash
# Attaches a dead-letter topic and exponential backoff to the Pub/Sub
# subscription Eventarc created for a function's trigger. Terraform runs it
# (terraform_data.eventarc_dead_letter) because the provider cannot manage
# that subscription.
#
# Environment: PROJECT, TRIGGER (projects/P/locations/L/triggers/T),
# DEAD_LETTER_TOPIC (projects/P/topics/T), MAX_ATTEMPTS, PUBSUB_AGENT
# (serviceAccount:service-N@gcp-sa-pubsub.iam.gserviceaccount.com).
set -euo pipefail

: "${PROJECT:?}" "${TRIGGER:?}" "${DEAD_LETTER_TOPIC:?}" "${MAX_ATTEMPTS:?}" "${PUBSUB_AGENT:?}"

location=$(sed -E 's#^projects/[^/]+/locations/([^/]+)/triggers/.*$#\1#' <<<"$TRIGGER")
trigger=${TRIGGER##*/}

sub=$(gcloud eventarc triggers describe "$trigger" --location="$location" --project="$PROJECT" \
  --format='value(transport.pubsub.subscription)')
if [ -z "$sub" ]; then
  echo "eventarc-dead-letter: trigger $TRIGGER has no Pub/Sub subscription" >&2
  exit 1
fi

gcloud pubsub subscriptions update "$sub" --project="$PROJECT" \
  --dead-letter-topic="$DEAD_LETTER_TOPIC" \
  --max-delivery-attempts="$MAX_ATTEMPTS" \
  --min-retry-delay=10s --max-retry-delay=600s

# The Pub/Sub service agent must be able to pull from the subscription to
# forward undeliverable messages (its publisher role on the topic is Terraform's).
gcloud pubsub subscriptions add-iam-policy-binding "$sub" --project="$PROJECT" \
  --member="$PUBSUB_AGENT" --role=roles/pubsub.subscriber >/dev/null
