-- An organization's per-minute limits across its keys, what the router does when the spend ledger
-- cannot answer, and where its budget alerts go (docs/events.md, OrganizationSettingsChanged).
-- Organizations whose events predate them read as no limits, fail closed, no webhook.
ALTER TABLE rm_organizations ADD COLUMN rpm_limit bigint;
ALTER TABLE rm_organizations ADD COLUMN tpm_limit bigint;
ALTER TABLE rm_organizations ADD COLUMN limits_fail_open boolean NOT NULL DEFAULT false;
ALTER TABLE rm_organizations ADD COLUMN budget_alert_webhook_url text;
