//! The organisation tree (cơ cấu tổ chức): any depth, any mix of government levels.
//!
//! Since 01/7/2025 local government has two tiers (province → commune); older set-ups had a
//! district tier between them. The tree does not care: every node has a parent and a kind, and
//! jurisdiction is "this node and everything under it", decided on the materialised path.

use serde::{Deserialize, Serialize};

/// What a node of the tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Chính quyền (a people's committee level: tỉnh/thành phố, huyện, xã/phường).
    Government,
    /// Cơ quan (an agency: sở, ban, ngành, UBND xã as a resolving body).
    Agency,
    /// Phòng, ban (a unit inside an agency).
    Unit,
    /// Bộ phận Một cửa / Trung tâm Phục vụ hành chính công (the one-stop desk).
    OneStopDesk,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [
        Self::Government,
        Self::Agency,
        Self::Unit,
        Self::OneStopDesk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Government => "government",
            Self::Agency => "agency",
            Self::Unit => "unit",
            Self::OneStopDesk => "one_stop_desk",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Cấp hành chính: the government level a node belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovLevel {
    Central,
    Province,
    District,
    Commune,
}

impl GovLevel {
    pub const ALL: [GovLevel; 4] = [Self::Central, Self::Province, Self::District, Self::Commune];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Central => "central",
            Self::Province => "province",
            Self::District => "district",
            Self::Commune => "commune",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Why an electronic agency code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("agency code must look like 000.00.00.H13 (QCVN 102:2016)")]
pub struct AgencyCodeError;

/// Mã định danh điện tử của cơ quan (QCVN 102:2016, QĐ 20/2020/QĐ-TTg): `V1V2V3.Z1Z2.Y1Y2.MX1X2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(input: &str) -> Result<Self, AgencyCodeError> {
        let value = input.trim().to_uppercase();
        let parts: Vec<&str> = value.split('.').collect();
        let [l4, l3, l2, l1] = parts.as_slice() else {
            return Err(AgencyCodeError);
        };
        let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
        let level1 = l1.len() == 3
            && l1.starts_with(|c: char| c.is_ascii_uppercase())
            && l1[1..].chars().all(|c| c.is_ascii_digit());
        if digits(l4, 3) && digits(l3, 2) && digits(l2, 2) && level1 {
            Ok(Self(value))
        } else {
            Err(AgencyCodeError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = AgencyCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<AgencyCode> for String {
    fn from(value: AgencyCode) -> Self {
        value.0
    }
}

/// Materialised path of a node: `/1/5/23/` lists the ids from the root down to the node.
/// A node is inside a jurisdiction when the jurisdiction's path is a prefix of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrgPath(String);

impl OrgPath {
    pub fn root(id: i64) -> Self {
        Self(format!("/{id}/"))
    }

    pub fn child(&self, id: i64) -> Self {
        Self(format!("{}{id}/", self.0))
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `other` is this node or one of its descendants.
    pub fn contains(&self, other: &OrgPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Ids from the root down to this node.
    pub fn ids(&self) -> Vec<i64> {
        self.0.split('/').filter_map(|s| s.parse().ok()).collect()
    }

    pub fn depth(&self) -> usize {
        self.ids().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes_follow_qcvn_102() {
        assert_eq!(
            AgencyCode::parse("000.00.00.h13").expect("valid").as_str(),
            "000.00.00.H13"
        );
        assert!(AgencyCode::parse("000.00.H13").is_err());
        assert!(AgencyCode::parse("000.00.00.13").is_err());
        assert!(AgencyCode::parse("00A.00.00.H13").is_err());
    }

    #[test]
    fn paths_decide_jurisdiction() {
        let city = OrgPath::root(1);
        let commune = city.child(5).child(23);
        assert!(city.contains(&commune));
        assert!(commune.contains(&commune));
        assert!(!commune.contains(&city));
        // "/1/2/" must not contain "/1/23/".
        assert!(
            !OrgPath::root(1)
                .child(2)
                .contains(&OrgPath::root(1).child(23))
        );
        assert_eq!(commune.ids(), vec![1, 5, 23]);
    }
}
