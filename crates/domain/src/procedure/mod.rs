//! The procedure catalogue (danh mục thủ tục hành chính): what a procedure is, what it needs,
//! how long it takes, what it costs and which form the applicant fills in.
//!
//! These types are also the JSON format of the catalogue files under `data/catalogue/`, so the
//! field names are part of a published format: add optional fields, never rename. Everything
//! here is pure data plus checks: [`Procedure::validate`] finds inconsistencies in a catalogue
//! entry, [`FormSchema::validate`] checks what an applicant submitted, and
//! [`version_in_force`] picks the version of a procedure that applies on a given day.

mod check;
pub(crate) mod dates;
pub mod flat;
mod form;
mod form_scalar;
mod form_validate;
mod search;
mod version;

#[cfg(test)]
mod catalogue_tests;
#[cfg(test)]
mod check_tests;
#[cfg(test)]
mod form_prop_tests;
#[cfg(test)]
mod form_tests;

pub use check::{ProblemKind, ProcedureProblem, is_national_code};
pub use dates::parse_form_date;
pub use form::{
    AddressValue, ChoiceOption, Field, FieldKind, FormSchema, FormValue, FormValues, TextPattern,
};
pub use form_validate::{
    AcceptAllUnits, AdministrativeUnits, FieldError, FieldErrorCode, ValidatedForm,
    ValidationContext,
};
pub use search::MatchRank;
pub use version::version_in_force;

use crate::org::GovLevel;
use serde::{Deserialize, Serialize};
use time::Date;

/// One administrative procedure (thủ tục hành chính) in one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// National code from the national TTHC database, `N.NNNNNN` (e.g. `1.001193`).
    pub code: String,
    /// Code as localised by the province, e.g. `1.001193.000.00.00.H13`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_code: Option<String>,
    pub name: String,
    /// A sentence or two for people who do not know the official name; indexed for search
    /// separately from the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub sector: Sector,
    /// Implementing level (cấp thực hiện). Since 01/7/2025 local government has two tiers,
    /// province and commune; `district` only appears in versions before that date.
    pub level: GovLevel,
    /// Implementing agency as a role description ("UBND cấp xã", "Sở Tư pháp").
    pub agency: String,
    /// What kind of agency resolves it, so a deployment can map it to its real agencies.
    pub agency_kind: AgencyKind,
    pub applicant_types: Vec<ApplicantType>,
    /// Trình tự thực hiện, in order.
    pub steps: Vec<String>,
    pub channels: Vec<Channel>,
    pub online_level: OnlineLevel,
    pub required_documents: Vec<RequiredDocument>,
    pub processing_time: ProcessingTime,
    /// Fixed-amount fees and charges. Amounts that depend on a value (a percentage of a price,
    /// a tax) are described in `fee_note` instead, because they cannot be computed here.
    pub fees: Vec<Fee>,
    /// Remarks on fees: which resolution set them, variable obligations, online discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_note: Option<String>,
    /// The fees are paid online right after an online submission, before the desk receives
    /// the dossier (thanh toán trực tuyến khi nộp hồ sơ); otherwise they are collected at the
    /// desk or raised by an official as a financial obligation.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pay_at_submission: bool,
    /// What the applicant gets (kết quả thực hiện).
    pub result: String,
    pub legal_basis: Vec<LegalCitation>,
    /// Yêu cầu, điều kiện thực hiện.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    pub form_schema: FormSchema,
    #[serde(with = "dates::iso_date")]
    pub effective_from: Date,
    pub version: u32,
    /// Set on catalogue entries whose code, times or fees still need checking against the
    /// official publication before they are shown as authoritative.
    #[serde(default, skip_serializing_if = "is_false")]
    pub verify: bool,
}

