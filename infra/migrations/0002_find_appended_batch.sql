-- Superseded by 0007 (a retry must be the whole batch); kept as applied, comments only change.
-- Idempotent retries: when some of a batch's event ids are already stored, returns the stream
-- version and positions the batch got the first time, if it is the same batch: the same ids with
-- the same stream, type, schema version and data, in the same order. Anything else (other content,
-- another stream, only some of the ids) raises IDEMPOTENCY_CONFLICT, so a retry never writes half
-- a batch. Metadata is not compared: a retry may carry a new correlation id.
CREATE FUNCTION find_appended_batch(
  p_stream text,
  p_events jsonb,
  OUT stream_version bigint,
  OUT positions bigint[]
)
LANGUAGE plpgsql AS $$
DECLARE
  v_found integer;
  v_same integer;
  v_offsets integer;
  v_stored text;
BEGIN
  SELECT count(*),
         count(*) FILTER (WHERE e.stream = p_stream AND e.type = b.event->>'type'
                            AND e.schema_version = (b.event->>'schema_version')::integer
                            AND e.data = b.event->'data'),
         count(DISTINCT e.stream_version - b.ord),
         string_agg(e.id::text, ',' ORDER BY b.ord),
         max(e.stream_version),
         array_agg(e.global_position ORDER BY b.ord)
    INTO v_found, v_same, v_offsets, v_stored, stream_version, positions
    FROM jsonb_array_elements(p_events) WITH ORDINALITY AS b(event, ord)
    JOIN events e ON e.id = (b.event->>'id')::uuid;
  IF v_found < jsonb_array_length(p_events) OR v_same < v_found OR v_offsets > 1 THEN
    RAISE EXCEPTION USING
      ERRCODE = 'AE002',
      MESSAGE = format('events %s are already stored with other content or in another batch', v_stored),
      DETAIL = json_build_object('stream', p_stream, 'event_ids', string_to_array(v_stored, ','))::text;
  END IF;
END
$$;
