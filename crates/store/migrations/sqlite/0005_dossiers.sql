-- One-stop dossiers: workflows (versioned data), dossiers with their state, the hash-chained
-- timeline, and the per-agency per-day numbering counters.

CREATE TABLE workflows (
    id INTEGER PRIMARY KEY,
    procedure_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER,
    UNIQUE (procedure_code, version)
);

CREATE TABLE dossiers (
    id INTEGER PRIMARY KEY,
    code TEXT UNIQUE,
    procedure_code TEXT NOT NULL,
    procedure_version INTEGER NOT NULL,
    workflow_version INTEGER NOT NULL,
    agency_id INTEGER NOT NULL REFERENCES org_units(id),
    agency_path TEXT NOT NULL,
    citizen_id INTEGER REFERENCES citizens(id),
    applicant_name TEXT NOT NULL,
    applicant_personal_id TEXT,
    channel TEXT NOT NULL,
    status_code INTEGER,
    step INTEGER,
    step_role TEXT,
    assignee_id INTEGER,
    due_at INTEGER,
    state TEXT NOT NULL,
    form TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    head TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX dossiers_agency_status ON dossiers(agency_path, status_code, due_at);
CREATE INDEX dossiers_citizen ON dossiers(citizen_id, updated_at);
CREATE INDEX dossiers_assignee ON dossiers(assignee_id, status_code);

CREATE TABLE dossier_events (
    dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_status INTEGER,
    to_status INTEGER,
    reason TEXT NOT NULL,
    data TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (dossier_id, seq)
);

CREATE TABLE dossier_counters (
    agency_code TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency_code, day)
);
