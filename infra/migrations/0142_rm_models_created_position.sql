-- Models are listed in commit order: the global position of their ModelCreated event, which the
-- projector applies without gaps, so a model created while a client pages always comes on a later
-- page. Rows from before this column take their last event's position; a rebuild makes it exact.
ALTER TABLE rm_models ADD COLUMN created_position bigint;
UPDATE rm_models SET created_position = position;
ALTER TABLE rm_models ALTER COLUMN created_position SET NOT NULL;
CREATE UNIQUE INDEX rm_models_created_position ON rm_models (created_position);
