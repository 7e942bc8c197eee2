-- Attachments: file contents stored once by SHA-256 (the bytes live in the blob store), one row
-- per upload with its own name and owner, and links from dossiers to uploads with a purpose.

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    citizen_id INTEGER REFERENCES citizens(id),
    official_id INTEGER REFERENCES officials(id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK ((citizen_id IS NULL) <> (official_id IS NULL))
);
CREATE INDEX attachments_citizen ON attachments(citizen_id, created_at);
CREATE INDEX attachments_official ON attachments(official_id, created_at);
CREATE INDEX attachments_sha256 ON attachments(sha256);

CREATE TABLE dossier_attachments (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    attachment_id INTEGER NOT NULL REFERENCES attachments(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('document', 'supplement', 'result')),
    requirement_index INTEGER,
    requirement_name TEXT,
    added_by_kind TEXT NOT NULL,
    added_by_id INTEGER NOT NULL,
    added_at INTEGER NOT NULL
);
CREATE INDEX dossier_attachments_dossier ON dossier_attachments(dossier_id, added_at);
CREATE INDEX dossier_attachments_attachment ON dossier_attachments(attachment_id);
