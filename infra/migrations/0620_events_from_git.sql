-- The streams git manages: those with an event whose metadata says source "git" (the reconciler,
-- docs/tenants-as-code.md). Every plan reads them, so a partial index keeps that from scanning the
-- whole log; it holds only the reconciler's events.
CREATE INDEX events_from_git ON events (stream) WHERE metadata ->> 'source' = 'git';
