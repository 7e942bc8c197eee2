-- A dossier's result signed with its agency's seal at the "sign" step (ký số kết quả): the
-- signed file is a new upload linked as a result that names the unsigned link it replaces.
-- The unsigned link stays (nothing is updated in place) and the officials still see it; the
-- applicant is given only the signed file.
ALTER TABLE dossier_attachments ADD COLUMN signed_from INTEGER REFERENCES dossier_attachments(id);
CREATE INDEX dossier_attachments_signed_from ON dossier_attachments(signed_from);
