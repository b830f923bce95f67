-- oidc-provider's models but clients (sessions, interactions, grants, codes, refresh tokens) when
-- the issuer keeps them in the SQL database: `aiaas dev` on its PGlite (infra/oidc/sql-store.ts;
-- production keeps them in Redis, docs/adr/0015, Storage). Not a read model: state of the issuer,
-- never from the event log. `payload` is oidc-provider's own; grant_id, uid and user_code copy the
-- fields it is looked up by; consumed_at is set once a code or refresh token is used. A row past
-- expires_at is never returned and is deleted by the amortized sweep of each upsert.
CREATE TABLE oidc_entries (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  uid text,
  user_code text,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
