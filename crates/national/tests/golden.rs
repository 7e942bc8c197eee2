//! The sync format's JSON, pinned: one dossier with every field filled and one history line,
//! written out exactly as the portal receives them (field names, order, strings and numbers).
//! A renamed or retyped field fails here before it reaches the portal.

use motcua_national::{
    DinhDanhChs, GiayToKetQua, HoSo, HoSoBoSung, KetNoiCsdl, LePhi, NationalStatus, QuaTrinhXuLy,
    TaiLieuNop, TepDinhKemKhac, format_portal_time, parse_portal_time,
};

fn s(text: &str) -> String {
    text.to_owned()
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

fn paper(file_name: &str) -> TaiLieuNop {
    TaiLieuNop {
        file_id: some("f-0001"),
        file_name: s(file_name),
        deleted: some("0"),
        component_code: s("TP01"),
        download_url: s("https://motcua.example.vn/tep/f-0001"),
        digitised: s("1"),
        reused: s("0"),
        from_national_store: s("0"),
        replaced_result_code: some("KQ-CU-01"),
    }
}

fn full_dossier() -> HoSo {
    HoSo {
        dossier_code: s("H29.123-260105-0007"),
        procedure_code: s("1.001234"),
        procedure_name: s("Đăng ký khai sinh"),
        sector_code: some("G15-HT01"),
        sector_name: some("Hộ tịch"),
        channel: some("2"),
        applicant_id_number: some("092200001234"),
        applicant_name: s("Nguyễn Văn An"),
        applicant_kind: some("1"),
        portal_account: some("TECH-123"),
        other_info: some("Cha của trẻ"),
        email: some("an@example.vn"),
        fax: some("02923000000"),
        phone: some("0912345678"),
        summary: some("Đăng ký khai sinh cho Nguyễn Thị Bình"),
        received_at: some("20260105083000"),
        due_at: some("20260107170000"),
        status: s("10"),
        returned_at: some("20260107093000"),
        return_info: some("Trả trực tiếp cho người nộp"),
        return_method: some("1"),
        processing_ended_at: some("20260106160000"),
        processing_agency: some("UBND phường Ninh Kiều"),
        note: some("Ghi chú"),
        submitted_papers: vec![paper("to-khai.pdf")],
        fees: vec![LePhi {
            name: s("Lệ phí đăng ký khai sinh"),
            code: s("LP01"),
            collection_method: s("1"),
            amount_vnd: s("8000"),
            kind: s("1"),
        }],
        other_papers: vec![TepDinhKemKhac {
            name: s("Giấy chứng sinh"),
            copies: 1,
            kind: 2,
        }],
        supplements: vec![HoSoBoSung {
            requested_by: s("Trần Thị Cán Bộ"),
            request: s("Bổ sung giấy chứng sinh bản chính"),
            requested_at: s("20260105100000"),
            received_at: some("20260105143000"),
            previous_due_at: s("20260107170000"),
            new_due_at: some("20260108170000"),
            papers: vec![paper("giay-chung-sinh.pdf")],
        }],
        results: vec![GiayToKetQua {
            name: s("Giấy khai sinh"),
            component_code: some("TP01"),
            paper_id: some("kq-0001"),
            download_url: s("https://motcua.example.vn/ket-qua/kq-0001"),
            result_code: s("KQ-KS"),
        }],
        submitted_through: some("2"),
        has_digitised_papers: some("1"),
        vneid_verified: some("1"),
        paid_online: some("1"),
        refused_at: some("20260105090000"),
        applicant_ids: vec![DinhDanhChs {
            kind: s("1"),
            number: s("092200001234"),
        }],
        submitted_at: some("20260105080000"),
        connected_databases: vec![KetNoiCsdl {
            database_code: s("1"),
        }],
    }
}

const FULL_DOSSIER: &str = r#"{
  "MaHoSo": "H29.123-260105-0007",
  "MaTTHC": "1.001234",
  "TenTTHC": "Đăng ký khai sinh",
  "MaLinhVuc": "G15-HT01",
  "TenLinhVuc": "Hộ tịch",
  "KenhThucHien": "2",
  "SoGiayToChuHoSo": "092200001234",
  "ChuHoSo": "Nguyễn Văn An",
  "LoaiDoiTuong": "1",
  "MaDoiTuong": "TECH-123",
  "ThongTinKhac": "Cha của trẻ",
  "Email": "an@example.vn",
  "Fax": "02923000000",
  "SoDienThoai": "0912345678",
  "TrichYeuHoSo": "Đăng ký khai sinh cho Nguyễn Thị Bình",
  "NgayTiepNhan": "20260105083000",
  "NgayHenTra": "20260107170000",
  "TrangThaiHoSo": "10",
  "NgayTra": "20260107093000",
  "ThongTinTra": "Trả trực tiếp cho người nộp",
  "HinhThuc": "1",
  "NgayKetThucXuLy": "20260106160000",
  "DonViXuLy": "UBND phường Ninh Kiều",
  "GhiChu": "Ghi chú",
  "TaiLieuNop": [
    {
      "TepDinhKemId": "f-0001",
      "TenTepDinhKem": "to-khai.pdf",
      "IsDeleted": "0",
      "MaThanhPhanHoSo": "TP01",
      "DuongDanTaiTepTin": "https://motcua.example.vn/tep/f-0001",
      "DuocSoHoa": "1",
      "DuocTaiSuDung": "0",
      "DuocLayTuKhoDMQG": "0",
      "MaKetQuaThayThe": "KQ-CU-01"
    }
  ],
  "DanhSachLePhi": [
    {
      "TenPhiLePhi": "Lệ phí đăng ký khai sinh",
      "MaPhiLePhi": "LP01",
      "HinhThucThu": "1",
      "Gia": "8000",
      "LoaiPhiLePhi": "1"
    }
  ],
  "DanhSachTepDinhKemKhac": [
    {
      "TenGiayTo": "Giấy chứng sinh",
      "SoLuong": 1,
      "LoaiGiayTo": 2
    }
  ],
  "DanhSachHoSoBoSung": [
    {
      "NguoiYeuCauBoSung": "Trần Thị Cán Bộ",
      "NoiDungBoSung": "Bổ sung giấy chứng sinh bản chính",
      "NgayBoSung": "20260105100000",
      "NgayTiepNhanBoSung": "20260105143000",
      "NgayHenTraTruoc": "20260107170000",
      "NgayHenTraMoi": "20260108170000",
      "DanhSachGiayToBoSung": [
        {
          "TepDinhKemId": "f-0001",
          "TenTepDinhKem": "giay-chung-sinh.pdf",
          "IsDeleted": "0",
          "MaThanhPhanHoSo": "TP01",
          "DuongDanTaiTepTin": "https://motcua.example.vn/tep/f-0001",
          "DuocSoHoa": "1",
          "DuocTaiSuDung": "0",
          "DuocLayTuKhoDMQG": "0",
          "MaKetQuaThayThe": "KQ-CU-01"
        }
      ]
    }
  ],
  "DanhSachGiayToKetQua": [
    {
      "TenGiayTo": "Giấy khai sinh",
      "MaThanhPhanHoSo": "TP01",
      "GiayToId": "kq-0001",
      "DuongDanTepTinKetQua": "https://motcua.example.vn/ket-qua/kq-0001",
      "MaGiayToKetQua": "KQ-KS"
    }
  ],
  "NoiNopHoSo": "2",
  "HoSoCoThanhPhanSoHoa": "1",
  "TaiKhoanDuocXacThucVoiVNeID": "1",
  "DuocThanhToanTrucTuyen": "1",
  "NgayTuChoi": "20260105090000",
  "DinhDanhCHS": [
    {
      "LoaiDinhDanh": "1",
      "SoDinhDanh": "092200001234"
    }
  ],
  "NgayNopHoSo": "20260105080000",
  "DSKetNoiCSDL": [
    {
      "MaCSDL": "1"
    }
  ]
}"#;

