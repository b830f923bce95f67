-- The global position of the key's ApiKeyIssued event: the admin list's order. Unlike the uuidv7
-- id (drawn before the command commits), it follows commit order, which the projector applies
-- gap-free, so a key that becomes visible while a client pages always sorts after every cursor
-- that client holds: the list never misses one (docs/admin-api.md).
ALTER TABLE rm_api_keys ADD COLUMN created_position bigint;

UPDATE rm_api_keys k
   SET created_position = coalesce(
         (SELECT e.global_position FROM events e
           WHERE e.stream = 'api_key-' || k.api_key_id::text AND e.stream_version = 0),
         k.position);

ALTER TABLE rm_api_keys ALTER COLUMN created_position SET NOT NULL;

CREATE UNIQUE INDEX rm_api_keys_created_position ON rm_api_keys (organization_id, created_position);
