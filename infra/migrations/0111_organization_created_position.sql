-- The global position of the organization's OrganizationCreated event: the admin list's order.
-- Unlike the uuidv7 id (drawn before the command commits), it follows commit order, which the
-- projector applies gap-free, so an organization that becomes visible while a client pages always
-- sorts after every cursor that client holds: the list never misses one (docs/admin-api.md).
ALTER TABLE rm_organizations ADD COLUMN created_position bigint;

UPDATE rm_organizations o
   SET created_position = coalesce(
         (SELECT e.global_position FROM events e
           WHERE e.stream = 'organization-' || o.organization_id::text AND e.stream_version = 0),
         o.position);

ALTER TABLE rm_organizations ALTER COLUMN created_position SET NOT NULL;

CREATE UNIQUE INDEX rm_organizations_created_position ON rm_organizations (created_position);
