-- Only events of transactions older than every running one (ADR 0002): any event that commits
-- later belongs to a transaction at or above that horizon, hence gets a higher position.
SELECT global_position, id, stream, stream_version, type, schema_version, data, metadata, recorded_at
  FROM events
 WHERE global_position > $1
   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY global_position
 LIMIT $2
