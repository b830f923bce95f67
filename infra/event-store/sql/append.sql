SELECT stream_version, positions::text[] AS positions FROM append_to_stream($1, $2, $3::jsonb)
