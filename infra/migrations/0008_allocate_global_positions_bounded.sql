-- Replaces 0003: the same allocation, (transaction id << 16) + index, with its limit checked
-- instead of wrapping. A bigint holds it while the 64-bit transaction id is below 2^47
-- (docs/event-store.md gives the arithmetic: centuries at 10k transactions/s); past it PostgreSQL's
-- `<<` would silently drop the high bits and new events would sort before old ones.
CREATE OR REPLACE FUNCTION allocate_global_positions(p_count integer)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  -- Read before pg_current_xact_id() assigns one: no id yet means no event of ours yet, and the
  -- common case (an append in its own transaction) needs no query.
  v_had_xid boolean := pg_current_xact_id_if_assigned() IS NOT NULL;
  v_xid bigint := pg_current_xact_id()::text::bigint;
  v_base bigint;
  -- Positions of this transaction already taken. Counted from v_base rather than as max + 1, so
  -- that no intermediate value passes 2^63 - 1 at the last transaction id.
  v_used bigint := 0;
BEGIN
  IF v_xid >= 140737488355328 THEN -- 2^47
    RAISE EXCEPTION USING
      ERRCODE = 'AE005',
      MESSAGE = format('transaction id %s is past 2^47 - 1, the last one a global position can hold', v_xid),
      DETAIL = json_build_object('transaction_id', v_xid::text, 'limit', '140737488355327')::text;
  END IF;
  v_base := v_xid << 16;
  IF v_had_xid THEN
    SELECT coalesce(max(global_position) - v_base + 1, 0) INTO v_used
      FROM events WHERE global_position BETWEEN v_base AND v_base + 65535;
  END IF;
  IF p_count > 65536 - v_used THEN
    RAISE EXCEPTION USING
      ERRCODE = 'AE003',
      MESSAGE = format('a transaction can append at most 65536 events (asked for %s more)', p_count),
      DETAIL = json_build_object('requested', p_count, 'available', 65536 - v_used)::text;
  END IF;
  RETURN v_base + v_used;
END
$$;
