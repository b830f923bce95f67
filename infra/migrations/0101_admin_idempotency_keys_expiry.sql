-- Expired idempotency keys are purged a few at a time, oldest first.
CREATE INDEX admin_idempotency_keys_expires_at ON admin_idempotency_keys (expires_at);
