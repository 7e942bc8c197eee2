-- Đồng bộ hồ sơ lên Cổng DVCQG (issue 19): what the national portal has acknowledged of each
-- dossier. A dossier's steps are its events from submission or registration on; the portal has
-- every step up to `acked_seq` (0: it does not know the dossier yet). The sync worker sends
-- the steps after it, in order, and raises it after each acknowledgement, so a step is sent
-- once, and again only when an acknowledgement was lost.
CREATE TABLE national_sync (
    dossier_id INTEGER PRIMARY KEY,
    dossier_code TEXT NOT NULL,
    scope_path TEXT NOT NULL,
    acked_seq INTEGER NOT NULL DEFAULT 0,
    acked_status INTEGER,
    acked_at INTEGER,
    -- Requests the portal answered for this dossier (adds, updates, history lines).
    requests INTEGER NOT NULL DEFAULT 0,
    -- The last failure (the portal's refusal or why it could not be reached), cleared by the
    -- next acknowledgement.
    last_error TEXT,
    failed_at INTEGER,
    -- While a worker sends this dossier's steps (a lease, so a worker that dies frees it): the
    -- rows of one dossier claimed by two workers (two nodes) must not send its steps twice or
    -- out of order.
    sending_until INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX national_sync_failing ON national_sync(scope_path) WHERE last_error IS NOT NULL;
