-- Payments of fees and charges (thanh toán phí, lệ phí): one row per attempt, its amount frozen
-- at creation, a unique merchant reference, and its events. A dossier has at most one open
-- (pending or paid) attempt per purpose (the submission fees, or one financial obligation
-- `obligation:<event seq>`): the database refuses a second, so two racing confirmations
-- cannot both pay. Every callback a gateway sends is logged, verified or not, so forgeries
-- are audited and the reconciliation sees references we never issued.

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    agency_id INTEGER NOT NULL REFERENCES org_units(id),
    agency_path TEXT NOT NULL,
    purpose TEXT NOT NULL,
    method TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL CHECK (amount_vnd >= 0),
    lines TEXT NOT NULL,
    state TEXT NOT NULL,
    payer_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    settled_at INTEGER,
    gateway_transaction TEXT,
    receipt_number TEXT UNIQUE,
    note TEXT NOT NULL DEFAULT '',
    last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX payments_one_open ON payments(dossier_id, purpose) WHERE state IN ('pending', 'paid');
CREATE INDEX payments_dossier ON payments(dossier_id, id);
CREATE INDEX payments_state_created ON payments(state, created_at);
CREATE INDEX payments_agency_created ON payments(agency_path, created_at);

CREATE TABLE payment_events (
    payment_id INTEGER NOT NULL REFERENCES payments(id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (payment_id, seq)
);

CREATE TABLE payment_callbacks (
    id INTEGER PRIMARY KEY,
    gateway TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    reference TEXT,
    amount_vnd INTEGER,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX payment_callbacks_received ON payment_callbacks(received_at);

-- Receipt numbers (số biên lai) per agency and year, gap-free like dossier numbers.
CREATE TABLE receipt_counters (
    agency_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency_code, year)
);
