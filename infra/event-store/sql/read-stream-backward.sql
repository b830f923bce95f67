SELECT global_position::text AS global_position, id, stream, stream_version, type, schema_version, data, metadata, recorded_at
  FROM events
 WHERE stream = $1 AND stream_version <= $2
 ORDER BY stream_version DESC
 LIMIT $3
