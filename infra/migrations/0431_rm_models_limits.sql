-- A catalogue model's per-minute limits across every organization (docs/events.md, ModelCreated).
-- Models whose events predate them have none (null).
ALTER TABLE rm_models ADD COLUMN rpm_limit bigint;
ALTER TABLE rm_models ADD COLUMN tpm_limit bigint;
