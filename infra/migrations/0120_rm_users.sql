-- Read model: one row per user (projections/users/users.ts), from the user stream's events.
-- `version` is the user stream's version (the ETag); `position` the last global position applied.
CREATE TABLE rm_users (
  user_id uuid PRIMARY KEY,
  email text NOT NULL,
  display_name text NOT NULL,
  status text NOT NULL,
  platform_admin boolean NOT NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL,
  position bigint NOT NULL
);
