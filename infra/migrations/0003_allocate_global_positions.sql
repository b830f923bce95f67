-- Superseded by 0008 (the limit at transaction id 2^47 is checked); kept as applied.
-- First global position for p_count new events of the current transaction (ADR 0002): positions
-- are (transaction id << 16) + index, so they follow transaction order with no lock or sequence.
-- Appends in one transaction continue after the ones it already made.
CREATE FUNCTION allocate_global_positions(p_count integer)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  -- Read before pg_current_xact_id() assigns one: no id yet means no event of ours yet, and the
  -- common case (an append in its own transaction) needs no query.
  v_had_xid boolean := pg_current_xact_id_if_assigned() IS NOT NULL;
  v_base bigint := (pg_current_xact_id()::text::bigint) << 16;
  v_next bigint := v_base;
BEGIN
  IF v_had_xid THEN
    SELECT coalesce(max(global_position) + 1, v_base) INTO v_next
      FROM events WHERE global_position >= v_base AND global_position < v_base + 65536;
  END IF;
  IF v_next + p_count > v_base + 65536 THEN
    RAISE EXCEPTION USING
      ERRCODE = 'AE003',
      MESSAGE = format('a transaction can append at most 65536 events (asked for %s more)', p_count),
      DETAIL = json_build_object('requested', p_count, 'available', v_base + 65536 - v_next)::text;
  END IF;
  RETURN v_next;
END
$$;
