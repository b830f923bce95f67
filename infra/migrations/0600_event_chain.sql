-- The tamper-evident chain of the event log (docs/audit.md, ADR 0023). One row per event, in
-- global order: hash = SHA-256(prev_hash || canonical(event)), the first prev_hash is 32 zero
-- bytes. Written only by the event-chain subscription (projections/audit-chain), after commit.
CREATE TABLE event_chain (
  global_position bigint PRIMARY KEY,
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  CONSTRAINT event_chain_hash_length CHECK (octet_length(hash) = 32 AND octet_length(prev_hash) = 32)
);
