-- The API key's lifecycle in its read model (projections/api-keys/): limits, models, expiry,
-- owner, revocation and rotation, and `version`, the stream version of its last event (the admin
-- API's ETag). Before this migration a key's stream held only ApiKeyIssued (stream version 0),
-- so the default version 0 is what a rebuild gives and no backfill is needed.
ALTER TABLE rm_api_keys
  ADD COLUMN allowed_models text[],
  ADD COLUMN rpm_limit integer,
  ADD COLUMN tpm_limit integer,
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN owner_user_id uuid,
  ADD COLUMN require_signature boolean NOT NULL DEFAULT false,
  ADD COLUMN revoked_at timestamptz,
  ADD COLUMN rotated_at timestamptz,
  ADD COLUMN version bigint NOT NULL DEFAULT 0;
