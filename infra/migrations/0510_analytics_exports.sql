-- CSV export jobs (issue 10, docs/analytics.md "Exports"). A job is queued by the API and run by
-- any export worker: a worker claims a queued job, or a running one whose lease has lapsed (its
-- worker crashed or stopped), with FOR UPDATE SKIP LOCKED, and renews lease_until while it writes.
-- A reclaimed job is redone from the start: the object only becomes visible when complete.
CREATE TABLE analytics_exports (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  requested_by text NOT NULL,
  params jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  rows_written bigint NOT NULL DEFAULT 0,
  bytes_written bigint NOT NULL DEFAULT 0,
  object_key text,
  error text,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  lease_until timestamptz,
  lease_owner text
);

-- The organization's jobs, newest first (GET /analytics/v1/exports).
CREATE INDEX analytics_exports_by_organization ON analytics_exports (organization_id, created_at DESC, id DESC);
-- The jobs a worker may claim.
CREATE INDEX analytics_exports_claimable ON analytics_exports (created_at) WHERE status IN ('queued', 'running');
