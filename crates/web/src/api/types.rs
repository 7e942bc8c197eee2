//! The shapes the API speaks, kept apart from storage rows so that the schema is deliberate.

use motcua_app::views::{OfficialRow, OrgUnitRow, RoleAssignmentRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A node of the organisation tree.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiUnit {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// `government`, `agency`, `unit` or `one_stop_desk`.
    pub kind: String,
    /// `central`, `province`, `district` or `commune`.
    pub level: String,
    pub name: String,
    pub short_name: Option<String>,
    /// Electronic agency code (QCVN 102:2016), e.g. `000.00.10.H13`.
    pub code: Option<String>,
    /// Materialised path of ids from the root, e.g. `/1/5/23/`.
    pub path: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub sort_order: i64,
}

impl From<OrgUnitRow> for ApiUnit {
    fn from(u: OrgUnitRow) -> Self {
        ApiUnit {
            id: u.id,
            parent_id: u.parent_id,
            kind: u.kind,
            level: u.level,
            name: u.name,
            short_name: u.short_name,
            code: u.code,
            path: u.path,
            address: u.address,
            phone: u.phone,
            email: u.email,
            sort_order: u.sort_order,
        }
    }
}

/// A unit to create or change. Unknown fields are rejected.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiUnitInput {
    pub parent_id: Option<i64>,
    pub kind: String,
    pub level: String,
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub sort_order: i64,
}

impl From<ApiUnitInput> for motcua_app::directory::UnitForm {
    fn from(i: ApiUnitInput) -> Self {
        motcua_app::directory::UnitForm {
            parent_id: i.parent_id,
            kind: i.kind,
            level: i.level,
            name: i.name,
            short_name: i.short_name,
            code: i.code,
            address: i.address,
            phone: i.phone,
            email: i.email,
            sort_order: i.sort_order,
        }
    }
}

/// An official (cán bộ, công chức) in the registry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiOfficial {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub position: Option<String>,
    pub unit_id: i64,
    pub unit_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `YYYY-MM-DD`.
    pub employed_from: Option<String>,
    pub employed_to: Option<String>,
    pub totp_enabled: bool,
    pub active: bool,
}

impl From<OfficialRow> for ApiOfficial {
    fn from(o: OfficialRow) -> Self {
        ApiOfficial {
            id: o.id,
            username: o.username,
            full_name: o.full_name,
            position: o.position_name,
            unit_id: o.unit_id,
            unit_name: o.unit_name,
            email: o.email,
            phone: o.phone,
            employed_from: o.employed_from,
            employed_to: o.employed_to,
            totp_enabled: o.totp_enabled,
            active: o.active,
        }
    }
}

/// An official with their roles.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiOfficialDetail {
    #[serde(flatten)]
    pub official: ApiOfficial,
    pub roles: Vec<ApiRole>,
}

/// An official to create or change. `password` is required when creating.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiOfficialInput {
    pub username: String,
    pub full_name: String,
    #[serde(default)]
    pub position: Option<String>,
    pub unit_id: i64,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub employed_from: Option<String>,
    #[serde(default)]
    pub employed_to: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub password: Option<String>,
}

fn yes() -> bool {
    true
}

impl From<ApiOfficialInput> for motcua_app::directory::OfficialForm {
    fn from(i: ApiOfficialInput) -> Self {
        motcua_app::directory::OfficialForm {
            username: i.username,
            full_name: i.full_name,
            position: i.position,
            unit_id: i.unit_id,
            email: i.email,
            phone: i.phone,
            employed_from: i.employed_from,
            employed_to: i.employed_to,
            active: i.active,
            password: i.password,
        }
    }
}

/// A role held on a unit and its subtree.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiRole {
    pub id: i64,
    /// `reception`, `specialist`, `unit_head`, `leader`, `clerk`, `admin` or `inspector`.
    pub role: String,
    pub unit_id: i64,
    pub unit_name: String,
}

impl From<RoleAssignmentRow> for ApiRole {
    fn from(r: RoleAssignmentRow) -> Self {
        ApiRole {
            id: r.id,
            role: r.role,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
        }
    }
}

/// A role to grant.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiRoleInput {
    pub role: String,
    pub unit_id: i64,
}

/// The caller.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiMe {
    pub official: ApiOfficial,
    pub roles: Vec<ApiRole>,
}

/// A token to issue for the calling official.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenInput {
    pub name: String,
    /// Days until it expires; no expiry when absent.
    #[serde(default)]
    pub days: Option<i64>,
}

/// A newly issued token: shown once, stored only as a hash.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub token: String,
}

/// One of the calling official's API tokens (the token itself is never shown again).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    /// Unix microseconds.
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A citizen whose ID card an official has checked at the counter.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiIdProofInput {
    /// The 12-digit personal identification number printed on the card.
    pub personal_id: String,
}

/// The result of an ID card check.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiIdProof {
    /// Counter dossiers registered for the number that the account now sees.
    pub linked_dossiers: u64,
}

/// A position (chức vụ).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiPosition {
    pub id: i64,
    pub name: String,
}

/// One audit-log entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiAuditEntry {
    pub id: i64,
    /// RFC 3339 time.
    pub at: String,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target: Option<String>,
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiImportReport {
    pub created: usize,
    pub updated: usize,
    pub roles_added: usize,
}

/// Every error has this shape.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorDetail {
    /// Stable code, e.g. `error-forbidden`, `error-invalid`, `error-malformed-json`.
    pub code: String,
    /// Human message in the request's language (Vietnamese by default).
    pub message: String,
    pub fields: Vec<ApiFieldError>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}
