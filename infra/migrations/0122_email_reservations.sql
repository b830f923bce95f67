-- The one cross-stream rule: an email belongs to at most one user, case-insensitively
-- (docs/adr/0009-email-reservation.md). Written by the create-user command before it appends, not by
-- a projection, so a rebuild of the read models leaves it alone. `email_key` is the email
-- lower-cased by the application (domain/users/email.ts): PostgreSQL's lower() depends on the
-- database's collation, and PGlite and a production server may not agree on it.
CREATE TABLE email_reservations (
  email_key text PRIMARY KEY,
  user_id uuid NOT NULL UNIQUE,
  claimed_at timestamptz NOT NULL
);
