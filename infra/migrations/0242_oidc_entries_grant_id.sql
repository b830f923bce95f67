-- revokeByGrantId: every entry of one grant (the grant models only carry grant_id).
CREATE INDEX oidc_entries_grant_id ON oidc_entries (grant_id) WHERE grant_id IS NOT NULL;