impl Procedure {
    /// The fees due for a dossier received through `channel`.
    pub fn fees_for(&self, channel: Channel) -> impl Iterator<Item = &Fee> {
        self.fees
            .iter()
            .filter(move |fee| fee.channel.is_none_or(|only| only == channel))
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Lĩnh vực: the sector a procedure belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sector {
    /// Stable slug, e.g. `ho-tich`.
    pub code: String,
    /// Display name, e.g. "Hộ tịch".
    pub name: String,
}

/// Kinds of implementing agency. The strings are stable: deployments map them to real
/// agencies in their organisation tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// Ủy ban nhân dân cấp tỉnh / thành phố trực thuộc trung ương.
    ProvinceCommittee,
    /// Ủy ban nhân dân cấp xã (xã, phường, đặc khu).
    CommuneCommittee,
    /// Sở Tư pháp.
    DepartmentJustice,
    /// Sở Nông nghiệp và Môi trường.
    DepartmentAgricultureEnvironment,
    /// Sở Xây dựng.
    DepartmentConstruction,
    /// Sở Tài chính.
    DepartmentFinance,
    /// Sở Y tế.
    DepartmentHealth,
    /// Sở Giáo dục và Đào tạo.
    DepartmentEducation,
    /// Sở Nội vụ.
    DepartmentHomeAffairs,
    /// Sở Công Thương.
    DepartmentIndustryTrade,
    /// Sở Văn hóa, Thể thao và Du lịch.
    DepartmentCultureSportsTourism,
    /// Sở Khoa học và Công nghệ.
    DepartmentScienceTechnology,
    /// Sở Dân tộc và Tôn giáo.
    DepartmentEthnicReligiousAffairs,
    /// Văn phòng đăng ký đất đai and its branches (chi nhánh).
    LandRegistrationOffice,
    /// Trung tâm Dịch vụ việc làm.
    EmploymentServiceCenter,
    /// Công an cấp tỉnh.
    ProvincePolice,
    /// Công an cấp xã.
    CommunePolice,
    /// Bảo hiểm xã hội (provincial or grassroots office).
    SocialInsurance,
    /// Tax authority (thuế tỉnh / thuế cơ sở).
    TaxOffice,
    /// A school or other education institution deciding for itself.
    School,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 20] = [
        Self::ProvinceCommittee,
        Self::CommuneCommittee,
        Self::DepartmentJustice,
        Self::DepartmentAgricultureEnvironment,
        Self::DepartmentConstruction,
        Self::DepartmentFinance,
        Self::DepartmentHealth,
        Self::DepartmentEducation,
        Self::DepartmentHomeAffairs,
        Self::DepartmentIndustryTrade,
        Self::DepartmentCultureSportsTourism,
        Self::DepartmentScienceTechnology,
        Self::DepartmentEthnicReligiousAffairs,
        Self::LandRegistrationOffice,
        Self::EmploymentServiceCenter,
        Self::ProvincePolice,
        Self::CommunePolice,
        Self::SocialInsurance,
        Self::TaxOffice,
        Self::School,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProvinceCommittee => "province_committee",
            Self::CommuneCommittee => "commune_committee",
            Self::DepartmentJustice => "department_justice",
            Self::DepartmentAgricultureEnvironment => "department_agriculture_environment",
            Self::DepartmentConstruction => "department_construction",
            Self::DepartmentFinance => "department_finance",
            Self::DepartmentHealth => "department_health",
            Self::DepartmentEducation => "department_education",
            Self::DepartmentHomeAffairs => "department_home_affairs",
            Self::DepartmentIndustryTrade => "department_industry_trade",
            Self::DepartmentCultureSportsTourism => "department_culture_sports_tourism",
            Self::DepartmentScienceTechnology => "department_science_technology",
            Self::DepartmentEthnicReligiousAffairs => "department_ethnic_religious_affairs",
            Self::LandRegistrationOffice => "land_registration_office",
            Self::EmploymentServiceCenter => "employment_service_center",
            Self::ProvincePolice => "province_police",
            Self::CommunePolice => "commune_police",
            Self::SocialInsurance => "social_insurance",
            Self::TaxOffice => "tax_office",
            Self::School => "school",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Đối tượng thực hiện.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantType {
    /// Công dân (cá nhân).
    Citizen,
    /// Tổ chức (cơ quan, đơn vị, hội, tổ chức tôn giáo…).
    Organisation,
    /// Doanh nghiệp, hợp tác xã, hộ kinh doanh.
    Business,
}

impl ApplicantType {
    pub const ALL: [ApplicantType; 3] = [Self::Citizen, Self::Organisation, Self::Business];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Organisation => "organisation",
            Self::Business => "business",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Cách thức thực hiện: how a dossier reaches the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Trực tiếp at the one-stop desk.
    Counter,
    /// Trực tuyến on the public-service portal.
    Online,
    /// Qua dịch vụ bưu chính công ích.
    Postal,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Self::Counter, Self::Online, Self::Postal];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Online => "online",
            Self::Postal => "postal",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Online service level under Decree 42/2022/NĐ-CP, Article 11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Toàn trình: submitted and resolved entirely online.
    Full,
    /// Một phần: submitted online, but some step needs presence or paper.
    Partial,
    /// Information only: the portal describes it, the dossier goes in on paper.
    Info,
}

impl OnlineLevel {
    pub const ALL: [OnlineLevel; 3] = [Self::Full, Self::Partial, Self::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::Info => "info",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// One paper of the dossier (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    pub name: String,
    pub form: DocumentForm,
    /// Number of copies (số lượng).
    pub count: u32,
    /// Name of the downloadable form template, when the paper is a prescribed form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// False for papers needed only in some cases; the note says which.
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// In which form a paper is handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentForm {
    /// Bản chính.
    Original,
    /// Bản sao có chứng thực (or bản sao điện tử có chứng thực).
    CertifiedCopy,
    /// Bản sao (chụp), checked against the original if needed.
    Copy,
    /// Bản chính hoặc bản sao có chứng thực.
    OriginalOrCertifiedCopy,
    /// Xuất trình: shown to the officer, not kept.
    Presentation,
}

impl DocumentForm {
    pub const ALL: [DocumentForm; 5] = [
        Self::Original,
        Self::CertifiedCopy,
        Self::Copy,
        Self::OriginalOrCertifiedCopy,
        Self::Presentation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::CertifiedCopy => "certified_copy",
            Self::Copy => "copy",
            Self::OriginalOrCertifiedCopy => "original_or_certified_copy",
            Self::Presentation => "presentation",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Thời hạn giải quyết: one or more limits (per channel when they differ) and a remark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingTime {
    pub limits: Vec<TimeLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ProcessingTime {
    /// The limit that applies to a dossier that came in through `channel`: the limit stated for
    /// that channel, otherwise the limit stated for all channels.
    pub fn for_channel(&self, channel: Channel) -> Option<&TimeLimit> {
        self.limits
            .iter()
            .find(|limit| limit.channel == Some(channel))
            .or_else(|| self.limits.iter().find(|limit| limit.channel.is_none()))
    }

    /// The limit a desk counts for a dossier received through `channel`: as
    /// [`ProcessingTime::for_channel`], and for papers that came by post (which catalogues
    /// rarely state) the counter's limit, then the online one: the papers are the same
    /// [assumed].
    pub fn for_reception(&self, channel: Channel) -> Option<&TimeLimit> {
        self.for_channel(channel)
            .or_else(|| self.for_channel(Channel::Counter))
            .or_else(|| self.for_channel(Channel::Online))
    }
}

/// A processing-time limit. `value` is ignored (and written as 0) for [`TimeUnit::SameDay`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimit {
    pub value: u32,
    pub unit: TimeUnit,
    /// Set when the limit applies to one channel only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

/// How a limit is counted. The calendar module turns these into appointment dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Ngày làm việc.
    WorkingDays,
    /// Giờ làm việc (8 working hours make a working day).
    WorkingHours,
    /// Ngày (calendar days).
    CalendarDays,
    /// Trong ngày: the same working day, or the next one when received after 15:00.
    SameDay,
}

impl TimeUnit {
    pub const ALL: [TimeUnit; 4] = [
        Self::WorkingDays,
        Self::WorkingHours,
        Self::CalendarDays,
        Self::SameDay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WorkingDays => "working_days",
            Self::WorkingHours => "working_hours",
            Self::CalendarDays => "calendar_days",
            Self::SameDay => "same_day",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// A fixed-amount fee or charge. A fee without `channel` is due whatever the channel; a fee with
/// one is due only for dossiers that come in through that channel (online submission is often
/// cheaper, so a procedure may list the same charge once per channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub name: String,
    /// Amount in đồng. Zero means "free" for this item (e.g. exempt by law).
    pub amount_vnd: i64,
    pub kind: FeeKind,
    /// What one amount pays for ("trang", "bản", "hồ sơ"); absent means per dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Set when the amount applies to one channel only (online submissions are often cheaper).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who does not pay (đối tượng miễn, giảm).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<String>,
    /// Due only in the cases the note describes (a late registration, a copy on request, one
    /// kind of building among several); the officer or the applicant's answers decide.
    #[serde(default, skip_serializing_if = "is_false")]
    pub conditional: bool,
}

/// Phí (a fee for a service) or lệ phí (a charge for a state act). They are accounted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// Phí.
    Fee,
    /// Lệ phí.
    Charge,
}

impl FeeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fee => "fee",
            Self::Charge => "charge",
        }
    }
}

/// A legal document the procedure rests on (căn cứ pháp lý).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalCitation {
    /// Số, ký hiệu: "60/2014/QH13", "123/2015/NĐ-CP".
    pub number: String,
    /// Full title: "Luật Hộ tịch", "Nghị định quy định chi tiết … Luật Hộ tịch".
    pub title: String,
    /// Issuing body: "Quốc hội", "Chính phủ", "Bộ Tư pháp", "HĐND thành phố Cần Thơ".
    pub issuer: String,
    /// Date of issue, when known. Left out rather than guessed: a wrong date on a printed
    /// detail page is worse than none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "dates::iso_date::option"
    )]
    pub date: Option<Date>,
}
