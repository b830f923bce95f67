-- Router and admin read models, built by the `read-models` projection (projections/).
-- Disposable: dropping them and resetting the checkpoint rebuilds them from the event log.
CREATE TABLE rm_organizations (
  organization_id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL,
  position bigint NOT NULL
);

CREATE TABLE rm_api_keys (
  api_key_id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  name text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  position bigint NOT NULL
);

CREATE INDEX rm_api_keys_organization ON rm_api_keys (organization_id);
