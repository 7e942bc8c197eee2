//! The dossier sync format of Cổng DVCQG (vn-legal §12): `HoSo` records for the add and update
//! calls, `QuaTrinhXuLy` lines for the process history, and the `{error_code, message}` reply.
//!
//! Field names are the portal's, exactly (serde renames); Rust names are English. Values are
//! strings as the public implementation (Thanh Hóa, `ISyncLocalDataToDVCQGService`) sends
//! them — codes (`"1"`), flags (`"0"`/`"1"`) and amounts included — except the two counts of
//! [`TepDinhKemKhac`], which that code sends as numbers. Every date is `yyyyMMddHHmmss` in
//! Vietnam time ([`crate::format_portal_time`]). Keeping strings (rather than typed values) is
//! deliberate: what we send is exactly what the portal checks, and the simulator can be shown
//! the malformed values the real portal refuses.
//!
//! An optional field that is `None` is left out of the JSON. The lists are always written
//! (`[]` when empty), since the public code's classes always carry them.

use serde::{Deserialize, Serialize};

use crate::status::NationalStatus;

/// `KenhThucHien`: how the dossier was submitted (vn-legal §3.2).
pub mod channel {
    /// Trực tiếp: at the one-stop desk.
    pub const COUNTER: &str = "1";
    /// Trực tuyến: online.
    pub const ONLINE: &str = "2";
    /// Qua dịch vụ bưu chính công ích: by the public postal service.
    pub const POST: &str = "3";
}

/// `LoaiDoiTuong`: who the applicant is (vn-legal §3.2).
pub mod applicant_kind {
    /// Công dân.
    pub const CITIZEN: &str = "1";
    /// Doanh nghiệp.
    pub const BUSINESS: &str = "2";
    /// Cơ quan nhà nước.
    pub const STATE_AGENCY: &str = "3";
    /// Tổ chức / khác.
    pub const ORGANISATION: &str = "4";
}

/// `LoaiDinhDanh` of [`DinhDanhChs`] (vn-legal §3.2).
pub mod id_kind {
    /// The 12-digit personal identification number (số định danh cá nhân).
    pub const PERSONAL_ID: &str = "1";
    /// A 9-digit identity card (CMND) or another paper.
    pub const OTHER: &str = "2";
}

