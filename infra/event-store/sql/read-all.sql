-- Only events of transactions older than every running one (ADR 0002): any event that commits
-- later belongs to a transaction at or above that horizon, hence gets a higher position. The
-- horizon is written as a position bound, (xmin << 16) - 1, not as a transaction_id filter, so
-- the primary key scan stops there instead of reading every newer row behind a long transaction.
-- From xmin 2^47 on, every event is below it (0008 refuses larger transaction ids) and the shift
-- would wrap: no bound. ORDER BY names the column, not the text alias of the same name.
SELECT global_position::text AS global_position, id, stream, stream_version, type, schema_version, data,
       metadata, recorded_at
  FROM events
 WHERE global_position > $1
   AND global_position <= (SELECT CASE WHEN h.xmin < 140737488355328 THEN (h.xmin << 16) - 1
                                       ELSE 9223372036854775807 END
                             FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) AS h)
 ORDER BY events.global_position
 LIMIT $2
