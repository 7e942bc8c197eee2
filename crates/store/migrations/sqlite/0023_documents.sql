-- Official documents (quản lý văn bản và điều hành, NĐ 30/2020/NĐ-CP): the incoming and
-- outgoing registers of each body (cơ quan), their hash-chained timelines, the leader's
-- directions and the gap-free register counters.
--
-- A document is stored like a dossier: `state` is the whole domain state as JSON, the other
-- columns are the Phụ lục VI metadata and copies the registers, queues and searches filter on,
-- written by the same statement; updates are guarded by `last_seq`. `number` is the register
-- number (số đến of an incoming document, the number taken at issue for an outgoing one),
-- unique per body, register, series (secret documents apart) and year. `code_number` is số/ký
-- hiệu: the sender's for an incoming document, ours ("05/QĐ-UBND") once issued.
-- `duplicate_key` (domain::document::duplicate_key: year, folded sender, folded số/ký hiệu)
-- finds a second registration of the same document, which is warned about, not refused.
-- `search_folded` is the subject, số/ký hiệu and sender folded by the one Rust function.
-- Dates are 'YYYY-MM-DD' text, times unix microseconds.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    register TEXT NOT NULL CHECK (register IN ('incoming', 'outgoing')),
    body_id INTEGER NOT NULL REFERENCES org_units(id),
    body_path TEXT NOT NULL,
    status TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    series TEXT NOT NULL CHECK (series IN ('regular', 'secret')),
    register_year INTEGER NOT NULL,
    number INTEGER,
    code_number TEXT,
    notation TEXT,
    sender_organ TEXT NOT NULL,
    recipient_organ TEXT,
    issued_date TEXT,
    arrival_date TEXT,
    subject TEXT NOT NULL,
    urgency TEXT NOT NULL,
    secrecy TEXT NOT NULL,
    due_date TEXT,
    page_count INTEGER,
    signer_name TEXT,
    signer_position TEXT,
    drafting_unit_id INTEGER REFERENCES org_units(id),
    lead_unit_id INTEGER REFERENCES org_units(id),
    assignee_id INTEGER,
    deadline TEXT,
    duplicate_key TEXT,
    search_folded TEXT NOT NULL,
    state TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    head TEXT NOT NULL,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (body_id, register, series, register_year, number)
);
CREATE INDEX documents_register ON documents(body_id, register, register_year, number);
CREATE INDEX documents_duplicate ON documents(duplicate_key);
CREATE INDEX documents_deadline ON documents(status, deadline);
CREATE INDEX documents_lead_unit ON documents(lead_unit_id, status);
CREATE INDEX documents_assignee ON documents(assignee_id, status);

CREATE TABLE document_events (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (document_id, seq)
);

-- Ý kiến chỉ đạo: each direction given (a document may be redirected), the last one in force.
CREATE TABLE document_directions (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    seq INTEGER NOT NULL,
    lead_unit_id INTEGER NOT NULL REFERENCES org_units(id),
    co_units TEXT NOT NULL,
    deadline TEXT,
    note TEXT NOT NULL,
    directed_by INTEGER,
    directed_at INTEGER NOT NULL,
    PRIMARY KEY (document_id, seq)
);

-- Reminders sent (nhắc hạn): one per document and deadline, claimed in the transaction that
-- enqueues the e-mails, so a job run twice or on two nodes reminds once.
CREATE TABLE document_reminders (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    deadline TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (document_id, deadline)
);

-- The last number handed out per body, register, series and year; bumped inside the
-- registering or issuing transaction, so a rollback gives the number back.
CREATE TABLE document_counters (
    body_id INTEGER NOT NULL,
    register TEXT NOT NULL,
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (body_id, register, series, year)
);

-- Full-text index over the folded subject, số/ký hiệu and sender; rowid = documents.id.
CREATE VIRTUAL TABLE documents_fts USING fts5(
    search_folded,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, search_folded) VALUES (new.id, new.search_folded);
END;

CREATE TRIGGER documents_fts_update AFTER UPDATE OF search_folded ON documents BEGIN
    DELETE FROM documents_fts WHERE rowid = old.id;
    INSERT INTO documents_fts (rowid, search_folded) VALUES (new.id, new.search_folded);
END;

CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    DELETE FROM documents_fts WHERE rowid = old.id;
END;
