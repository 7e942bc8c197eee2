-- Citizen satisfaction ratings of resolved dossiers (đánh giá mức độ hài lòng, vn-legal §8):
-- one rating per dossier, one score per criterion (2 rất hài lòng, 1 hài lòng, 0 không hài
-- lòng). Scores are rows, not nine columns, so a province that adds criteria 10–11 needs no
-- schema change. Also an index for the per-agency tracking book (Mẫu 07).

CREATE TABLE dossier_ratings (
    dossier_id BIGINT PRIMARY KEY REFERENCES dossiers(id),
    agency_id BIGINT NOT NULL REFERENCES org_units(id),
    agency_path TEXT NOT NULL,
    citizen_id BIGINT REFERENCES citizens(id),
    channel TEXT NOT NULL,
    comment TEXT NOT NULL,
    rated_at BIGINT NOT NULL
);
CREATE INDEX dossier_ratings_agency ON dossier_ratings(agency_path, rated_at);

CREATE TABLE dossier_rating_scores (
    dossier_id BIGINT NOT NULL REFERENCES dossier_ratings(dossier_id),
    criterion BIGINT NOT NULL CHECK (criterion >= 1),
    score BIGINT NOT NULL CHECK (score BETWEEN 0 AND 2),
    PRIMARY KEY (dossier_id, criterion)
);

CREATE INDEX dossiers_agency_created ON dossiers(agency_id, created_at);
