-- Exemptions from fees (miễn, giảm phí, lệ phí): the applicant declares a category the
-- procedure's fees name, the desk confirms it after checking the papers (or rejects it). One
-- open (declared or confirmed) claim per dossier and purpose.
CREATE TABLE fee_exemptions (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    purpose TEXT NOT NULL,
    category TEXT NOT NULL,
    note TEXT NOT NULL,
    state TEXT NOT NULL,
    declared_at INTEGER NOT NULL,
    declared_by TEXT NOT NULL,
    decided_at INTEGER,
    decided_by TEXT,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX fee_exemptions_one_open ON fee_exemptions(dossier_id, purpose) WHERE state IN ('declared', 'confirmed');
CREATE INDEX fee_exemptions_dossier ON fee_exemptions(dossier_id, id);
