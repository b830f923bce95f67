-- The organization's lifecycle and settings in its read model (projections/organizations/), and
-- `version`, the stream version of its last event: the admin API's ETag. The router reads
-- `status` to refuse every key of a suspended or closed organization.
ALTER TABLE rm_organizations
  ADD COLUMN status text NOT NULL DEFAULT 'active'
    CONSTRAINT rm_organizations_status_check CHECK (status IN ('active', 'suspended', 'closed')),
  ADD COLUMN suspended_reason text,
  ADD COLUMN timezone text NOT NULL DEFAULT 'UTC',
  ADD COLUMN allowed_models text[],
  ADD COLUMN mfa_required boolean NOT NULL DEFAULT false,
  ADD COLUMN version bigint NOT NULL DEFAULT 0;

-- Rows projected before this migration got their version from no event: take it from the log,
-- so the live table equals a rebuild.
UPDATE rm_organizations o
   SET version = e.version
  FROM (SELECT stream, max(stream_version) AS version FROM events GROUP BY stream) e
 WHERE e.stream = 'organization-' || o.organization_id::text;
