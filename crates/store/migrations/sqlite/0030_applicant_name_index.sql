-- Searching a queue by the applicant's name through an index (issue 21): a full-text index
-- over the folded name (external content: the words point back at dossiers.id, nothing is
-- stored twice), kept in step by triggers, so "nguyen van binh" reads the dossiers with those
-- words instead of every dossier of the ward. Phone numbers are searched in the same OR as
-- codes, personal ids and names, and every branch of it needs an index for SQLite to answer
-- the OR from indexes.
CREATE VIRTUAL TABLE dossier_names_fts USING fts5(
    applicant_folded,
    content = 'dossiers',
    content_rowid = 'id',
    tokenize = 'unicode61'
);
INSERT INTO dossier_names_fts (dossier_names_fts) VALUES ('rebuild');

CREATE TRIGGER dossier_names_insert AFTER INSERT ON dossiers
WHEN new.applicant_folded IS NOT NULL BEGIN
    INSERT INTO dossier_names_fts (rowid, applicant_folded) VALUES (new.id, new.applicant_folded);
END;

CREATE TRIGGER dossier_names_delete AFTER DELETE ON dossiers
WHEN old.applicant_folded IS NOT NULL BEGIN
    INSERT INTO dossier_names_fts (dossier_names_fts, rowid, applicant_folded)
    VALUES ('delete', old.id, old.applicant_folded);
END;

CREATE TRIGGER dossier_names_update AFTER UPDATE OF applicant_folded ON dossiers BEGIN
    INSERT INTO dossier_names_fts (dossier_names_fts, rowid, applicant_folded)
    SELECT 'delete', old.id, old.applicant_folded WHERE old.applicant_folded IS NOT NULL;
    INSERT INTO dossier_names_fts (rowid, applicant_folded)
    SELECT new.id, new.applicant_folded WHERE new.applicant_folded IS NOT NULL;
END;

CREATE INDEX dossiers_contact_phone ON dossiers(contact_phone);
