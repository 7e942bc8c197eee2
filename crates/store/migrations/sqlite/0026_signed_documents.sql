-- An outgoing document signed electronically (NĐ 30/2020 Điều 14, Phụ lục I): the PDF as it
-- stands after its latest signature (the leader's, then the seal with the number and date
-- stamped in), by its SHA-256 in the blob store, and where the rendered layout left the blanks
-- and the room for the signatures (JSON: [{kind, page, rect}]), so the clerk's seal fills the
-- very blanks the leader's signed PDF has. NULL until the first signature, and for documents
-- signed on paper (an installation without signing keys).
ALTER TABLE documents ADD COLUMN signed_pdf TEXT;
ALTER TABLE documents ADD COLUMN signed_marks TEXT;
