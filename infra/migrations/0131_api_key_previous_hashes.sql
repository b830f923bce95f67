-- Secrets a rotation replaced, each working until its own `valid_until` (the rotation's grace).
-- The router looks a hash up here when it is not a key's current one; a revoked key's row in
-- rm_api_keys refuses these too.
CREATE TABLE rm_api_key_previous_hashes (
  key_hash text PRIMARY KEY,
  api_key_id uuid NOT NULL,
  valid_until timestamptz NOT NULL,
  position bigint NOT NULL
);

CREATE INDEX rm_api_key_previous_hashes_key ON rm_api_key_previous_hashes (api_key_id);
