-- A model's routing strategy (docs/routing.md#strategies). Models created before it route by
-- priority, as the router did then; their events carry no strategy and read as `priority`.
ALTER TABLE rm_models ADD COLUMN strategy text NOT NULL DEFAULT 'priority';
