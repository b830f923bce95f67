-- The keys that sign the event chain's anchors (projections/audit-anchor/keys.ts, ADR 0025):
-- Ed25519 private JWKs sealed by the secret box (ADR 0010), like oidc_signing_keys (0211), so this
-- table holds nothing that signs on its own. Not a read model: written once by the first anchor,
-- never from the event log. The newest key signs; every key stays in the published JWKS.
CREATE TABLE audit_anchor_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  sealed jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
