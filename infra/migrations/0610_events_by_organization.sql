-- The events of one organization, in log order: the audit export of an organization's auditor and
-- the state-at-time fold read them by data.organization_id (docs/audit.md) page by page, without
-- scanning the log. Every event of an organization's aggregates (organization, API key, budget,
-- service account) and its membership events on user streams carry it.
CREATE INDEX events_by_organization ON events ((data ->> 'organization_id'), global_position);
