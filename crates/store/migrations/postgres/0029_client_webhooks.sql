-- Webhooks (issue 21): a system client may subscribe a URL to the status changes of the
-- dossiers within its jurisdiction; each event is POSTed through the outbox and signed with
-- the client's secret (HMAC-SHA256, see motcua_channels::webhook). The secret is shown to the
-- administrator once, when the URL is set, and kept here to sign with.
ALTER TABLE system_clients ADD COLUMN webhook_url TEXT;
ALTER TABLE system_clients ADD COLUMN webhook_secret TEXT;
