-- The global position of the user's UserCreated / UserInvited event: the admin list's order.
-- Unlike the uuidv7 id (drawn before the command commits), it follows commit order, which the
-- projector applies gap-free, so a user who becomes visible while a client pages always sorts
-- after every cursor that client holds: the list never misses one (docs/admin-api.md).
ALTER TABLE rm_users ADD COLUMN created_position bigint;

UPDATE rm_users u
   SET created_position = coalesce(
         (SELECT e.global_position FROM events e
           WHERE e.stream = 'user-' || u.user_id::text AND e.stream_version = 0),
         u.position);

ALTER TABLE rm_users ALTER COLUMN created_position SET NOT NULL;

CREATE UNIQUE INDEX rm_users_created_position ON rm_users (created_position);
