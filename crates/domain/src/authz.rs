//! Who may do what, where: every access decision is role × jurisdiction.
//!
//! A route states the [`Permission`] it needs; an official holds [`RoleAssignment`]s, each a
//! role scoped to a node of the organisation tree and its subtree. The decision is made here and
//! nowhere else.

use crate::org::OrgPath;
use serde::{Deserialize, Serialize};

/// Vai trò: the roles an official can be given on a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ Bộ phận Một cửa: receives dossiers, hands results back.
    Reception,
    /// Chuyên viên: works dossiers.
    Specialist,
    /// Lãnh đạo phòng: assigns and reviews within a unit.
    UnitHead,
    /// Lãnh đạo cơ quan: approves, signs, extends.
    Leader,
    /// Văn thư: registers and issues official documents.
    Clerk,
    /// Quản trị: keeps the organisation, officials, roles, catalogue and calendar.
    Admin,
    /// Thanh tra / giám sát: reads reports and audit trails.
    Inspector,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Self::Reception,
        Self::Specialist,
        Self::UnitHead,
        Self::Leader,
        Self::Clerk,
        Self::Admin,
        Self::Inspector,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reception => "reception",
            Self::Specialist => "specialist",
            Self::UnitHead => "unit_head",
            Self::Leader => "leader",
            Self::Clerk => "clerk",
            Self::Admin => "admin",
            Self::Inspector => "inspector",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// The permissions this role grants within its jurisdiction.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::Reception => &[OrgRead, DossierView, DossierReceive, DossierReturnResult],
            Self::Specialist => &[OrgRead, DossierView, DossierProcess, DocumentsWork],
            Self::UnitHead => &[
                OrgRead,
                DossierView,
                DossierProcess,
                DossierAssign,
                DocumentsWork,
            ],
            Self::Leader => &[
                OrgRead,
                DossierView,
                DossierProcess,
                DossierAssign,
                DossierApprove,
                ReportsView,
                DocumentsWork,
            ],
            Self::Clerk => &[OrgRead, DocumentsManage],
            Self::Admin => &[
                OrgRead,
                OrgManage,
                OfficialsManage,
                RolesAssign,
                CatalogueManage,
                CalendarManage,
                AuditView,
                ReportsView,
            ],
            Self::Inspector => &[OrgRead, DossierView, ReportsView, AuditView],
        }
    }
}

/// Quyền: one capability a route may require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    OrgRead,
    OrgManage,
    OfficialsManage,
    RolesAssign,
    CatalogueManage,
    CalendarManage,
    AuditView,
    ReportsView,
    DossierView,
    DossierReceive,
    DossierProcess,
    DossierAssign,
    DossierApprove,
    DossierReturnResult,
    DocumentsManage,
    /// Works on official documents of the body: drafts, handles, directs, approves, signs
    /// (which command, by role: `domain::document::role_may_issue`).
    DocumentsWork,
}

impl Permission {
    pub const ALL: [Permission; 16] = [
        Self::OrgRead,
        Self::OrgManage,
        Self::OfficialsManage,
        Self::RolesAssign,
        Self::CatalogueManage,
        Self::CalendarManage,
        Self::AuditView,
        Self::ReportsView,
        Self::DossierView,
        Self::DossierReceive,
        Self::DossierProcess,
        Self::DossierAssign,
        Self::DossierApprove,
        Self::DossierReturnResult,
        Self::DocumentsManage,
        Self::DocumentsWork,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrgRead => "org_read",
            Self::OrgManage => "org_manage",
            Self::OfficialsManage => "officials_manage",
            Self::RolesAssign => "roles_assign",
            Self::CatalogueManage => "catalogue_manage",
            Self::CalendarManage => "calendar_manage",
            Self::AuditView => "audit_view",
            Self::ReportsView => "reports_view",
            Self::DossierView => "dossier_view",
            Self::DossierReceive => "dossier_receive",
            Self::DossierProcess => "dossier_process",
            Self::DossierAssign => "dossier_assign",
            Self::DossierApprove => "dossier_approve",
            Self::DossierReturnResult => "dossier_return_result",
            Self::DocumentsManage => "documents_manage",
            Self::DocumentsWork => "documents_work",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

/// A role held on a node of the tree and everything under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    pub role: Role,
    pub unit_id: i64,
    pub unit_path: OrgPath,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    Citizen {
        citizen_id: i64,
    },
    Official {
        official_id: i64,
        assignments: Vec<RoleAssignment>,
    },
    /// The operator at the command line or a background job: trusted, never reachable over HTTP.
    System,
    /// Hệ thống kết nối: another system (the national portal connector, a postal operator's
    /// callback, a data-sharing client) calling the API with a bearer token issued to it. It
    /// holds exactly the permissions an administrator granted, over one subtree, and is never
    /// a person: routes for citizens or for officials as such refuse it.
    Client {
        client_id: i64,
        /// Shown in the audit log next to everything the client does.
        name: String,
        permissions: Vec<Permission>,
        jurisdiction: OrgPath,
    },
}

/// What a route requires of its caller. Every route declares one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in citizen, acting on their own data.
    Citizen,
    /// Any signed-in official (their own profile, their own queues).
    Official,
    /// Any signed-in citizen or official (e.g. uploading a file); what they may reach is then
    /// decided by the use case from ownership and jurisdiction.
    SignedIn,
    /// An official holding the permission somewhere; the target's jurisdiction is checked again
    /// with [`Principal::may_at`] once the target is known.
    Staff(Permission),
}

