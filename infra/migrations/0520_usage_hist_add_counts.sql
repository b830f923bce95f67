-- Measured (docs/benchmarks.md, "Analytics"): ingest's rollup upserts spent most of their time in
-- usage_hist_add, which walks every bucket of both histograms (~115 for the benchmark's latencies)
-- for each rollup row a batch adds to, although a batch adds a few events to a row: a handful of
-- non-zero buckets. usage_hist_add_counts adds only those, given as (slot, count) pairs in
-- ascending slot order (slot = 1-based array index = bucketOf + 1); the result is the same array
-- as usage_hist_add of the dense form (a test compares them): lower bound 1, no trailing zeros
-- (a positive count never makes one).
CREATE FUNCTION usage_hist_add_counts(hist bigint[], slots integer[], counts bigint[]) RETURNS bigint[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  n integer := coalesce(cardinality(slots), 0);
  top integer;
BEGIN
  hist := coalesce(hist, '{}');
  IF n = 0 THEN
    RETURN hist;
  END IF;
  top := slots[n];
  IF cardinality(hist) < top THEN
    hist := hist || array_fill(0::bigint, ARRAY[top - cardinality(hist)]);
  END IF;
  FOR i IN 1..n LOOP
    hist[slots[i]] := hist[slots[i]] + counts[i];
  END LOOP;
  RETURN hist;
END
$$;
