//! Dossier statuses, one-to-one with the national status codes 1–10 (TrangThaiHoSo of Cổng
//! DVCQG, vn-legal §3.1).
//!
//! The national portal, reports and the QĐ 766 index all speak these codes, so the back office
//! uses exactly these ten statuses and nothing finer; the finer position of a dossier inside an
//! agency is its workflow step. A dossier still being filled in (a draft at the portal, or being
//! typed in at the counter) has no status at all (`Option<DossierStatus>::None` in
//! [`super::Dossier`]): it is not synced and has no national code.

use serde::{Deserialize, Serialize};

/// Trạng thái hồ sơ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    /// 1 Mới đăng ký: submitted online, awaiting reception.
    Submitted,
    /// 2 Được tiếp nhận: received, appointment given (Mẫu 01).
    Received,
    /// 3 Không được tiếp nhận: refused at reception (Mẫu 03).
    NotReceived,
    /// 4 Đang xử lý: in processing.
    InProcessing,
    /// 5 Yêu cầu bổ sung giấy tờ: supplement requested (Mẫu 02), at reception or during
    /// processing (then the clock is paused).
    SupplementRequested,
    /// 6 Yêu cầu thực hiện nghĩa vụ tài chính: waiting for fees, taxes (clock paused).
    FinancialObligation,
    /// 7 Công dân yêu cầu rút hồ sơ: withdrawn at the citizen's request.
    Withdrawn,
    /// 8 Dừng xử lý: processing stopped (Mẫu 05).
    Stopped,
    /// 9 Đã xử lý xong: resolved, result at the one-stop desk.
    Resolved,
    /// 10 Đã trả kết quả: result returned to the citizen.
    Returned,
}

impl DossierStatus {
    pub const ALL: [DossierStatus; 10] = [
        Self::Submitted,
        Self::Received,
        Self::NotReceived,
        Self::InProcessing,
        Self::SupplementRequested,
        Self::FinancialObligation,
        Self::Withdrawn,
        Self::Stopped,
        Self::Resolved,
        Self::Returned,
    ];

    /// The national status code (1–10).
    pub fn national_code(self) -> u8 {
        match self {
            Self::Submitted => 1,
            Self::Received => 2,
            Self::NotReceived => 3,
            Self::InProcessing => 4,
            Self::SupplementRequested => 5,
            Self::FinancialObligation => 6,
            Self::Withdrawn => 7,
            Self::Stopped => 8,
            Self::Resolved => 9,
            Self::Returned => 10,
        }
    }

    pub fn from_national_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.national_code() == code)
    }

    /// Stable machine name (also the serde spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Received => "received",
            Self::NotReceived => "not_received",
            Self::InProcessing => "in_processing",
            Self::SupplementRequested => "supplement_requested",
            Self::FinancialObligation => "financial_obligation",
            Self::Withdrawn => "withdrawn",
            Self::Stopped => "stopped",
            Self::Resolved => "resolved",
            Self::Returned => "returned",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The official Vietnamese name.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Self::Submitted => "Mới đăng ký",
            Self::Received => "Được tiếp nhận",
            Self::NotReceived => "Không được tiếp nhận",
            Self::InProcessing => "Đang xử lý",
            Self::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            Self::FinancialObligation => "Yêu cầu thực hiện nghĩa vụ tài chính",
            Self::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            Self::Stopped => "Dừng xử lý",
            Self::Resolved => "Đã xử lý xong",
            Self::Returned => "Đã trả kết quả",
        }
    }

    /// No command moves a dossier out of these: refused, withdrawn, stopped, returned.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::NotReceived | Self::Withdrawn | Self::Stopped | Self::Returned
        )
    }
}