/// One dossier as the portal stores it (`HoSo`): the body of the add and update calls is a
/// JSON list of these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoSo {
    /// `MaHoSo`: the dossier code `<agency code>-YYMMDD-NNNN` (vn-legal §2.1); the portal's key.
    #[serde(rename = "MaHoSo")]
    pub dossier_code: String,
    /// `MaTTHC`: the national procedure code (`2.000635`, vn-legal §2.3).
    #[serde(rename = "MaTTHC")]
    pub procedure_code: String,
    /// `TenTTHC`: the procedure's name.
    #[serde(rename = "TenTTHC")]
    pub procedure_name: String,
    /// `MaLinhVuc`: the sector code (`G03-GD10`).
    #[serde(rename = "MaLinhVuc", default, skip_serializing_if = "Option::is_none")]
    pub sector_code: Option<String>,
    /// `TenLinhVuc`: the sector's name.
    #[serde(
        rename = "TenLinhVuc",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sector_name: Option<String>,
    /// `KenhThucHien`: the channel of submission, see [`channel`].
    #[serde(
        rename = "KenhThucHien",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub channel: Option<String>,
    /// `SoGiayToChuHoSo`: the applicant's identification number.
    #[serde(
        rename = "SoGiayToChuHoSo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub applicant_id_number: Option<String>,
    /// `ChuHoSo`: the applicant's name (chủ hồ sơ).
    #[serde(rename = "ChuHoSo")]
    pub applicant_name: String,
    /// `LoaiDoiTuong`: the kind of applicant, see [`applicant_kind`].
    #[serde(
        rename = "LoaiDoiTuong",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub applicant_kind: Option<String>,
    /// `MaDoiTuong`: the applicant's account on the national portal (its TechID); only for
    /// dossiers submitted online, left out otherwise (as the public code does).
    #[serde(
        rename = "MaDoiTuong",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub portal_account: Option<String>,
    /// `ThongTinKhac`: other information about the applicant.
    #[serde(
        rename = "ThongTinKhac",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub other_info: Option<String>,
    /// `Email`: the applicant's e-mail address.
    #[serde(rename = "Email", default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `Fax`: the applicant's fax number.
    #[serde(rename = "Fax", default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    /// `SoDienThoai`: the applicant's phone number.
    #[serde(
        rename = "SoDienThoai",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<String>,
    /// `TrichYeuHoSo`: what the dossier asks for, at most 1000 characters (the public code
    /// cuts longer texts to 995 and `...`).
    #[serde(
        rename = "TrichYeuHoSo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub summary: Option<String>,
    /// `NgayTiepNhan`: when it was received (`yyyyMMddHHmmss`); none while only submitted.
    #[serde(
        rename = "NgayTiepNhan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub received_at: Option<String>,
    /// `NgayHenTra`: the appointment to return the result (`yyyyMMddHHmmss`).
    #[serde(
        rename = "NgayHenTra",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<String>,
    /// `TrangThaiHoSo`: the national status code `"1"` … `"10"` ([`NationalStatus`]).
    #[serde(rename = "TrangThaiHoSo")]
    pub status: String,
    /// `NgayTra`: when the result was handed over (`yyyyMMddHHmmss`).
    #[serde(rename = "NgayTra", default, skip_serializing_if = "Option::is_none")]
    pub returned_at: Option<String>,
    /// `ThongTinTra`: how and to whom the result was handed over.
    #[serde(
        rename = "ThongTinTra",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub return_info: Option<String>,
    /// `HinhThuc`: how the result is returned (hình thức trả kết quả). The public code sends
    /// its own `HinhThucTra` code here; the portal's code list is not in the reference.
    #[serde(rename = "HinhThuc", default, skip_serializing_if = "Option::is_none")]
    pub return_method: Option<String>,
    /// `NgayKetThucXuLy`: when processing ended (`yyyyMMddHHmmss`).
    #[serde(
        rename = "NgayKetThucXuLy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub processing_ended_at: Option<String>,
    /// `DonViXuLy`: the name of the agency processing the dossier.
    #[serde(rename = "DonViXuLy", default, skip_serializing_if = "Option::is_none")]
    pub processing_agency: Option<String>,
    /// `GhiChu`: a note.
    #[serde(rename = "GhiChu", default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `TaiLieuNop`: the papers submitted.
    #[serde(rename = "TaiLieuNop", default)]
    pub submitted_papers: Vec<TaiLieuNop>,
    /// `DanhSachLePhi`: the fees and charges.
    #[serde(rename = "DanhSachLePhi", default)]
    pub fees: Vec<LePhi>,
    /// `DanhSachTepDinhKemKhac`: other papers, counted but not attached.
    #[serde(rename = "DanhSachTepDinhKemKhac", default)]
    pub other_papers: Vec<TepDinhKemKhac>,
    /// `DanhSachHoSoBoSung`: the supplements asked for and provided.
    #[serde(rename = "DanhSachHoSoBoSung", default)]
    pub supplements: Vec<HoSoBoSung>,
    /// `DanhSachGiayToKetQua`: the result papers.
    #[serde(rename = "DanhSachGiayToKetQua", default)]
    pub results: Vec<GiayToKetQua>,
    /// `NoiNopHoSo`: where the dossier was submitted. The public code always sends `"2"` (its
    /// own provincial system); the code list is not in the reference.
    #[serde(
        rename = "NoiNopHoSo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub submitted_through: Option<String>,
    /// `HoSoCoThanhPhanSoHoa`: `"1"` when some submitted paper was digitised, else `"0"`.
    #[serde(
        rename = "HoSoCoThanhPhanSoHoa",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub has_digitised_papers: Option<String>,
    /// `TaiKhoanDuocXacThucVoiVNeID`: `"1"` when the applicant's account is verified with
    /// VNeID, else `"0"` (counted by the QĐ 766 index).
    #[serde(
        rename = "TaiKhoanDuocXacThucVoiVNeID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vneid_verified: Option<String>,
    /// `DuocThanhToanTrucTuyen`: `"1"` when the fees were paid online, else `"0"` (the public
    /// code also sends `"3"` for a payment not settled; its meaning is not in the reference).
    #[serde(
        rename = "DuocThanhToanTrucTuyen",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub paid_online: Option<String>,
    /// `NgayTuChoi`: when the dossier was refused (`yyyyMMddHHmmss`).
    #[serde(
        rename = "NgayTuChoi",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub refused_at: Option<String>,
    /// `DinhDanhCHS`: the applicant's identifications (định danh chủ hồ sơ).
    #[serde(rename = "DinhDanhCHS", default)]
    pub applicant_ids: Vec<DinhDanhChs>,
    /// `NgayNopHoSo`: when the applicant submitted it (`yyyyMMddHHmmss`).
    #[serde(
        rename = "NgayNopHoSo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub submitted_at: Option<String>,
    /// `DSKetNoiCSDL`: the national databases consulted for this dossier.
    #[serde(rename = "DSKetNoiCSDL", default)]
    pub connected_databases: Vec<KetNoiCsdl>,
}

