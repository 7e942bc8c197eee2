-- Báo cáo (issue 19): projections the reports read, kept up to date in the transaction of
-- every change (motcua_domain::report). A record's facts (a dossier's, a payment's, a
-- rating's) are stored beside the counters they were added to, so a change applies only the
-- difference and a full rebuild can be compared with what was kept.
CREATE TABLE report_facts (
    -- 'dossier', 'payment' or 'rating', and the record's id.
    source TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    -- The dossier the fact concerns, for drill-down lists.
    dossier_id BIGINT NOT NULL,
    month BIGINT NOT NULL,
    agency_path TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    channel TEXT NOT NULL,
    step TEXT NOT NULL,
    measure TEXT NOT NULL,
    value BIGINT NOT NULL
);
CREATE INDEX report_facts_source ON report_facts(source, source_id);
-- Drill-down lists: the newest dossiers with a measure, read backwards by dossier id.
CREATE INDEX report_facts_drill ON report_facts(measure, dossier_id);

-- Per month, agency, channel and measure (no step facts): the dashboard by unit and channel,
-- the months' trend and the 766 index.
CREATE TABLE report_agency_months (
    month BIGINT NOT NULL,
    agency_path TEXT NOT NULL,
    channel TEXT NOT NULL,
    measure TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, agency_path, channel, measure)
);

-- Per month, agency, procedure, workflow step and measure: by procedure and sector, and which
-- step makes dossiers late.
CREATE TABLE report_procedure_months (
    month BIGINT NOT NULL,
    agency_path TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    step TEXT NOT NULL,
    measure TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, agency_path, procedure_code, step, measure)
);
