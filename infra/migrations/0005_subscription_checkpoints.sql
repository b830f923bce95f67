-- How far each checkpointed subscription (infra/event-store/subscription.ts) has read the log.
-- A projection's writes and its checkpoint update commit in one transaction.
CREATE TABLE subscription_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