impl HoSo {
    /// The status, when `TrangThaiHoSo` is one of the ten codes.
    pub fn national_status(&self) -> Option<NationalStatus> {
        NationalStatus::parse(&self.status)
    }
}

/// One submitted paper (`TaiLieuNop`); the same shape lists the papers of a supplement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaiLieuNop {
    /// `TepDinhKemId`: our id of the file.
    #[serde(
        rename = "TepDinhKemId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub file_id: Option<String>,
    /// `TenTepDinhKem`: the file's name.
    #[serde(rename = "TenTepDinhKem")]
    pub file_name: String,
    /// `IsDeleted`: `"1"` when the paper was withdrawn from the dossier, else `"0"`.
    #[serde(rename = "IsDeleted", default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
    /// `MaThanhPhanHoSo`: the code of the dossier component (thành phần hồ sơ) it fulfils.
    #[serde(rename = "MaThanhPhanHoSo")]
    pub component_code: String,
    /// `DuongDanTaiTepTin`: where the portal downloads the file (an absolute URL).
    #[serde(rename = "DuongDanTaiTepTin")]
    pub download_url: String,
    /// `DuocSoHoa`: `"1"` when the paper was digitised (số hóa), else `"0"`.
    #[serde(rename = "DuocSoHoa")]
    pub digitised: String,
    /// `DuocTaiSuDung`: whether it reuses digitised data: `"0"` no, `"1"`/`"2"` reused (the
    /// public code maps two digitisation states onto them; the difference is not in the
    /// reference).
    #[serde(rename = "DuocTaiSuDung")]
    pub reused: String,
    /// `DuocLayTuKhoDMQG`: `"1"` when taken from the citizen's store on the national portal.
    #[serde(rename = "DuocLayTuKhoDMQG")]
    pub from_national_store: String,
    /// `MaKetQuaThayThe`: the code of the earlier result this paper replaces.
    #[serde(
        rename = "MaKetQuaThayThe",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replaced_result_code: Option<String>,
}

/// One fee or charge (`DanhSachLePhi`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LePhi {
    /// `TenPhiLePhi`: its name.
    #[serde(rename = "TenPhiLePhi")]
    pub name: String,
    /// `MaPhiLePhi`: its code within the procedure.
    #[serde(rename = "MaPhiLePhi")]
    pub code: String,
    /// `HinhThucThu`: how it was collected (the public code sends `"1"`; the list is not in
    /// the reference).
    #[serde(rename = "HinhThucThu")]
    pub collection_method: String,
    /// `Gia`: the amount in đồng, written as a whole number.
    #[serde(rename = "Gia")]
    pub amount_vnd: String,
    /// `LoaiPhiLePhi`: phí or lệ phí (the public code sends `"1"`; the list is not in the
    /// reference).
    #[serde(rename = "LoaiPhiLePhi")]
    pub kind: String,
}

