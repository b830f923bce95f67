-- Analytics storage, written by ingest (projections/usage). usage_events is the deduplicated raw
-- log (one row per usage event id); usage_hourly is the rollup, updated in the same transaction.
CREATE TABLE usage_events (
  event_id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  api_key_id uuid NOT NULL,
  model text NOT NULL,
  backend text NOT NULL,
  status text NOT NULL,
  http_status integer NOT NULL,
  input_tokens integer NOT NULL,
  output_tokens integer NOT NULL,
  cost_usd numeric(20, 10) NOT NULL,
  latency_ms integer NOT NULL,
  streamed boolean NOT NULL,
  occurred_at timestamptz NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX usage_events_org_time ON usage_events (organization_id, occurred_at);

CREATE TABLE usage_hourly (
  organization_id uuid NOT NULL,
  bucket timestamptz NOT NULL,
  model text NOT NULL,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_usd numeric(20, 10) NOT NULL,
  PRIMARY KEY (organization_id, bucket, model)
);
