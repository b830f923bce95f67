-- The event log (docs/event-store.md). Written only through append_to_stream (0004, now 0009).
-- 0006 adds batch_index and batch_size.
--
-- global_position is (writer's transaction id << 16) + the event's index in that transaction, so
-- the global order is transaction order; readers only read below the oldest running transaction
-- (pg_snapshot_xmin), which makes the order gap-free without a global lock (ADR 0002).
CREATE TABLE events (
  global_position bigint PRIMARY KEY,
  id uuid NOT NULL,
  stream text NOT NULL,
  stream_version bigint NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  transaction_id xid8 NOT NULL,
  recorded_at timestamptz NOT NULL,
  CONSTRAINT events_id_key UNIQUE (id),
  CONSTRAINT events_stream_version_key UNIQUE (stream, stream_version),
  CONSTRAINT events_stream_version_check CHECK (stream_version >= 0),
  CONSTRAINT events_schema_version_check CHECK (schema_version >= 1),
  CONSTRAINT events_position_from_transaction CHECK (global_position >> 16 = transaction_id::text::bigint)
);
