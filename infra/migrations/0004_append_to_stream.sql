-- Superseded by 0009 (batch columns, per-stream order check); kept as applied.
-- The only writer of the event log (message-db style): checks the expected version and raises a
-- precise error. p_expected NULL means 'any', -1 means the stream must not exist. Returns the
-- stream's version after the append and the events' global positions. One round trip, and three
-- statements on the common path (lock, read, insert): see docs/benchmarks.md for what each costs.
CREATE FUNCTION append_to_stream(
  p_stream text,
  p_expected bigint,
  p_events jsonb,
  OUT stream_version bigint,
  OUT positions bigint[]
)
LANGUAGE plpgsql
-- Every lookup here is one index probe, whatever the log's size. PL/pgSQL caches its plans per
-- session: one planned while the log was nearly empty keeps its sequential scan, nested calls
-- included, until the next ANALYZE, by then a scan of the whole log per append.
SET enable_seqscan = off
AS $$
DECLARE
  v_count integer := jsonb_array_length(p_events);
  v_current bigint;
  v_log_max bigint;
  v_xmax bigint;
  v_first bigint;
BEGIN
  -- Appends to one stream queue here until the holder commits, so the version read by the next
  -- statement (a new snapshot) stays true; appends to other streams do not wait. The two-key form
  -- keeps these locks apart from single-key (bigint) advisory locks; a hash collision only makes
  -- two streams queue.
  PERFORM pg_advisory_xact_lock(hashtext('aiaas.event_store.stream'), hashtext(p_stream));
  SELECT coalesce((SELECT max(e.stream_version) FROM events e WHERE e.stream = p_stream), -1),
         (SELECT max(e.global_position) FROM events e),
         pg_snapshot_xmax(pg_current_snapshot())::text::bigint
    INTO v_current, v_log_max, v_xmax;
  -- A retry, answered from what the first attempt stored whatever the stream's version is now.
  -- With an expected version that still holds, the batch cannot be stored yet (its versions would
  -- be at or below it), so only 'any' and a mismatch pay for looking the ids up.
  IF p_expected IS NULL OR p_expected <> v_current THEN
    IF EXISTS (SELECT FROM jsonb_array_elements(p_events) AS x JOIN events e ON e.id = (x->>'id')::uuid) THEN
      SELECT * INTO stream_version, positions FROM find_appended_batch(p_stream, p_events);
      RETURN;
    END IF;
    IF p_expected IS NOT NULL THEN
      RAISE EXCEPTION USING
        ERRCODE = 'AE001',
        MESSAGE = format('stream %s is at version %s, expected %s', p_stream, v_current, p_expected),
        DETAIL = json_build_object('stream', p_stream, 'expected', p_expected, 'actual', v_current)::text;
    END IF;
  END IF;
  stream_version := v_current + v_count;
  IF v_count = 0 THEN
    positions := ARRAY[]::bigint[];
    RETURN;
  END IF;
  v_first := allocate_global_positions(v_count);
  -- Committed events can only come from transaction ids below this snapshot's xmax. One above it
  -- means the log was restored into another cluster (pg_dump): new positions would sort first.
  IF (v_log_max >> 16) > (v_first >> 16) AND (v_log_max >> 16) >= v_xmax THEN
    RAISE EXCEPTION USING
      ERRCODE = 'AE004',
      MESSAGE = 'the event log holds transaction ids ahead of this cluster; see docs/event-store.md',
      DETAIL = json_build_object('log_transaction_id', v_log_max >> 16, 'cluster_next_transaction_id', v_xmax)::text;
  END IF;
  INSERT INTO events (global_position, id, stream, stream_version, type, schema_version, data, metadata,
                      transaction_id, recorded_at)
  SELECT v_first + b.ord - 1, (b.event->>'id')::uuid, p_stream, v_current + b.ord, b.event->>'type',
         (b.event->>'schema_version')::integer, b.event->'data', b.event->'metadata', pg_current_xact_id(), now()
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS b(event, ord);
  -- The single event, the common case, without running a query.
  IF v_count = 1 THEN
    positions := ARRAY[v_first];
  ELSE
    positions := ARRAY(SELECT generate_series(v_first, v_first + v_count - 1));
  END IF;
END
$$;
