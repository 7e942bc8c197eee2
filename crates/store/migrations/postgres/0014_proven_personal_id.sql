-- Whose personal identification number is proven. A password sign-up only *claims* a number;
-- it is proven by the national identity provider (OpenID Connect) or by an official who saw
-- the ID card at the counter (audited). Dossiers registered at the counter for a number are
-- linked only to the account that proved it.
ALTER TABLE citizens ADD COLUMN id_proven_at BIGINT;
-- 'oidc' or 'id_card'.
ALTER TABLE citizens ADD COLUMN id_proven_by TEXT;
-- Accounts opened through the provider never had a password: their number came from it.
UPDATE citizens SET id_proven_at = COALESCE(verified_at, created_at), id_proven_by = 'oidc'
    WHERE password_hash = '!oidc';
-- Counter dossiers that an unproven account was given are taken back; they are linked again
-- when the number is proven.
UPDATE dossiers SET citizen_id = NULL
    WHERE channel = 'counter' AND citizen_id IN (SELECT id FROM citizens WHERE id_proven_at IS NULL);
CREATE INDEX dossiers_applicant_personal_id ON dossiers(applicant_personal_id);
