-- A list of an organization's budgets, and the router's key lookup (the organization's budgets
-- and the key's), read in commit order.
CREATE INDEX rm_budgets_by_organization ON rm_budgets (organization_id, created_position);
