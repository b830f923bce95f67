-- The first response of each admin POST sent with an Idempotency-Key, per (actor, key), until it
-- expires (gateways/admin/idempotency.ts; docs/admin-api.md). A running row is a lease: a process
-- that died mid-request leaves it to be taken over after locked_until. A response that carried a
-- secret (a new API key) is stored without it (has_secret), never in plaintext.
CREATE TABLE admin_idempotency_keys (
  actor text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'failed', 'done')),
  started_at timestamptz NOT NULL,
  locked_until timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  response_status integer,
  response_headers jsonb,
  response_body text,
  has_secret boolean NOT NULL DEFAULT false,
  PRIMARY KEY (actor, idempotency_key)
);
