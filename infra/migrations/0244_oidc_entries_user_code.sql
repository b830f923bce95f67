-- findByUserCode: a device code by its user code, within its model.
CREATE INDEX oidc_entries_user_code ON oidc_entries (model, user_code) WHERE user_code IS NOT NULL;
