-- The audit export's time range (recorded_at) without a scan of the log before it (docs/audit.md).
CREATE INDEX events_by_recorded_at ON events (recorded_at, global_position);
