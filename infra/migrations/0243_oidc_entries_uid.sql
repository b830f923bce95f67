-- findByUid: a session by its uid, within its model.
CREATE INDEX oidc_entries_uid ON oidc_entries (model, uid) WHERE uid IS NOT NULL;