/// One other paper (`DanhSachTepDinhKemKhac`): named and counted, not attached. The reference
/// lists no fields; these are the public code's (`TepDinhKemKhac`), numbers included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TepDinhKemKhac {
    /// `TenGiayTo`: the paper's name.
    #[serde(rename = "TenGiayTo")]
    pub name: String,
    /// `SoLuong`: how many copies.
    #[serde(rename = "SoLuong")]
    pub copies: u32,
    /// `LoaiGiayTo`: the kind of paper (original, copy, …); the code list is not in the
    /// reference.
    #[serde(rename = "LoaiGiayTo")]
    pub kind: u32,
}

/// One supplement (`DanhSachHoSoBoSung`): what was asked for, when it came, and how the
/// appointment moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoSoBoSung {
    /// `NguoiYeuCauBoSung`: the official who asked for it.
    #[serde(rename = "NguoiYeuCauBoSung")]
    pub requested_by: String,
    /// `NoiDungBoSung`: what was asked for.
    #[serde(rename = "NoiDungBoSung")]
    pub request: String,
    /// `NgayBoSung`: when it was asked for (`yyyyMMddHHmmss`).
    #[serde(rename = "NgayBoSung")]
    pub requested_at: String,
    /// `NgayTiepNhanBoSung`: when the supplement was received (`yyyyMMddHHmmss`).
    #[serde(
        rename = "NgayTiepNhanBoSung",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub received_at: Option<String>,
    /// `NgayHenTraTruoc`: the appointment before the supplement (`yyyyMMddHHmmss`).
    #[serde(rename = "NgayHenTraTruoc")]
    pub previous_due_at: String,
    /// `NgayHenTraMoi`: the appointment after it (`yyyyMMddHHmmss`).
    #[serde(
        rename = "NgayHenTraMoi",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub new_due_at: Option<String>,
    /// `DanhSachGiayToBoSung`: the papers provided.
    #[serde(rename = "DanhSachGiayToBoSung", default)]
    pub papers: Vec<TaiLieuNop>,
}

/// One result paper (`DanhSachGiayToKetQua`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiayToKetQua {
    /// `TenGiayTo`: its name.
    #[serde(rename = "TenGiayTo")]
    pub name: String,
    /// `MaThanhPhanHoSo`: the dossier component it answers, if any.
    #[serde(
        rename = "MaThanhPhanHoSo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub component_code: Option<String>,
    /// `GiayToId`: our id of the paper.
    #[serde(rename = "GiayToId", default, skip_serializing_if = "Option::is_none")]
    pub paper_id: Option<String>,
    /// `DuongDanTepTinKetQua`: where the portal downloads the result file (an absolute URL).
    #[serde(rename = "DuongDanTepTinKetQua")]
    pub download_url: String,
    /// `MaGiayToKetQua`: the code of the kind of result paper (mã kết quả of the procedure).
    #[serde(rename = "MaGiayToKetQua")]
    pub result_code: String,
}

/// One identification of the applicant (`DinhDanhCHS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DinhDanhChs {
    /// `LoaiDinhDanh`: the kind of number, see [`id_kind`].
    #[serde(rename = "LoaiDinhDanh")]
    pub kind: String,
    /// `SoDinhDanh`: the number.
    #[serde(rename = "SoDinhDanh")]
    pub number: String,
}

/// One national database consulted (`DSKetNoiCSDL`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KetNoiCsdl {
    /// `MaCSDL`: the database's code (the public code sends `"1"` and `"7"`; the list is not
    /// in the reference).
    #[serde(rename = "MaCSDL")]
    pub database_code: String,
}

