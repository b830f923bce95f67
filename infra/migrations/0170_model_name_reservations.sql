-- Model names and aliases are one namespace: a name or an alias belongs to at most one model
-- (docs/adr/0009-email-reservation.md, "Model names and aliases"). Written by the model commands
-- before they append, not by a projection, so a rebuild of the read models leaves it alone.
-- `model` is the holder's name (its stream is model-<name>); a model holds its own name too, so
-- another model's alias can never equal it. Compared exactly, as the router matches names.
CREATE TABLE model_name_reservations (
  name text PRIMARY KEY,
  model text NOT NULL,
  claimed_at timestamptz NOT NULL
);
