-- The model catalogue read model (projections/models/): one row per model that exists, for the
-- admin API and the router. Backends hold api keys only sealed (docs/adr/0010). Prices stay the
-- canonical decimal text of the events, so a read never reformats one ("2.5", not 2.500000000).
CREATE TABLE rm_models (
  name text PRIMARY KEY,
  aliases jsonb NOT NULL,
  input_price_per_million_usd text NOT NULL,
  output_price_per_million_usd text NOT NULL,
  max_output_tokens integer NOT NULL,
  backends jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- The stream version of the last event applied: the resource's ETag.
  version integer NOT NULL,
  position bigint NOT NULL
);