/// One line of a dossier's process history (`QuaTrinhXuLy`): who did what, when, and the
/// status it left the dossier in. The body of the history call is a JSON list of these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuaTrinhXuLy {
    /// `MaHoSo`: the dossier code; the dossier must already be at the portal.
    #[serde(rename = "MaHoSo")]
    pub dossier_code: String,
    /// `NguoiXuLy`: the official's name (the public code cuts it to 50 characters).
    #[serde(rename = "NguoiXuLy")]
    pub official: String,
    /// `ChucDanh`: the official's title.
    #[serde(rename = "ChucDanh", default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `ThoiDiemXuLy`: when it was done (`yyyyMMddHHmmss`).
    #[serde(rename = "ThoiDiemXuLy")]
    pub done_at: String,
    /// `PhongBanXuLy`: the official's department.
    #[serde(
        rename = "PhongBanXuLy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub department: Option<String>,
    /// `NoiDungXuLy`: what was done.
    #[serde(
        rename = "NoiDungXuLy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub action: Option<String>,
    /// `TrangThai`: the national status code after it, `"1"` … `"10"`.
    #[serde(rename = "TrangThai")]
    pub status: String,
    /// `NgayBatDau`: when the step started (`yyyyMMddHHmmss`).
    #[serde(
        rename = "NgayBatDau",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<String>,
    /// `NgayKetThucTheoQuyDinh`: when the step was due by the rules (`yyyyMMddHHmmss`).
    #[serde(
        rename = "NgayKetThucTheoQuyDinh",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<String>,
}

impl QuaTrinhXuLy {
    /// The status, when `TrangThai` is one of the ten codes.
    pub fn national_status(&self) -> Option<NationalStatus> {
        NationalStatus::parse(&self.status)
    }
}

/// The portal's answer to every call: `{"error_code": "0", "message": "…"}`. `"0"` is
/// success; anything else a refusal whose `message` says why (in Vietnamese). Some
/// implementations write the code as a number, so both spellings are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalReply {
    #[serde(deserialize_with = "code_text")]
    pub error_code: String,
    #[serde(default)]
    pub message: String,
}

/// The success code.
pub const SUCCESS: &str = "0";

impl PortalReply {
    pub fn is_success(&self) -> bool {
        self.error_code.trim() == SUCCESS
    }
}

/// `error_code` as a string, whether the portal wrote `"3"` or `3`.
fn code_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Code::deserialize(deserializer)? {
        Code::Text(text) => text,
        Code::Number(number) => number.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_with_either_spelling_of_the_code() {
        let text: PortalReply =
            serde_json::from_str(r#"{"error_code":"0","message":"Thành công"}"#).expect("reply");
        assert!(text.is_success());
        let number: PortalReply =
            serde_json::from_str(r#"{"error_code":-3,"message":"đã tồn tại"}"#).expect("reply");
        assert_eq!(number.error_code, "-3");
        assert!(!number.is_success());
        let bare: PortalReply = serde_json::from_str(r#"{"error_code":0}"#).expect("reply");
        assert!(bare.is_success());
        assert!(serde_json::from_str::<PortalReply>(r#"{"message":"x"}"#).is_err());
        assert!(serde_json::from_str::<PortalReply>(r#"{"error_code":null}"#).is_err());
    }

    #[test]
    fn a_minimal_record_leaves_out_what_it_does_not_have() {
        let record = HoSo {
            dossier_code: "H29.123-260101-0001".to_owned(),
            procedure_code: "1.001234".to_owned(),
            procedure_name: "Đăng ký khai sinh".to_owned(),
            applicant_name: "Nguyễn Văn An".to_owned(),
            status: "2".to_owned(),
            ..HoSo::default()
        };
        let json = serde_json::to_value(&record).expect("json");
        let object = json.as_object().expect("object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "ChuHoSo",
                "DSKetNoiCSDL",
                "DanhSachGiayToKetQua",
                "DanhSachHoSoBoSung",
                "DanhSachLePhi",
                "DanhSachTepDinhKemKhac",
                "DinhDanhCHS",
                "MaHoSo",
                "MaTTHC",
                "TaiLieuNop",
                "TenTTHC",
                "TrangThaiHoSo",
            ]
        );
        let back: HoSo = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, record);
        assert_eq!(back.national_status(), Some(NationalStatus::Received));
    }
}
