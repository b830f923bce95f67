-- Each event's place in the append that wrote it: a retry must repeat the whole batch, not a
-- prefix or a part of it (find_appended_batch, 0007).
ALTER TABLE events ADD COLUMN batch_index integer, ADD COLUMN batch_size integer;

-- Events stored before this migration: one append is one transaction's events of one stream, so
-- each (transaction, stream) group becomes one batch. A transaction that made two appends to one
-- stream merges them here; a retry of either is then refused (IDEMPOTENCY_CONFLICT), never
-- accepted wrongly. Conservative, and only for rows written before this migration.
UPDATE events e
   SET batch_index = b.batch_index, batch_size = b.batch_size
  FROM (SELECT global_position,
               (row_number() OVER (PARTITION BY transaction_id, stream ORDER BY global_position) - 1)::integer
                 AS batch_index,
               (count(*) OVER (PARTITION BY transaction_id, stream))::integer AS batch_size
          FROM events) b
 WHERE e.global_position = b.global_position;

ALTER TABLE events
  ALTER COLUMN batch_index SET NOT NULL,
  ALTER COLUMN batch_size SET NOT NULL,
  ADD CONSTRAINT events_batch_index_check CHECK (batch_index >= 0 AND batch_index < batch_size);
