-- Catalogue search as citizens type it (motcua_domain::search).
--
-- The words the catalogue uses, folded (every syllable of every procedure version's folded name
-- and texts): a query word of four letters or more that is not one of them is looked up again
-- one typo away. Kept by the store in the transaction that writes a procedure; filled for
-- catalogues stored before this migration by Store::migrate.
CREATE TABLE search_terms (
    term TEXT COLLATE "C" PRIMARY KEY
);

-- Synonyms as administrators keep them (từ đồng nghĩa): when the folded phrase occurs in a
-- query as whole words, the query is also read with the expansion in its place ("sổ đỏ" →
-- "giấy chứng nhận quyền sử dụng đất"). Both texts are kept as written and folded.
CREATE TABLE search_synonyms (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phrase TEXT NOT NULL,
    phrase_folded TEXT NOT NULL,
    expansion TEXT NOT NULL,
    expansion_folded TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    UNIQUE (phrase_folded, expansion_folded)
);

-- The everyday names of the procedures of a ward or city (an installation edits them).
INSERT INTO search_synonyms (phrase, phrase_folded, expansion, expansion_folded, created_at) VALUES
    ('sổ đỏ', 'so do', 'giấy chứng nhận quyền sử dụng đất', 'giay chung nhan quyen su dung dat', 0),
    ('sổ hồng', 'so hong', 'giấy chứng nhận quyền sử dụng đất quyền sở hữu', 'giay chung nhan quyen su dung dat quyen so huu', 0),
    ('làm sổ', 'lam so', 'cấp giấy chứng nhận', 'cap giay chung nhan', 0),
    ('tách sổ', 'tach so', 'tách thửa', 'tach thua', 0),
    ('giấy độc thân', 'giay doc than', 'xác nhận tình trạng hôn nhân', 'xac nhan tinh trang hon nhan', 0),
    ('xác nhận độc thân', 'xac nhan doc than', 'xác nhận tình trạng hôn nhân', 'xac nhan tinh trang hon nhan', 0),
    ('làm giấy khai sinh', 'lam giay khai sinh', 'đăng ký khai sinh', 'dang ky khai sinh', 0),
    ('giấy khai sinh', 'giay khai sinh', 'đăng ký khai sinh', 'dang ky khai sinh', 0),
    ('làm khai sinh', 'lam khai sinh', 'đăng ký khai sinh', 'dang ky khai sinh', 0),
    ('bản sao giấy khai sinh', 'ban sao giay khai sinh', 'cấp bản sao trích lục hộ tịch', 'cap ban sao trich luc ho tich', 0),
    ('giấy chứng tử', 'giay chung tu', 'đăng ký khai tử', 'dang ky khai tu', 0),
    ('báo tử', 'bao tu', 'đăng ký khai tử', 'dang ky khai tu', 0),
    ('giấy kết hôn', 'giay ket hon', 'đăng ký kết hôn', 'dang ky ket hon', 0),
    ('cưới', 'cuoi', 'kết hôn', 'ket hon', 0),
    ('hộ khẩu', 'ho khau', 'thường trú', 'thuong tru', 0),
    ('nhập hộ khẩu', 'nhap ho khau', 'đăng ký thường trú', 'dang ky thuong tru', 0),
    ('cắt hộ khẩu', 'cat ho khau', 'xóa đăng ký thường trú', 'xoa dang ky thuong tru', 0),
    ('chuyển hộ khẩu', 'chuyen ho khau', 'xóa đăng ký thường trú', 'xoa dang ky thuong tru', 0),
    ('CCCD', 'cccd', 'căn cước', 'can cuoc', 0),
    ('căn cước công dân', 'can cuoc cong dan', 'căn cước', 'can cuoc', 0),
    ('chứng minh nhân dân', 'chung minh nhan dan', 'căn cước', 'can cuoc', 0),
    ('sao y', 'sao y', 'chứng thực bản sao', 'chung thuc ban sao', 0),
    ('công chứng', 'cong chung', 'chứng thực', 'chung thuc', 0),
    ('photo công chứng', 'photo cong chung', 'chứng thực bản sao', 'chung thuc ban sao', 0),
    ('giấy phép kinh doanh', 'giay phep kinh doanh', 'đăng ký thành lập hộ kinh doanh', 'dang ky thanh lap ho kinh doanh', 0),
    ('đăng ký kinh doanh', 'dang ky kinh doanh', 'đăng ký hộ kinh doanh', 'dang ky ho kinh doanh', 0),
    ('đăng ký hộ kinh doanh', 'dang ky ho kinh doanh', 'đăng ký thành lập hộ kinh doanh', 'dang ky thanh lap ho kinh doanh', 0),
    ('đóng cửa', 'dong cua', 'chấm dứt hoạt động', 'cham dut hoat dong', 0),
    ('nghỉ kinh doanh', 'nghi kinh doanh', 'tạm ngừng kinh doanh', 'tam ngung kinh doanh', 0),
    ('xin phép xây nhà', 'xin phep xay nha', 'cấp giấy phép xây dựng', 'cap giay phep xay dung', 0),
    ('xin phép xây dựng', 'xin phep xay dung', 'cấp giấy phép xây dựng', 'cap giay phep xay dung', 0),
    ('xây nhà', 'xay nha', 'giấy phép xây dựng', 'giay phep xay dung', 0),
    ('sửa nhà', 'sua nha', 'giấy phép xây dựng sửa chữa cải tạo', 'giay phep xay dung sua chua cai tao', 0),
    ('lớp 6', 'lop 6', 'trung học cơ sở', 'trung hoc co so', 0),
    ('lớp 1', 'lop 1', 'tiểu học', 'tieu hoc', 0),
    ('cấp 1', 'cap 1', 'tiểu học', 'tieu hoc', 0),
    ('cấp 2', 'cap 2', 'trung học cơ sở', 'trung hoc co so', 0),
    ('bằng tốt nghiệp', 'bang tot nghiep', 'văn bằng', 'van bang', 0),
    ('nấu rượu', 'nau ruou', 'sản xuất rượu thủ công', 'san xuat ruou thu cong', 0),
    ('mai táng phí', 'mai tang phi', 'hỗ trợ chi phí mai táng', 'ho tro chi phi mai tang', 0),
    ('tiền mai táng', 'tien mai tang', 'hỗ trợ chi phí mai táng', 'ho tro chi phi mai tang', 0),
    ('bảo hiểm thất nghiệp', 'bao hiem that nghiep', 'trợ cấp thất nghiệp', 'tro cap that nghiep', 0),
    ('người già', 'nguoi gia', 'hưu trí xã hội', 'huu tri xa hoi', 0),
    ('người cao tuổi', 'nguoi cao tuoi', 'hưu trí xã hội', 'huu tri xa hoi', 0),
    ('thương binh', 'thuong binh', 'người có công', 'nguoi co cong', 0),
    ('sửa giấy khai sinh', 'sua giay khai sinh', 'thay đổi cải chính bổ sung thông tin hộ tịch', 'thay doi cai chinh bo sung thong tin ho tich', 0),
    ('đổi tên', 'doi ten', 'thay đổi cải chính', 'thay doi cai chinh', 0),
    ('nhận con', 'nhan con', 'nhận cha mẹ con', 'nhan cha me con', 0),
    ('vệ sinh an toàn thực phẩm', 've sinh an toan thuc pham', 'an toàn thực phẩm', 'an toan thuc pham', 0);
