-- Liên thông: a dossier received at one agency's one-stop desk may be transferred to another
-- agency (or government level) for processing. `agency_*` is where it is processed now;
-- `desk_*` is where it was received and where its result is returned.
ALTER TABLE dossiers ADD COLUMN desk_id INTEGER REFERENCES org_units(id);
ALTER TABLE dossiers ADD COLUMN desk_path TEXT;
UPDATE dossiers SET desk_id = agency_id, desk_path = agency_path;
CREATE INDEX dossiers_desk_status ON dossiers(desk_path, status_code, due_at);
