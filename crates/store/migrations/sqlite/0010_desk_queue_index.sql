-- The desk's queues (results to return) filter by the receiving desk's id, like the other
-- queues filter by the processing agency's id (0008); this index answers them and their
-- ordering by due time. The path index from 0009 is no longer used by any query.
DROP INDEX dossiers_desk_status;
CREATE INDEX dossiers_desk_queue ON dossiers(desk_id, status_code, due_at, id);
