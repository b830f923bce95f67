-- The sweep deletes expired entries a batch at a time, oldest first.
CREATE INDEX oidc_entries_expires_at ON oidc_entries (expires_at);
