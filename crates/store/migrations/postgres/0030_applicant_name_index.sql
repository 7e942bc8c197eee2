-- Searching a queue by the applicant's name through an index (issue 21): a GIN index over the
-- words of the folded name (the 'simple' configuration: no stemming, no stop words), so
-- "nguyen van binh" reads the dossiers with those words instead of every dossier of the ward.
-- Phone numbers are searched in the same OR as codes, personal ids and names, and every branch
-- of it needs an index for a bitmap OR.
CREATE INDEX dossiers_applicant_fts ON dossiers
    USING gin (to_tsvector('simple', applicant_folded));
CREATE INDEX dossiers_contact_phone ON dossiers(contact_phone);
