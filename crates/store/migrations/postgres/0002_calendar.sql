-- Working-day calendar (SPEC §2.5): each year's official notice as data that overrides the
-- computed holidays, and per-agency office hours. Dates are 'YYYY-MM-DD' text, times of day
-- 'HH:MM' text, instants unix microseconds (UTC).

CREATE TABLE calendar_overrides (
    date TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    basis TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT
);

CREATE TABLE office_hours (
    unit_id BIGINT PRIMARY KEY REFERENCES org_units(id),
    morning_start TEXT NOT NULL,
    morning_end TEXT NOT NULL,
    afternoon_start TEXT NOT NULL,
    afternoon_end TEXT NOT NULL,
    same_day_cutoff TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
