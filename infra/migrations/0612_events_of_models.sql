-- The model catalogue's events only (a few among many): the state-at-time fold replays the
-- catalogue as it was (docs/audit.md) from this partial index instead of a scan of the log. The
-- query names the same predicate, `stream LIKE 'model-%'`, so the planner can use it.
CREATE INDEX events_of_models ON events (global_position) WHERE stream LIKE 'model-%';
