-- Foundation: organisation tree, officials, roles, citizens, sessions, audit, outbox.
-- Times are unix microseconds (UTC) in both databases; dates are 'YYYY-MM-DD' text.

CREATE TABLE org_units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES org_units(id),
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    short_name TEXT,
    code TEXT UNIQUE,
    path TEXT NOT NULL UNIQUE,
    address TEXT,
    phone TEXT,
    email TEXT,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX org_units_parent ON org_units(parent_id);

CREATE TABLE positions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    rank INTEGER NOT NULL DEFAULT 100
);

CREATE TABLE officials (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    position_id INTEGER REFERENCES positions(id),
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    email TEXT,
    phone TEXT,
    employed_from TEXT,
    employed_to TEXT,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_enabled INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX officials_unit ON officials(unit_id);

CREATE TABLE role_assignments (
    id INTEGER PRIMARY KEY,
    official_id INTEGER NOT NULL REFERENCES officials(id),
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES org_units(id),
    granted_by INTEGER,
    granted_at INTEGER NOT NULL,
    UNIQUE (official_id, role, unit_id)
);

CREATE TABLE citizens (
    id INTEGER PRIMARY KEY,
    personal_id TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    password_hash TEXT NOT NULL,
    verified_at INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE verification_codes (
    id INTEGER PRIMARY KEY,
    citizen_id INTEGER NOT NULL REFERENCES citizens(id),
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    consumed_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX verification_codes_citizen ON verification_codes(citizen_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    principal_kind TEXT NOT NULL,
    principal_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    official_id INTEGER NOT NULL REFERENCES officials(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    ip TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    available_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    locked_until INTEGER,
    done_at INTEGER
);
CREATE INDEX outbox_pending ON outbox(done_at, available_at);