/// The outcome of an access decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in (HTTP 401).
    Unauthenticated,
    /// Signed in but not allowed (HTTP 403).
    Forbidden,
}

impl Principal {
    /// Decides whether this caller may use a route, before any target is known.
    pub fn check(&self, access: Access) -> Decision {
        match (access, self) {
            (Access::Public, _) => Decision::Allow,
            (_, Principal::System) => Decision::Allow,
            (_, Principal::Anonymous) => Decision::Unauthenticated,
            (Access::Citizen, Principal::Citizen { .. }) => Decision::Allow,
            (Access::Official, Principal::Official { .. }) => Decision::Allow,
            (Access::SignedIn, Principal::Citizen { .. } | Principal::Official { .. }) => {
                Decision::Allow
            }
            (Access::Staff(permission), Principal::Official { assignments, .. }) => {
                if assignments
                    .iter()
                    .any(|a| a.role.permissions().contains(&permission))
                {
                    Decision::Allow
                } else {
                    Decision::Forbidden
                }
            }
            (Access::Staff(permission), Principal::Client { permissions, .. }) => {
                if permissions.contains(&permission) {
                    Decision::Allow
                } else {
                    Decision::Forbidden
                }
            }
            _ => Decision::Forbidden,
        }
    }

    /// Decides whether this caller holds `permission` over the node at `target`.
    pub fn may_at(&self, permission: Permission, target: &OrgPath) -> bool {
        match self {
            Principal::Official { assignments, .. } => assignments.iter().any(|a| {
                a.role.permissions().contains(&permission) && a.unit_path.contains(target)
            }),
            Principal::Client {
                permissions,
                jurisdiction,
                ..
            } => permissions.contains(&permission) && jurisdiction.contains(target),
            Principal::System => true,
            _ => false,
        }
    }

    /// The subtrees in which this caller holds `permission`, for scoping list queries.
    /// `None` means everywhere (the system principal).
    pub fn jurisdictions(&self, permission: Permission) -> Option<Vec<OrgPath>> {
        Some(match self {
            Principal::System => return None,
            Principal::Official { assignments, .. } => assignments
                .iter()
                .filter(|a| a.role.permissions().contains(&permission))
                .map(|a| a.unit_path.clone())
                .collect(),
            Principal::Client {
                permissions,
                jurisdiction,
                ..
            } if permissions.contains(&permission) => vec![jurisdiction.clone()],
            _ => Vec::new(),
        })
    }

    pub fn official_id(&self) -> Option<i64> {
        match self {
            Principal::Official { official_id, .. } => Some(*official_id),
            _ => None,
        }
    }

