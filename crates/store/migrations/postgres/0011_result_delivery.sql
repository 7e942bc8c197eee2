-- Hình thức nhận kết quả: how the applicant chose to receive the result (counter, post with an
-- address, online), chosen when submitting or saving a draft. Existing dossiers were all
-- returned at the counter.
ALTER TABLE dossiers ADD COLUMN delivery_method TEXT NOT NULL DEFAULT 'counter';
ALTER TABLE dossiers ADD COLUMN delivery_address TEXT;
