-- The budgets read model (projections/budgets/): one row per budget that exists, for the admin
-- API, the router's key lookup and the threshold worker. `version` is the stream version of the
-- last event applied (the ETag); -1 for an organization's legacy budget (OrganizationBudgetSet),
-- which has no stream of its own yet. Budgets are listed in commit order (`created_position`:
-- the global position of the event that created them), as the other admin lists.
CREATE TABLE rm_budgets (
  budget_id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  api_key_id uuid,
  limit_micros bigint NOT NULL,
  period text NOT NULL,
  enforcement text NOT NULL,
  alert_thresholds double precision[] NOT NULL,
  -- The period of the latest BudgetThresholdCrossed, and the thresholds crossed in it.
  crossed_period text,
  crossed_thresholds double precision[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL,
  position bigint NOT NULL,
  created_position bigint NOT NULL
);
