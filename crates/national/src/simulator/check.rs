//! How the simulator reads a batch, as the real portal is believed to: the body must be a
//! non-empty JSON list of objects; each record's required fields present as non-empty
//! strings; codes, lengths and dates in their formats. The first fault refuses the batch,
//! with a Vietnamese message naming the record (by position and code) and the field.
//!
//! The rules, for a dossier (`HoSo`):
//! - `MaHoSo`, `MaTTHC`, `TenTTHC`, `ChuHoSo`, `TrangThaiHoSo` present and not blank;
//! - `MaHoSo` at most 50 characters, without spaces or control characters: the dossier code
//!   `<agency>-YYMMDD-NNNN` only loosely, since provinces send codes of several shapes;
//! - `TrangThaiHoSo` one of `"1"` … `"10"`;
//! - `TrichYeuHoSo` at most 1000 characters (vn-legal §12);
//! - every date present and not empty (`NgayTiepNhan`, `NgayHenTra`, `NgayTra`,
//!   `NgayKetThucXuLy`, `NgayTuChoi`, `NgayNopHoSo`, and a supplement's `NgayBoSung`,
//!   `NgayTiepNhanBoSung`, `NgayHenTraTruoc`, `NgayHenTraMoi`) a real `yyyyMMddHHmmss`. An
//!   empty string counts as absent: the public code sends `""` for dates it does not have.
//!
//! For a process-history line (`QuaTrinhXuLy`):
//! - `MaHoSo`, `NguoiXuLy`, `ThoiDiemXuLy`, `TrangThai` present and not blank;
//! - `NguoiXuLy` at most 50 characters [assumed: the public code cuts names to 50];
//! - `ThoiDiemXuLy` a real `yyyyMMddHHmmss`, `TrangThai` one of `"1"` … `"10"`;
//! - `NgayBatDau`, `NgayKetThucTheoQuyDinh` real timestamps when present and not empty.

use super::codes;
use crate::format::{HoSo, QuaTrinhXuLy};
use crate::status::NationalStatus;
use crate::timestamp::is_portal_time;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The longest dossier code taken.
pub const MAX_CODE_CHARS: usize = 50;
/// The longest `TrichYeuHoSo` taken (vn-legal §12).
pub const MAX_SUMMARY_CHARS: usize = 1000;
/// The longest `NguoiXuLy` taken [assumed].
pub const MAX_OFFICIAL_CHARS: usize = 50;

const DOSSIER_REQUIRED: [&str; 5] = ["MaHoSo", "MaTTHC", "TenTTHC", "ChuHoSo", "TrangThaiHoSo"];
const HISTORY_REQUIRED: [&str; 4] = ["MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "TrangThai"];

/// A refusal: the `error_code` and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub message: String,
}

impl Refused {
    pub fn new(code: &'static str, message: String) -> Self {
        Refused { code, message }
    }
}

fn malformed(message: String) -> Refused {
    Refused::new(codes::MALFORMED, message)
}

fn invalid(message: String) -> Refused {
    Refused::new(codes::INVALID, message)
}

/// The dossiers of an add or update body, each with its status, or the first fault.
pub fn dossiers(body: &[u8]) -> Result<Vec<(HoSo, NationalStatus)>, Refused> {
    objects(body, "hồ sơ")?
        .into_iter()
        .enumerate()
        .map(|(index, object)| dossier(index + 1, object))
        .collect()
}

/// The lines of a history body, or the first fault.
pub fn history(body: &[u8]) -> Result<Vec<QuaTrinhXuLy>, Refused> {
    objects(body, "bản ghi tiến trình")?
        .into_iter()
        .enumerate()
        .map(|(index, object)| history_line(index + 1, object))
        .collect()
}

/// The body as a non-empty list of JSON objects.
fn objects(body: &[u8], what: &str) -> Result<Vec<Map<String, Value>>, Refused> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| malformed("Dữ liệu gửi lên không phải JSON hợp lệ".to_owned()))?;
    let Value::Array(items) = value else {
        return Err(malformed(format!(
            "Dữ liệu gửi lên phải là danh sách {what} (JSON array)"
        )));
    };
    if items.is_empty() {
        return Err(malformed(format!("Danh sách {what} rỗng")));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::Object(object) => Ok(object),
            _ => Err(malformed(format!(
                "Phần tử thứ {} không phải là một {what}",
                index + 1
            ))),
        })
        .collect()
}

