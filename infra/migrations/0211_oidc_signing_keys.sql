-- The OAuth2 issuer's signing keys (infra/oidc/signing-keys.ts): each private JWK sealed with the
-- secret box (docs/adr/0010), so this table holds nothing that signs on its own: the data key is
-- in secret_data_keys, wrapped by a KEK that is not in the database. Not a read model: written
-- once by the first issuer to start, never from the event log. The newest key signs; the others
-- stay in the JWKS so tokens they signed still verify (rotation: docs/adr/0015).
CREATE TABLE oidc_signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  sealed jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
