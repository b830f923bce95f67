-- The service accounts read model (projections/service-accounts/): one row per account, for the
-- admin API and the OAuth2 issuer's client lookup (by client_id). Only the SHA-256 of the client
-- secret is here, never the secret. `version` is the stream version of the last event applied
-- (the ETag); accounts are listed in commit order (`created_position`), as the other admin lists.
CREATE TABLE rm_service_accounts (
  service_account_id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  name text NOT NULL,
  roles text[] NOT NULL,
  client_id text NOT NULL UNIQUE,
  secret_hash text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  rotated_at timestamptz,
  revoked_at timestamptz,
  version integer NOT NULL,
  position bigint NOT NULL,
  created_position bigint NOT NULL
);

CREATE UNIQUE INDEX rm_service_accounts_created_position ON rm_service_accounts (organization_id, created_position);
