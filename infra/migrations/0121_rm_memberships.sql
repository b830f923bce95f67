-- Read model: a user's roles in one organization (projections/users/users.ts). Roles are kept in
-- the canonical order of domain/users/user.ts ORGANIZATION_ROLES.
CREATE TABLE rm_memberships (
  organization_id uuid NOT NULL,
  user_id uuid NOT NULL,
  roles text[] NOT NULL,
  position bigint NOT NULL,
  PRIMARY KEY (organization_id, user_id)
);

CREATE INDEX rm_memberships_user ON rm_memberships (user_id);