    pub fn citizen_id(&self) -> Option<i64> {
        match self {
            Principal::Citizen { citizen_id } => Some(*citizen_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn official(role: Role, path: OrgPath) -> Principal {
        Principal::Official {
            official_id: 1,
            assignments: vec![RoleAssignment {
                role,
                unit_id: 0,
                unit_path: path,
            }],
        }
    }

    #[test]
    fn anonymous_callers_reach_only_public_routes() {
        assert_eq!(Principal::Anonymous.check(Access::Public), Decision::Allow);
        assert_eq!(
            Principal::Anonymous.check(Access::Citizen),
            Decision::Unauthenticated
        );
        assert_eq!(
            Principal::Anonymous.check(Access::Staff(Permission::OrgRead)),
            Decision::Unauthenticated
        );
    }

    #[test]
    fn citizens_never_reach_staff_routes() {
        let citizen = Principal::Citizen { citizen_id: 7 };
        assert_eq!(citizen.check(Access::Citizen), Decision::Allow);
        assert_eq!(citizen.check(Access::Official), Decision::Forbidden);
        assert_eq!(
            citizen.check(Access::Staff(Permission::DossierView)),
            Decision::Forbidden
        );
    }

    #[test]
    fn signed_in_admits_citizens_and_officials_only() {
        let citizen = Principal::Citizen { citizen_id: 7 };
        let reception = official(Role::Reception, OrgPath::root(1));
        assert_eq!(citizen.check(Access::SignedIn), Decision::Allow);
        assert_eq!(reception.check(Access::SignedIn), Decision::Allow);
        assert_eq!(
            Principal::Anonymous.check(Access::SignedIn),
            Decision::Unauthenticated
        );
    }

    #[test]
    fn permissions_follow_roles() {
        let reception = official(Role::Reception, OrgPath::root(1));
        assert_eq!(
            reception.check(Access::Staff(Permission::DossierReceive)),
            Decision::Allow
        );
        assert_eq!(
            reception.check(Access::Staff(Permission::OrgManage)),
            Decision::Forbidden
        );
        assert_eq!(reception.check(Access::Citizen), Decision::Forbidden);
    }

    #[test]
    fn jurisdiction_is_the_subtree_of_the_assignment() {
        let commune_a = OrgPath::root(1).child(10);
        let commune_b = OrgPath::root(1).child(11);
        let officer = official(Role::Reception, commune_a.clone());
        assert!(officer.may_at(Permission::DossierReceive, &commune_a.child(99)));
        assert!(!officer.may_at(Permission::DossierReceive, &commune_b));
        assert!(!officer.may_at(Permission::DossierReceive, &OrgPath::root(1)));
        assert!(!officer.may_at(Permission::OrgManage, &commune_a));
    }

    #[test]
    fn the_system_principal_may_do_anything_everywhere() {
        assert_eq!(
            Principal::System.check(Access::Staff(Permission::OrgManage)),
            Decision::Allow
        );
        assert!(Principal::System.may_at(Permission::RolesAssign, &OrgPath::root(1)));
        assert_eq!(Principal::System.jurisdictions(Permission::OrgRead), None);
        let citizen = Principal::Citizen { citizen_id: 1 };
        assert_eq!(citizen.jurisdictions(Permission::OrgRead), Some(vec![]));
    }

    #[test]
    fn a_system_client_holds_exactly_its_grants_within_its_subtree() {
        let commune = OrgPath::root(1).child(10);
        let client = Principal::Client {
            client_id: 3,
            name: "Cổng DVC quốc gia".into(),
            permissions: vec![Permission::DossierView],
            jurisdiction: commune.clone(),
        };
        assert_eq!(
            client.check(Access::Staff(Permission::DossierView)),
            Decision::Allow
        );
        assert_eq!(
            client.check(Access::Staff(Permission::DossierReceive)),
            Decision::Forbidden
        );
        for personal in [Access::Citizen, Access::Official, Access::SignedIn] {
            assert_eq!(client.check(personal), Decision::Forbidden, "{personal:?}");
        }
        assert!(client.may_at(Permission::DossierView, &commune.child(4)));
        assert!(!client.may_at(Permission::DossierView, &OrgPath::root(1).child(11)));
        assert!(!client.may_at(Permission::OrgRead, &commune));
        assert_eq!(
            client.jurisdictions(Permission::DossierView),
            Some(vec![commune])
        );
        assert_eq!(client.jurisdictions(Permission::OrgRead), Some(vec![]));
        assert_eq!(client.official_id(), None);
    }

    #[test]
    fn permissions_have_stable_names() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(permission));
            let json = serde_json::to_string(&permission).expect("json");
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
        }
        assert_eq!(Permission::parse("everything"), None);
    }

    #[test]
    fn every_role_reads_the_directory() {
        for role in Role::ALL {
            assert!(
                role.permissions().contains(&Permission::OrgRead),
                "{role:?}"
            );
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
