-- System clients (hệ thống kết nối): other systems — the national portal connector, a postal
-- operator's callback, a data-sharing client — that call the API with bearer tokens of their
-- own. A client holds the permissions an administrator granted (names of `authz::Permission`,
-- comma-separated) over one organisation subtree (`unit_id`). Only SHA-256 hashes of tokens
-- are stored; a revoked token stays as a row so the audit trail can name it.

CREATE TABLE system_clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    permissions TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE system_client_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    client_id INTEGER NOT NULL REFERENCES system_clients(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX system_client_tokens_client ON system_client_tokens(client_id);
