-- What the drafter of an outgoing document writes besides its trích yếu, so the document can be
-- printed in the layout of NĐ 30/2020/NĐ-CP Phụ lục I: the body (nội dung, one paragraph per
-- line), the addressees after "Kính gửi:" (one per line) and the signer's authority line
-- (thẩm quyền ký: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "Q.", "TL.", "TUQ." and a title).
-- The other parts already have columns: "Nơi nhận" is `recipient_organ` (one recipient per
-- line for an outgoing document), the signer's position and name `signer_position` and
-- `signer_name` (the drafter may propose them; the personal signature records the signer).
-- NULL for incoming documents and for drafts made before this migration.
ALTER TABLE documents ADD COLUMN content TEXT;
ALTER TABLE documents ADD COLUMN addressees TEXT;
ALTER TABLE documents ADD COLUMN signer_authority TEXT;