/// Checks that each required field is a non-blank string, then reads the object.
fn read<T: DeserializeOwned>(
    object: Map<String, Value>,
    required: &[&str],
    who: &str,
) -> Result<T, Refused> {
    for field in required {
        match object.get(*field) {
            Some(Value::String(text)) if !text.trim().is_empty() => {}
            None | Some(Value::Null) => {
                return Err(invalid(format!("{who}: thiếu trường bắt buộc {field}")));
            }
            Some(Value::String(_)) => {
                return Err(invalid(format!(
                    "{who}: trường {field} không được để trống"
                )));
            }
            Some(_) => {
                return Err(malformed(format!("{who}: trường {field} phải là chuỗi")));
            }
        }
    }
    serde_json::from_value(Value::Object(object))
        .map_err(|e| malformed(format!("{who}: sai kiểu dữ liệu ({e})")))
}

fn dossier(position: usize, object: Map<String, Value>) -> Result<(HoSo, NationalStatus), Refused> {
    let who = format!("Hồ sơ thứ {position}");
    let record: HoSo = read(object, &DOSSIER_REQUIRED, &who)?;
    let code = &record.dossier_code;
    let who = format!("Hồ sơ thứ {position} ({code})");
    if code.chars().count() > MAX_CODE_CHARS {
        return Err(invalid(format!(
            "{who}: MaHoSo dài quá {MAX_CODE_CHARS} ký tự"
        )));
    }
    if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(format!(
            "{who}: MaHoSo không đúng định dạng <mã đơn vị>-YYMMDD-NNNN"
        )));
    }
    let status = NationalStatus::parse(&record.status).ok_or_else(|| {
        invalid(format!(
            "{who}: TrangThaiHoSo {:?} không hợp lệ (từ 1 đến 10)",
            record.status
        ))
    })?;
    if let Some(summary) = &record.summary
        && summary.chars().count() > MAX_SUMMARY_CHARS
    {
        return Err(invalid(format!(
            "{who}: TrichYeuHoSo dài quá {MAX_SUMMARY_CHARS} ký tự"
        )));
    }
    let mut dates: Vec<(&str, Option<&String>)> = vec![
        ("NgayTiepNhan", record.received_at.as_ref()),
        ("NgayHenTra", record.due_at.as_ref()),
        ("NgayTra", record.returned_at.as_ref()),
        ("NgayKetThucXuLy", record.processing_ended_at.as_ref()),
        ("NgayTuChoi", record.refused_at.as_ref()),
        ("NgayNopHoSo", record.submitted_at.as_ref()),
    ];
    for supplement in &record.supplements {
        dates.extend([
            ("NgayBoSung", Some(&supplement.requested_at)),
            ("NgayTiepNhanBoSung", supplement.received_at.as_ref()),
            ("NgayHenTraTruoc", Some(&supplement.previous_due_at)),
            ("NgayHenTraMoi", supplement.new_due_at.as_ref()),
        ]);
    }
    check_dates(&who, &dates)?;
    Ok((record, status))
}

fn history_line(position: usize, object: Map<String, Value>) -> Result<QuaTrinhXuLy, Refused> {
    let who = format!("Bản ghi tiến trình thứ {position}");
    let line: QuaTrinhXuLy = read(object, &HISTORY_REQUIRED, &who)?;
    let who = format!("{who} (hồ sơ {})", line.dossier_code);
    if line.official.chars().count() > MAX_OFFICIAL_CHARS {
        return Err(invalid(format!(
            "{who}: NguoiXuLy dài quá {MAX_OFFICIAL_CHARS} ký tự"
        )));
    }
    if NationalStatus::parse(&line.status).is_none() {
        return Err(invalid(format!(
            "{who}: TrangThai {:?} không hợp lệ (từ 1 đến 10)",
            line.status
        )));
    }
    check_dates(
        &who,
        &[
            ("ThoiDiemXuLy", Some(&line.done_at)),
            ("NgayBatDau", line.started_at.as_ref()),
            ("NgayKetThucTheoQuyDinh", line.due_at.as_ref()),
        ],
    )?;
    Ok(line)
}

/// Every date given and not empty must be a real `yyyyMMddHHmmss`.
fn check_dates(who: &str, dates: &[(&str, Option<&String>)]) -> Result<(), Refused> {
    for (field, value) in dates {
        if let Some(value) = value
            && !value.is_empty()
            && !is_portal_time(value)
        {
            return Err(invalid(format!(
                "{who}: {field} {value:?} không đúng định dạng yyyyMMddHHmmss"
            )));
        }
    }
    Ok(())
}
