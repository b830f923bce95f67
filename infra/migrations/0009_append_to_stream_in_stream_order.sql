-- Replaces 0004. Two changes: each event records its place in the batch (0006), and an append
-- never gives a stream's next event a lower global position than the stream's last one.
--
-- Positions come from the writer's transaction id (0008), which a caller's transaction may have
-- taken long before it got the stream's lock: a newer transaction can have appended to the stream
-- and committed meanwhile. That append is refused (STREAM_ORDER_CONFLICT) rather than stored out
-- of order; retried in a new transaction, it gets a newer id and succeeds. An append in its own
-- transaction takes its id after the lock, so it never meets this.
CREATE OR REPLACE FUNCTION append_to_stream(
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
  v_stream_last bigint;
  v_log_max bigint;
  v_xmax bigint;
  v_first bigint;
BEGIN
  -- Appends to one stream queue here until the holder commits, so the version read by the next
  -- statement (a new snapshot) stays true; appends to other streams do not wait. The two-key form
  -- keeps these locks apart from single-key (bigint) advisory locks; a hash collision only makes
  -- two streams queue.
  PERFORM pg_advisory_xact_lock(hashtext('aiaas.event_store.stream'), hashtext(p_stream));
  SELECT coalesce(last.stream_version, -1), last.global_position,
         (SELECT max(e.global_position) FROM events e),
         pg_snapshot_xmax(pg_current_snapshot())::text::bigint
    INTO v_current, v_stream_last, v_log_max, v_xmax
    FROM (SELECT NULL) AS one
    LEFT JOIN LATERAL (SELECT e.stream_version, e.global_position FROM events e
                        WHERE e.stream = p_stream ORDER BY e.stream_version DESC LIMIT 1) AS last ON true;
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
  IF v_stream_last >= v_first THEN
    RAISE EXCEPTION USING
      ERRCODE = 'AE006',
      MESSAGE = format('stream %s was appended to by a newer transaction (position %s) than this one (position %s);'
                       ' retry the append in a new transaction', p_stream, v_stream_last, v_first),
      DETAIL = json_build_object('stream', p_stream, 'stream_position', v_stream_last::text,
                                 'transaction_position', v_first::text, 'retryable', true)::text;
  END IF;
  -- Sums are grouped so that none passes 2^63 - 1 at the last position (0008).
  INSERT INTO events (global_position, id, stream, stream_version, type, schema_version, data, metadata,
                      transaction_id, recorded_at, batch_index, batch_size)
  SELECT v_first + (b.ord - 1), (b.event->>'id')::uuid, p_stream, v_current + b.ord, b.event->>'type',
         (b.event->>'schema_version')::integer, b.event->'data', b.event->'metadata', pg_current_xact_id(), now(),
         b.ord - 1, v_count
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS b(event, ord);
  -- The single event, the common case, without running a query.
  IF v_count = 1 THEN
    positions := ARRAY[v_first];
  ELSE
    positions := ARRAY(SELECT generate_series(v_first, v_first + (v_count - 1)));
  END IF;
END
$$;
