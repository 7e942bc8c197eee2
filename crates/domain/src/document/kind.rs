//! The 29 administrative document types of Decree 30/2020 (Điều 7) with the abbreviations of
//! Phụ lục III, and the urgency and secrecy marks.

use serde::{Deserialize, Serialize};

macro_rules! document_types {
    ($($variant:ident => $slug:literal, $name:literal, $abbr:expr;)*) => {
        /// Thể loại văn bản hành chính (NĐ 30/2020 Điều 7).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        #[serde(rename_all = "snake_case")]
        pub enum DocumentType { $($variant,)* }

        impl DocumentType {
            pub const ALL: [DocumentType; 29] = [$(Self::$variant,)*];

            /// Stable name (storage, API, catalogue keys `document-type-<slug>`).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $slug,)* }
            }

            /// Tên loại văn bản, as printed (lower case; the layout upper-cases it).
            pub fn name_vi(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// Chữ viết tắt (Phụ lục III); công văn and thư công have none.
            pub fn abbreviation(self) -> Option<&'static str> {
                match self { $(Self::$variant => $abbr,)* }
            }
        }
    };
}

document_types! {
    NghiQuyet => "nghi_quyet", "nghị quyết", Some("NQ");
    QuyetDinh => "quyet_dinh", "quyết định", Some("QĐ");
    ChiThi => "chi_thi", "chỉ thị", Some("CT");
    QuyChe => "quy_che", "quy chế", Some("QC");
    QuyDinh => "quy_dinh", "quy định", Some("QyĐ");
    ThongCao => "thong_cao", "thông cáo", Some("TC");
    ThongBao => "thong_bao", "thông báo", Some("TB");
    HuongDan => "huong_dan", "hướng dẫn", Some("HD");
    ChuongTrinh => "chuong_trinh", "chương trình", Some("CTr");
    KeHoach => "ke_hoach", "kế hoạch", Some("KH");
    PhuongAn => "phuong_an", "phương án", Some("PA");
    DeAn => "de_an", "đề án", Some("ĐA");
    DuAn => "du_an", "dự án", Some("DA");
    BaoCao => "bao_cao", "báo cáo", Some("BC");
    BienBan => "bien_ban", "biên bản", Some("BB");
    ToTrinh => "to_trinh", "tờ trình", Some("TTr");
    HopDong => "hop_dong", "hợp đồng", Some("HĐ");
    CongVan => "cong_van", "công văn", None;
    CongDien => "cong_dien", "công điện", Some("CĐ");
    BanGhiNho => "ban_ghi_nho", "bản ghi nhớ", Some("BGN");
    BanThoaThuan => "ban_thoa_thuan", "bản thỏa thuận", Some("BTT");
    GiayUyQuyen => "giay_uy_quyen", "giấy ủy quyền", Some("GUQ");
    GiayMoi => "giay_moi", "giấy mời", Some("GM");
    GiayGioiThieu => "giay_gioi_thieu", "giấy giới thiệu", Some("GGT");
    GiayNghiPhep => "giay_nghi_phep", "giấy nghỉ phép", Some("GNP");
    PhieuGui => "phieu_gui", "phiếu gửi", Some("PG");
    PhieuChuyen => "phieu_chuyen", "phiếu chuyển", Some("PC");
    PhieuBao => "phieu_bao", "phiếu báo", Some("PB");
    ThuCong => "thu_cong", "thư công", None;
}

impl DocumentType {
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

/// Độ khẩn (edXML Priority 0–3).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    #[default]
    Thuong,
    Khan,
    ThuongKhan,
    HoaToc,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [Self::Thuong, Self::Khan, Self::ThuongKhan, Self::HoaToc];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thuong => "thuong",
            Self::Khan => "khan",
            Self::ThuongKhan => "thuong_khan",
            Self::HoaToc => "hoa_toc",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == value)
    }

    /// The stamp printed on the document ("KHẨN", …); none for an ordinary one.
    pub fn stamp(self) -> Option<&'static str> {
        match self {
            Self::Thuong => None,
            Self::Khan => Some("KHẨN"),
            Self::ThuongKhan => Some("THƯỢNG KHẨN"),
            Self::HoaToc => Some("HỎA TỐC"),
        }
    }

    /// edXML `Priority`.
    pub fn priority(self) -> u8 {
        match self {
            Self::Thuong => 0,
            Self::Khan => 1,
            Self::ThuongKhan => 2,
            Self::HoaToc => 3,
        }
    }
}

/// Độ mật (Luật Bảo vệ bí mật nhà nước).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Secrecy {
    #[default]
    Thuong,
    Mat,
    ToiMat,
    TuyetMat,
}

impl Secrecy {
    pub const ALL: [Secrecy; 4] = [Self::Thuong, Self::Mat, Self::ToiMat, Self::TuyetMat];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thuong => "thuong",
            Self::Mat => "mat",
            Self::ToiMat => "toi_mat",
            Self::TuyetMat => "tuyet_mat",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Any secret document is numbered in the secret series (Điều 15).
    pub fn is_secret(self) -> bool {
        self != Self::Thuong
    }

    pub fn stamp(self) -> Option<&'static str> {
        match self {
            Self::Thuong => None,
            Self::Mat => Some("MẬT"),
            Self::ToiMat => Some("TỐI MẬT"),
            Self::TuyetMat => Some("TUYỆT MẬT"),
        }
    }
}
