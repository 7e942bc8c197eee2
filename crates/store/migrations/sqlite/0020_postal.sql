-- Postal channel (bưu chính công ích, QĐ 45/2016/QĐ-TTg): results returned by post.
--
-- `dossiers.result_posted_at` mirrors the state's posting time (unix microseconds) while the
-- parcel travels and after delivery, so the desk's lists can tell a result in the post from one
-- waiting at the counter.
--
-- A shipment is one parcel ordered from the operator. It is stored before the operator is
-- asked (status `ordering`), under a reference unique per order, so an order repeated after a
-- lost reply is the same order; one shipment per posting of the result (`posting_seq`, the
-- dossier event that handed it over). `status` is the operator's latest known status by its own
-- event time (`last_event_at`); `checked_at` is when we last heard from or asked the operator
-- (the tracking pull looks for parcels silent too long).
--
-- Every tracking event the operator sent us (a signed callback) or that we pulled (a signed
-- request) is kept once per shipment and operator event id: a repeated callback is a no-op.
-- Callbacks that do not verify are never stored here (they go to the audit log).

ALTER TABLE dossiers ADD COLUMN result_posted_at INTEGER;

CREATE TABLE shipments (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    agency_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    posting_seq INTEGER NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    tracking_number TEXT UNIQUE,
    status TEXT NOT NULL,
    fee_vnd INTEGER CHECK (fee_vnd >= 0),
    receiver_name TEXT NOT NULL,
    receiver_address TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    last_event_at INTEGER,
    UNIQUE (dossier_id, kind, posting_seq)
);
CREATE INDEX shipments_dossier ON shipments(dossier_id, id);
CREATE INDEX shipments_status_checked ON shipments(status, checked_at);

CREATE TABLE shipment_events (
    id INTEGER PRIMARY KEY,
    shipment_id INTEGER NOT NULL REFERENCES shipments(id),
    event_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at INTEGER NOT NULL,
    note TEXT,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    UNIQUE (shipment_id, event_id)
);
