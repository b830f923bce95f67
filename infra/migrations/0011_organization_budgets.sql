-- The organization's monthly budget in USD (null: none), from OrganizationBudgetSet.
ALTER TABLE rm_organizations ADD COLUMN monthly_limit_usd numeric(20, 9);
