-- Catalogue search and listing at the speed issue 21 asks for: "in force" (published,
-- effective, and no later published version effective) looks up the other versions of each
-- candidate's code; this index answers it from the code (SQLite's 0031 has the same index,
-- where it turned a quadratic plan into a linear one). SQLite's 0031 also moves the large
-- columns to the end of the row; PostgreSQL keeps large values out of line (TOAST) already.
CREATE INDEX procedures_in_force ON procedures(code, status, effective_from, version);
