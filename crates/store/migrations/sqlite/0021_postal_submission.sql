-- Dossiers sent by post (nộp hồ sơ qua bưu chính công ích) and the delivery log's channel.
--
-- `dossiers.contact_phone` is the number the applicant gave for the postman (who calls before
-- collecting the papers or bringing the result); without it the account's phone or a phone
-- typed in the form is used.
--
-- A result parcel goes from the desk, so its sender is the desk and was never stored; a
-- dossier collected at the applicant's home goes from the applicant (their name and the pickup
-- address) to the desk. `sender_name`/`sender_address` are NULL for the desk.
--
-- Messages written before 0019 name their channel only inside the payload: the delivery log
-- filters on the column, so those rows get it here (e-mail unless the payload says SMS).

ALTER TABLE dossiers ADD COLUMN contact_phone TEXT;
ALTER TABLE shipments ADD COLUMN sender_name TEXT;
ALTER TABLE shipments ADD COLUMN sender_address TEXT;

UPDATE outbox SET channel = CASE WHEN payload LIKE '%"channel":"sms"%' THEN 'sms' ELSE 'email' END
WHERE kind = 'notify' AND channel IS NULL;
