-- Work queues at a million dossiers (measured by `motcua bench`). A queue filters by the
-- agencies of the official's jurisdiction (their ids, looked up in the small org_units table),
-- the status and the step's role, and is ordered by due time; this index answers that filter
-- and the ordering's leading columns, and carries the id so the page of ids is found in the
-- index alone before the wide rows (state, form) are read.
CREATE INDEX dossiers_queue ON dossiers(agency_id, status_code, step_role, due_at, id);