#[test]
fn a_full_dossier_is_written_with_the_portals_field_names() {
    let json = serde_json::to_string_pretty(&full_dossier()).expect("serialises");
    assert_eq!(json, FULL_DOSSIER);
    let back: HoSo = serde_json::from_str(FULL_DOSSIER).expect("reads back");
    assert_eq!(back, full_dossier());
    assert_eq!(back.national_status(), Some(NationalStatus::Returned));
}

#[test]
fn a_batch_is_a_json_list() {
    let batch = serde_json::to_value([full_dossier()]).expect("serialises");
    assert!(batch.is_array());
    assert_eq!(batch[0]["MaHoSo"], "H29.123-260105-0007");
}

#[test]
fn a_minimal_dossier_leaves_out_every_absent_field() {
    let record = HoSo {
        dossier_code: s("H29.123-260105-0008"),
        procedure_code: s("1.001234"),
        procedure_name: s("Đăng ký khai sinh"),
        applicant_name: s("Lê Thị Cúc"),
        status: s("1"),
        ..HoSo::default()
    };
    assert_eq!(
        serde_json::to_string(&record).expect("serialises"),
        r#"{"MaHoSo":"H29.123-260105-0008","MaTTHC":"1.001234","TenTTHC":"Đăng ký khai sinh","ChuHoSo":"Lê Thị Cúc","TrangThaiHoSo":"1","TaiLieuNop":[],"DanhSachLePhi":[],"DanhSachTepDinhKemKhac":[],"DanhSachHoSoBoSung":[],"DanhSachGiayToKetQua":[],"DinhDanhCHS":[],"DSKetNoiCSDL":[]}"#
    );
}

