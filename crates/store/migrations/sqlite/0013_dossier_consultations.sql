-- Xin ý kiến: which agency a dossier was sent for an opinion. Officials of that agency may read
-- the dossier (not act on it) so that they can answer; the question itself is in the event.

CREATE TABLE dossier_consultations (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    unit_path TEXT NOT NULL,
    asked_at INTEGER NOT NULL
);
CREATE INDEX dossier_consultations_dossier ON dossier_consultations(dossier_id);
