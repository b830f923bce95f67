-- Analytics storage (issue 10, docs/adr/0021-analytics-storage.md). Raw usage events in daily
-- range partitions of occurred_at (created ahead by the ingest process, dropped whole for
-- retention); rollups per minute, hour and day × organization × key × model × backend × status
-- class, with mergeable latency and TTFB histograms (domain/usage/histogram.ts). Every key has its
-- time column, so the raw table can become a TimescaleDB hypertable where the extension exists.

-- Histogram bounds, the same literals as HISTOGRAM_BOUNDS (a test compares them).
CREATE FUNCTION usage_hist_bounds() RETURNS double precision[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY[0.125,0.140625,0.15625,0.171875,0.1875,0.203125,0.21875,0.234375,0.25,0.28125,0.3125,0.34375,0.375,0.40625,0.4375,0.46875,0.5,0.5625,0.625,0.6875,0.75,0.8125,0.875,0.9375,1,1.125,1.25,1.375,1.5,1.625,1.75,1.875,2,2.25,2.5,2.75,3,3.25,3.5,3.75,4,4.5,5,5.5,6,6.5,7,7.5,8,9,10,11,12,13,14,15,16,18,20,22,24,26,28,30,32,36,40,44,48,52,56,60,64,72,80,88,96,104,112,120,128,144,160,176,192,208,224,240,256,288,320,352,384,416,448,480,512,576,640,704,768,832,896,960,1024,1152,1280,1408,1536,1664,1792,1920,2048,2304,2560,2816,3072,3328,3584,3840,4096,4608,5120,5632,6144,6656,7168,7680,8192,9216,10240,11264,12288,13312,14336,15360,16384,18432,20480,22528,24576,26624,28672,30720,32768,36864,40960,45056,49152,53248,57344,61440,65536,73728,81920,90112,98304,106496,114688,122880,131072,147456,163840,180224,196608,212992,229376,245760,262144,294912,327680,360448,393216,425984,458752,491520,524288,589824,655360,720896,786432,851968,917504,983040]::double precision[]
$$;

-- The exact sum of two histograms, bucket by bucket, trailing zeros left off.
CREATE FUNCTION usage_hist_add(a bigint[], b bigint[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
    FROM unnest(coalesce(a, '{}'), coalesce(b, '{}')) WITH ORDINALITY AS t(x, y, i)
$$;

-- usage_hist_sum(hist): the merged histogram of a group of rows.
CREATE AGGREGATE usage_hist_sum(bigint[]) (SFUNC = usage_hist_add, STYPE = bigint[], INITCOND = '{}');

-- usage_hist_of(value_ms): the histogram of a group of values (NULLs skipped), as bucketOf counts.
CREATE FUNCTION usage_hist_count(state bigint[], value_ms double precision) RETURNS bigint[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  slot integer;
BEGIN
  IF value_ms IS NULL THEN
    RETURN state;
  END IF;
  slot := width_bucket(value_ms, usage_hist_bounds()) + 1;
  WHILE coalesce(array_length(state, 1), 0) < slot LOOP
    state := state || 0::bigint;
  END LOOP;
  state[slot] := state[slot] + 1;
  RETURN state;
END
$$;
CREATE AGGREGATE usage_hist_of(double precision) (SFUNC = usage_hist_count, STYPE = bigint[], INITCOND = '{}');

CREATE TABLE usage_raw (
  event_id uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  organization_id uuid NOT NULL,
  api_key_id uuid NOT NULL,
  model text NOT NULL,
  backend text NOT NULL,
  -- '2xx', '4xx', '5xx' … from http_status.
  status_class text NOT NULL,
  status text NOT NULL,
  http_status smallint NOT NULL,
  input_tokens integer NOT NULL,
  output_tokens integer NOT NULL,
  -- ceil(cost_usd × 10^9): the unit and rounding of the routers' spend ledger.
  cost_nanos bigint NOT NULL,
  latency_ms double precision NOT NULL,
  ttfb_ms double precision,
  streamed boolean NOT NULL,
  cancelled boolean NOT NULL,
  tokens_source text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  -- Dedupe key: an event's occurred_at never changes, so a redelivery lands on the same row.
  PRIMARY KEY (event_id, occurred_at)
) PARTITION BY RANGE (occurred_at);

CREATE INDEX usage_raw_org_time ON usage_raw (organization_id, occurred_at);

-- The partition of one UTC day, created if missing; returns its name.
CREATE FUNCTION usage_raw_ensure_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  name text := 'usage_raw_p' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(quote_ident(name)) IS NULL THEN
    EXECUTE format(
      'CREATE TABLE IF NOT EXISTS %I PARTITION OF usage_raw FOR VALUES FROM (%L) TO (%L)',
      name,
      (day::timestamp AT TIME ZONE 'UTC'),
      ((day + 1)::timestamp AT TIME ZONE 'UTC'));
  END IF;
  RETURN name;
END
$$;

CREATE TABLE usage_rollup_minute (
  bucket timestamptz NOT NULL,
  organization_id uuid NOT NULL,
  api_key_id uuid NOT NULL,
  model text NOT NULL,
  backend text NOT NULL,
  status_class text NOT NULL,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_nanos bigint NOT NULL,
  streamed bigint NOT NULL,
  cancelled bigint NOT NULL,
  estimated bigint NOT NULL,
  latency_hist bigint[] NOT NULL,
  ttfb_hist bigint[] NOT NULL,
  PRIMARY KEY (organization_id, bucket, api_key_id, model, backend, status_class)
);
CREATE TABLE usage_rollup_hour (LIKE usage_rollup_minute INCLUDING ALL);
CREATE TABLE usage_rollup_day (LIKE usage_rollup_minute INCLUDING ALL);

-- Freshness: per organization, the newest event stored and when; for the ingest as a whole, the
-- instant up to which every event that reached it is stored (docs/analytics.md, "Freshness").
CREATE TABLE usage_org_freshness (
  organization_id uuid PRIMARY KEY,
  last_occurred_at timestamptz NOT NULL,
  last_ingested_at timestamptz NOT NULL
);
CREATE TABLE usage_ingest_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  -- Every event that reached ingest before this instant is stored (null: not known yet).
  complete_through timestamptz,
  last_batch_at timestamptz,
  last_batch_events integer NOT NULL DEFAULT 0,
  -- Ready messages in the usage queue when ingest last looked (null: unknown).
  queue_depth integer,
  -- Raw events before this UTC day were dropped by retention; older events are refused.
  raw_horizon date,
  updated_at timestamptz
);
INSERT INTO usage_ingest_state (singleton) VALUES (true);

-- The seed's usage_events move into usage_raw (cost rounded up to nano-USD as the ledger does;
-- their status class from http_status), and every rollup is built from them.
DO $$
DECLARE
  day date;
BEGIN
  FOR day IN SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM usage_events LOOP
    PERFORM usage_raw_ensure_partition(day);
  END LOOP;
END
$$;

INSERT INTO usage_raw (event_id, occurred_at, organization_id, api_key_id, model, backend, status_class,
    status, http_status, input_tokens, output_tokens, cost_nanos, latency_ms, ttfb_ms, streamed,
    cancelled, tokens_source, ingested_at)
  SELECT event_id, occurred_at, organization_id, api_key_id, model, backend, (http_status / 100) || 'xx',
         status, http_status, input_tokens, output_tokens, ceil(cost_usd * 1000000000)::bigint, latency_ms,
         NULL, streamed, false, 'reported', ingested_at
    FROM usage_events;

INSERT INTO usage_rollup_minute
  SELECT date_trunc('minute', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', organization_id, api_key_id,
         model, backend, status_class, count(*), count(*) FILTER (WHERE status <> 'ok'), sum(input_tokens),
         sum(output_tokens), sum(cost_nanos), count(*) FILTER (WHERE streamed),
         count(*) FILTER (WHERE cancelled), count(*) FILTER (WHERE tokens_source = 'estimated'),
         usage_hist_of(latency_ms), usage_hist_of(ttfb_ms)
    FROM usage_raw GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO usage_rollup_hour
  SELECT date_trunc('hour', bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', organization_id, api_key_id, model,
         backend, status_class, sum(requests), sum(errors), sum(input_tokens), sum(output_tokens),
         sum(cost_nanos), sum(streamed), sum(cancelled), sum(estimated), usage_hist_sum(latency_hist),
         usage_hist_sum(ttfb_hist)
    FROM usage_rollup_minute GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO usage_rollup_day
  SELECT date_trunc('day', bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', organization_id, api_key_id, model,
         backend, status_class, sum(requests), sum(errors), sum(input_tokens), sum(output_tokens),
         sum(cost_nanos), sum(streamed), sum(cancelled), sum(estimated), usage_hist_sum(latency_hist),
         usage_hist_sum(ttfb_hist)
    FROM usage_rollup_hour GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO usage_org_freshness
  SELECT organization_id, max(occurred_at), max(ingested_at) FROM usage_raw GROUP BY organization_id;

DROP TABLE usage_hourly;
DROP TABLE usage_events;