#[test]
fn a_history_line_is_written_with_the_portals_field_names() {
    let line = QuaTrinhXuLy {
        dossier_code: s("H29.123-260105-0007"),
        official: s("Trần Thị Cán Bộ"),
        title: some("Chuyên viên"),
        done_at: s("20260105083000"),
        department: some("Bộ phận một cửa"),
        action: some("Tiếp nhận hồ sơ"),
        status: s("2"),
        started_at: some("20260105080000"),
        due_at: some("20260107170000"),
    };
    assert_eq!(
        serde_json::to_string_pretty(&line).expect("serialises"),
        r#"{
  "MaHoSo": "H29.123-260105-0007",
  "NguoiXuLy": "Trần Thị Cán Bộ",
  "ChucDanh": "Chuyên viên",
  "ThoiDiemXuLy": "20260105083000",
  "PhongBanXuLy": "Bộ phận một cửa",
  "NoiDungXuLy": "Tiếp nhận hồ sơ",
  "TrangThai": "2",
  "NgayBatDau": "20260105080000",
  "NgayKetThucTheoQuyDinh": "20260107170000"
}"#
    );
    let bare = QuaTrinhXuLy {
        title: None,
        department: None,
        action: None,
        started_at: None,
        due_at: None,
        ..line
    };
    assert_eq!(
        serde_json::to_string(&bare).expect("serialises"),
        r#"{"MaHoSo":"H29.123-260105-0007","NguoiXuLy":"Trần Thị Cán Bộ","ThoiDiemXuLy":"20260105083000","TrangThai":"2"}"#
    );
}

#[test]
fn the_dates_in_the_golden_record_are_vietnam_time() {
    // 08:30 in Cần Thơ on 5 January 2026 is 01:30 UTC.
    let micros = parse_portal_time("20260105083000").expect("parses");
    assert_eq!(micros, 1_767_576_600 * 1_000_000);
    assert_eq!(format_portal_time(micros).as_deref(), Ok("20260105083000"));
}
