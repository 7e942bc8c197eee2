-- Outbox rows that carry a secret (a one-time code): what the payload becomes once the row is
-- done, and the time after which the secret is worthless, so it is dropped rather than sent
-- late. The clear text therefore lives only until delivery or expiry.
ALTER TABLE outbox ADD COLUMN redacted_payload TEXT;
ALTER TABLE outbox ADD COLUMN discard_after INTEGER;
-- A TOTP secret being enrolled to replace the one in force: the old one keeps working until
-- the official proves the new one, so restarting enrolment never turns two-factor off.
ALTER TABLE officials ADD COLUMN totp_pending_secret TEXT;
