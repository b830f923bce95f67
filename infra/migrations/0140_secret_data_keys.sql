-- Data keys of envelope-encrypted secrets (docs/adr/0010), each wrapped by a key-encryption key
-- (AIAAS_KEK) named by kek_id. Not a read model: it cannot be rebuilt from the log, and deleting
-- a row makes its secret unreadable for good. `aiaas secrets rotate-kek` re-wraps rows in place.
CREATE TABLE secret_data_keys (
  data_key_id uuid PRIMARY KEY,
  kek_id text NOT NULL,
  iv text NOT NULL,
  wrapped_key text NOT NULL,
  tag text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rewrapped_at timestamptz
);

CREATE INDEX secret_data_keys_kek ON secret_data_keys (kek_id);
