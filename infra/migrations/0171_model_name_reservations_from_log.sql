-- Claims for the models that exist before 0170, from the log itself (not rm_models, which may lag
-- behind it): each model stream's last event, when it is a create or an update, holds its name
-- and aliases. Where two existing models already share a name, the one whose stream sorts first
-- keeps it; a later change of the other is refused (MODEL_NAME_TAKEN) until its aliases drop it.
INSERT INTO model_name_reservations (name, model, claimed_at)
SELECT taken.name, last.data->>'name', last.recorded_at
  FROM (SELECT DISTINCT ON (stream) stream, type, data, recorded_at
          FROM events WHERE stream LIKE 'model-%'
         ORDER BY stream, stream_version DESC) AS last
 CROSS JOIN LATERAL (SELECT last.data->>'name' AS name
                     UNION SELECT jsonb_array_elements_text(last.data->'aliases')) AS taken
 WHERE last.type IN ('ModelCreated', 'ModelUpdated')
 ORDER BY last.stream
ON CONFLICT (name) DO NOTHING;
