-- Lists of dossiers that scale (issue 21): the applicant's name folded (marks and case
-- dropped by motcua_domain::text::fold, filled for older rows by Store::migrate) for searching
-- a queue by name, and the order by last change for other systems that keep a copy in step
-- (GET /api/v1/dossiers?updated_since=…, keyset pages over (updated_at, id)).
ALTER TABLE dossiers ADD COLUMN applicant_folded TEXT;
CREATE INDEX dossiers_updated ON dossiers(updated_at, id);
