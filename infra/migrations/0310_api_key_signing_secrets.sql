-- A key's request-signing secret in its read model (projections/api-keys/): sealed (ADR 0010),
-- as ApiKeySigningSecretSet carries it, so the router's key lookup brings it along and opens it
-- with its KEK. Keys issued before have none (NULL) until a rotation of their signing secret.
ALTER TABLE rm_api_keys
  ADD COLUMN signing_secret jsonb,
  ADD COLUMN signing_secret_set_at timestamptz;
