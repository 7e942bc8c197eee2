-- Procedure catalogue (danh mục thủ tục hành chính): every version of every procedure.
-- `document` is the full Procedure JSON (the data/catalogue format); the other columns are
-- copies for filtering and listing. `name_folded` / `body_folded` are produced by the one Rust
-- folding function (motcua_domain::text::fold), so both databases search the same text.
-- Dates are 'YYYY-MM-DD' text, times unix microseconds.

CREATE TABLE procedures (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    effective_from TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    body_folded TEXT NOT NULL,
    sector_code TEXT NOT NULL,
    sector_name TEXT NOT NULL,
    level TEXT NOT NULL,
    agency_kind TEXT NOT NULL,
    online_level TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER,
    published_at INTEGER,
    UNIQUE (code, version)
);
CREATE INDEX procedures_public ON procedures(status, effective_from);
CREATE INDEX procedures_sector ON procedures(sector_code);

-- Full-text index over the folded columns; rowid = procedures.id. Triggers keep it in step in
-- the same transaction as the row. unicode61 without diacritic removal: the text is already
-- folded, and `đ` would not be removed by it anyway.
CREATE VIRTUAL TABLE procedures_fts USING fts5(
    name_folded,
    body_folded,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER procedures_fts_insert AFTER INSERT ON procedures BEGIN
    INSERT INTO procedures_fts (rowid, name_folded, body_folded)
    VALUES (new.id, new.name_folded, new.body_folded);
END;

CREATE TRIGGER procedures_fts_update AFTER UPDATE OF name_folded, body_folded ON procedures BEGIN
    DELETE FROM procedures_fts WHERE rowid = old.id;
    INSERT INTO procedures_fts (rowid, name_folded, body_folded)
    VALUES (new.id, new.name_folded, new.body_folded);
END;

CREATE TRIGGER procedures_fts_delete AFTER DELETE ON procedures BEGIN
    DELETE FROM procedures_fts WHERE rowid = old.id;
END;
