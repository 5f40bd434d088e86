#!/usr/bin/env bash
# Turns on Identity Platform's email enumeration protection ("improved email
# privacy"): sign-in and password reset answer the same whether or not an
# address has an account, and the lookup of an address's sign-in methods is
# off. The provider's google_identity_platform_config has no argument for
# it, so Terraform runs this (terraform_data.identity_email_privacy) against
# the Identity Toolkit admin API, then reads the setting back so that an
# ignored update fails the apply.
#
# Environment: PROJECT, ENABLE ("true" or "false").
set -euo pipefail

: "${PROJECT:?}" "${ENABLE:?}"

api="https://identitytoolkit.googleapis.com/admin/v2/projects/${PROJECT}/config"
token=$(gcloud auth print-access-token)
headers=(-H "Authorization: Bearer ${token}" -H "X-Goog-User-Project: ${PROJECT}")

curl -sS --fail-with-body -X PATCH "${api}?updateMask=emailPrivacyConfig.enableImprovedEmailPrivacy" \
  "${headers[@]}" -H "Content-Type: application/json" \
  -d "{\"emailPrivacyConfig\":{\"enableImprovedEmailPrivacy\":${ENABLE}}}" >/dev/null

config=$(curl -sS --fail-with-body "${api}" "${headers[@]}")
# The API leaves a false setting out, so only "true" can be read back.
if [ "$ENABLE" = true ] && ! grep -Eq '"enableImprovedEmailPrivacy"[[:space:]]*:[[:space:]]*true' <<<"$config"; then
  echo "identity-email-privacy: project ${PROJECT} does not report enableImprovedEmailPrivacy=${ENABLE}" >&2
  exit 1
fi
