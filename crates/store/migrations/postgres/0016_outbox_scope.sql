-- Every effect of a dossier decision becomes an outbox row of its kind (national sync, result
-- delivery, …), including kinds whose integration is not built yet: those rows wait and are
-- shown on the administration page. `scope_path` is the organisation subtree the row concerns
-- (the dossier's agency), so each administrator sees the rows of their jurisdiction; NULL for
-- rows that concern no unit (sign-up codes), visible only at the top of the tree.
ALTER TABLE outbox ADD COLUMN scope_path TEXT;
CREATE INDEX outbox_kind_pending ON outbox(kind, done_at);
