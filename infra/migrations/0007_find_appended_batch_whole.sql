-- Replaces 0002: a retry must be the WHOLE batch the ids were first appended with. Returns the
-- stream version and positions that batch got if the events given are that batch: the same ids,
-- as many, in the same order, with the same stream, type, schema version and data. Anything else
-- (other content, another stream, only some of the ids, a prefix, more events) raises
-- IDEMPOTENCY_CONFLICT, so a retry never writes part of a batch. Metadata is not compared: a retry
-- may carry a new correlation id.
CREATE OR REPLACE FUNCTION find_appended_batch(
  p_stream text,
  p_events jsonb,
  OUT stream_version bigint,
  OUT positions bigint[]
)
LANGUAGE plpgsql AS $$
DECLARE
  v_count integer := jsonb_array_length(p_events);
  v_found integer;
  v_same integer;
  v_offsets integer;
  v_stored text;
BEGIN
  -- Same place in the same batch: batch_index is the event's index in the request, batch_size the
  -- request's length. With consecutive stream versions (one offset), the rows are that batch.
  SELECT count(*),
         count(*) FILTER (WHERE e.stream = p_stream AND e.type = b.event->>'type'
                            AND e.schema_version = (b.event->>'schema_version')::integer
                            AND e.data = b.event->'data'
                            AND e.batch_index = b.ord - 1 AND e.batch_size = v_count),
         count(DISTINCT e.stream_version - b.ord),
         string_agg(e.id::text, ',' ORDER BY b.ord),
         max(e.stream_version),
         array_agg(e.global_position ORDER BY b.ord)
    INTO v_found, v_same, v_offsets, v_stored, stream_version, positions
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS b(event, ord)
    JOIN events e ON e.id = (b.event->>'id')::uuid;
  IF v_found < v_count OR v_same < v_found OR v_offsets > 1 THEN
    RAISE EXCEPTION USING
      ERRCODE = 'AE002',
      MESSAGE = format('events %s are already stored with other content or in another batch', v_stored),
      DETAIL = json_build_object('stream', p_stream, 'event_ids', string_to_array(v_stored, ','))::text;
  END IF;
END
$$;
