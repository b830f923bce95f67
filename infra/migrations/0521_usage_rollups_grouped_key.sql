-- Measured (docs/benchmarks.md, "Analytics"): GET /usage groups rollup rows by bucket and then
-- model, key, backend (rollup-groups.ts), but each rollup had two indexes in another order — the
-- primary key (organization, bucket, key, model, …) and 0501's covering (organization, bucket)
-- INCLUDE (…) — so every page hashed or sorted all the organization's rows of the range before
-- its LIMIT. One primary key in the grouping order, covering the usage measures, serves both:
-- pages are read in order (no sort; a page stops at its LIMIT, its keyset cursor an index bound),
-- ingest's upsert finds its row by it, and each rollup row write maintains one index, not two.
-- ON CONFLICT names the key's columns, whose order it does not depend on.
ALTER TABLE usage_rollup_minute DROP CONSTRAINT usage_rollup_minute_pkey,
  ADD PRIMARY KEY (organization_id, bucket, model, api_key_id, backend, status_class)
  INCLUDE (requests, errors, input_tokens, output_tokens, cost_nanos);
DROP INDEX usage_rollup_minute_usage;
ALTER TABLE usage_rollup_hour DROP CONSTRAINT usage_rollup_hour_pkey,
  ADD PRIMARY KEY (organization_id, bucket, model, api_key_id, backend, status_class)
  INCLUDE (requests, errors, input_tokens, output_tokens, cost_nanos);
DROP INDEX usage_rollup_hour_usage;
ALTER TABLE usage_rollup_day DROP CONSTRAINT usage_rollup_day_pkey,
  ADD PRIMARY KEY (organization_id, bucket, model, api_key_id, backend, status_class)
  INCLUDE (requests, errors, input_tokens, output_tokens, cost_nanos);
DROP INDEX usage_rollup_day_usage;
