//! The organisation directory and civil-servant registry: units, officials, role assignments.
//!
//! Every change checks the caller's permission over the unit concerned (its jurisdiction) and
//! is audited in the same transaction.

use crate::{Actor, App, AppError, AppResult, InvalidField, security};
use motcua_domain::authz::{Permission, Role};
use motcua_domain::identity::{Email, Phone};
use motcua_domain::org::{AgencyCode, GovLevel, OrgKind};
use motcua_domain::text;
use motcua_store::org::{OrgUnitInput, OrgUnitRow, PositionRow};
use motcua_store::people::{OfficialInput, OfficialRow, RoleAssignmentRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A unit as submitted by a form or the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitForm {
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

/// An official as submitted by a form or the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialForm {
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
    /// Only when creating; at least [`crate::accounts::MIN_PASSWORD_LEN`] characters.
    #[serde(default)]
    pub password: Option<String>,
}

fn yes() -> bool {
    true
}

fn optional_text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(text::clean).filter(|v| !v.is_empty())
}

fn valid_date(value: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &format).is_ok()
}

impl UnitForm {
    /// Checks every field and returns every problem at once.
    pub fn validate(&self) -> Result<OrgUnitInput, Vec<InvalidField>> {
        let mut problems = Vec::new();
        let name = text::clean(&self.name);
        if name.is_empty() || name.chars().count() > 200 {
            problems.push(InvalidField::new("name", "error-name"));
        }
        if OrgKind::parse(&self.kind).is_none() {
            problems.push(InvalidField::new("kind", "error-choice"));
        }
        if GovLevel::parse(&self.level).is_none() {
            problems.push(InvalidField::new("level", "error-choice"));
        }
        let code = match optional_text(&self.code) {
            Some(code) => match AgencyCode::parse(&code) {
                Ok(code) => Some(code.as_str().to_owned()),
                Err(_) => {
                    problems.push(InvalidField::new("code", "error-agency-code"));
                    None
                }
            },
            None => None,
        };
        let email = optional_text(&self.email).and_then(|e| match Email::parse(&e) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                problems.push(InvalidField::new("email", "error-email"));
                None
            }
        });
        let phone = optional_text(&self.phone).and_then(|p| match Phone::parse(&p) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(_) => {
                problems.push(InvalidField::new("phone", "error-phone"));
                None
            }
        });
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(OrgUnitInput {
            parent_id: self.parent_id,
            kind: self.kind.clone(),
            level: self.level.clone(),
            name,
            short_name: optional_text(&self.short_name),
            code,
            address: optional_text(&self.address),
            phone,
            email,
            sort_order: self.sort_order,
        })
    }
}

impl OfficialForm {
    fn validate(
        &self,
        creating: bool,
    ) -> Result<(OfficialInput, Option<String>), Vec<InvalidField>> {
        let mut problems = Vec::new();
        let username = self.username.trim().to_lowercase();
        let username_ok = (3..=50).contains(&username.len())
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !username_ok {
            problems.push(InvalidField::new("username", "error-username"));
        }
        let full_name = text::clean(&self.full_name);
        if full_name.is_empty() || full_name.chars().count() > 100 {
            problems.push(InvalidField::new("full_name", "error-full-name"));
        }
        let email = optional_text(&self.email).and_then(|e| match Email::parse(&e) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                problems.push(InvalidField::new("email", "error-email"));
                None
            }
        });
        let phone = optional_text(&self.phone).and_then(|p| match Phone::parse(&p) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(_) => {
                problems.push(InvalidField::new("phone", "error-phone"));
                None
            }
        });
        for (field, value) in [
            ("employed_from", &self.employed_from),
            ("employed_to", &self.employed_to),
        ] {
            if let Some(date) = optional_text(value)
                && !valid_date(&date)
            {
                problems.push(InvalidField::new(field, "error-date"));
            }
        }
        if let (Some(from), Some(to)) = (
            optional_text(&self.employed_from),
            optional_text(&self.employed_to),
        ) && valid_date(&from)
            && valid_date(&to)
            && to < from
        {
            problems.push(InvalidField::new("employed_to", "error-date-order"));
        }
        let password = optional_text(&self.password);
        if creating {
            match &password {
                Some(p) if p.chars().count() >= crate::accounts::MIN_PASSWORD_LEN => {}
                _ => problems.push(InvalidField::new("password", "error-password-short")),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok((
            OfficialInput {
                username,
                full_name,
                position_id: None,
                unit_id: self.unit_id,
                email,
                phone,
                employed_from: optional_text(&self.employed_from),
                employed_to: optional_text(&self.employed_to),
                active: self.active,
            },
            password,
        ))
    }
}

impl OfficialForm {
    /// Validation for imported records, which carry no password.
    pub fn validate_for_import(&self) -> Result<OfficialInput, Vec<InvalidField>> {
        self.validate(false).map(|(input, _)| input)
    }
}

/// Where an existing official stands: their unit and the units of every role they hold.
#[derive(Debug, Clone)]
pub(crate) struct OfficialStanding {
    pub id: i64,
    pub unit_path: String,
    pub role_units: Vec<String>,
}

/// The one rule for changing an official's record, for the edit page, the API and the import
/// alike: the caller needs `OfficialsManage` over the unit the official is placed in
/// (`new_unit_path`) and, for an existing official (`current`), over the unit they are in now
/// and every unit they hold a role in. Otherwise an administrator of one ward could rewrite the
/// e-mail or the active flag of someone with powers beyond that ward, and so take the account.
pub(crate) fn authorise_official_change(
    actor: &Actor,
    current: Option<&OfficialStanding>,
    new_unit_path: &str,
) -> AppResult<()> {
    if let Some(current) = current {
        actor.require_at(Permission::OfficialsManage, &current.unit_path)?;
        for path in &current.role_units {
            actor.require_at(Permission::OfficialsManage, path)?;
        }
    }
    actor.require_at(Permission::OfficialsManage, new_unit_path)
}

/// Writes a changed official inside the caller's transaction; a deactivated official's
/// sessions end with the change (edit and import alike).
pub(crate) async fn write_official_change(
    tx: &mut motcua_store::StoreTx,
    id: i64,
    input: &OfficialInput,
    now: i64,
) -> AppResult<()> {
    tx.update_official(id, input, now).await?;
    if !input.active {
        tx.delete_sessions_of("official", id).await?;
    }
    Ok(())
}

impl App {
    /// Requires `permission` over the whole organisation tree (every root): for what every
    /// agency shares — the yearly calendar notice, the procedure catalogue and its workflows.
    pub(crate) async fn require_over_whole_tree(
        &self,
        actor: &Actor,
        permission: Permission,
    ) -> AppResult<()> {
        actor.require(motcua_domain::authz::Access::Staff(permission))?;
        for root in self
            .store
            .list_units()
            .await?
            .iter()
            .filter(|u| u.parent_id.is_none())
        {
            actor.require_at(permission, &root.path)?;
        }
        Ok(())
    }

    /// The whole tree, for those who may read the directory.
    pub async fn list_units(&self, actor: &Actor) -> AppResult<Vec<OrgUnitRow>> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::OrgRead))?;
        Ok(self.store.list_units().await?)
    }

    /// The agencies (units with an electronic code) where the caller holds `permission`, in
    /// tree order: the choices of a page that works on one agency (e.g. the tracking book).
    pub async fn agencies_with(
        &self,
        actor: &Actor,
        permission: Permission,
    ) -> AppResult<Vec<OrgUnitRow>> {
        actor.require(motcua_domain::authz::Access::Staff(permission))?;
        Ok(self
            .store
            .list_units()
            .await?
            .into_iter()
            .filter(|u| {
                u.code.is_some()
                    && actor.principal.may_at(
                        permission,
                        &motcua_domain::org::OrgPath::from_stored(u.path.clone()),
                    )
            })
            .collect())
    }

    pub async fn get_unit(&self, actor: &Actor, id: i64) -> AppResult<OrgUnitRow> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::OrgRead))?;
        Ok(self.store.get_unit(id).await?)
    }

    /// Creates a unit under a parent the caller manages. A new root needs the system principal.
    pub async fn create_unit(&self, actor: &Actor, form: &UnitForm) -> AppResult<OrgUnitRow> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::OrgManage))?;
        let input = form.validate().map_err(AppError::Invalid)?;
        match input.parent_id {
            Some(parent) => {
                let parent = self
                    .store
                    .get_unit(parent)
                    .await
                    .map_err(|_| AppError::invalid("parent_id", "error-parent"))?;
                actor.require_at(Permission::OrgManage, &parent.path)?;
            }
            None => {
                if actor.principal != motcua_domain::authz::Principal::System {
                    return Err(AppError::Forbidden);
                }
            }
        }
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let unit = tx.insert_unit(&input, now).await?;
        tx.append_audit(
            &actor.audit(
                "org.unit.create",
                Some(format!("unit:{}", unit.id)),
                json!({ "name": unit.name, "path": unit.path }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Changes a unit; moving it needs the right over both the old and the new place.
    pub async fn update_unit(
        &self,
        actor: &Actor,
        id: i64,
        form: &UnitForm,
    ) -> AppResult<OrgUnitRow> {
        let current = self.store.get_unit(id).await?;
        actor.require_at(Permission::OrgManage, &current.path)?;
        let input = form.validate().map_err(AppError::Invalid)?;
        if input.parent_id != current.parent_id {
            match input.parent_id {
                Some(parent) => {
                    let parent = self
                        .store
                        .get_unit(parent)
                        .await
                        .map_err(|_| AppError::invalid("parent_id", "error-parent"))?;
                    actor.require_at(Permission::OrgManage, &parent.path)?;
                }
                None => {
                    if actor.principal != motcua_domain::authz::Principal::System {
                        return Err(AppError::Forbidden);
                    }
                }
            }
        }
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let unit = tx.update_unit(id, &input, now).await?;
        tx.append_audit(
            &actor.audit(
                "org.unit.update",
                Some(format!("unit:{id}")),
                json!({ "name": unit.name, "path": unit.path }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }

    pub async fn delete_unit(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let current = self.store.get_unit(id).await?;
        actor.require_at(Permission::OrgManage, &current.path)?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.delete_unit(id).await?;
        tx.append_audit(
            &actor.audit(
                "org.unit.delete",
                Some(format!("unit:{id}")),
                json!({ "name": current.name }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_positions(&self, actor: &Actor) -> AppResult<Vec<PositionRow>> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::OrgRead))?;
        Ok(self.store.list_positions().await?)
    }

    /// Officials in the caller's jurisdictions (for the system, everyone).
    pub async fn list_officials(&self, actor: &Actor) -> AppResult<Vec<OfficialRow>> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::OrgRead))?;
        match actor.principal.jurisdictions(Permission::OrgRead) {
            None => Ok(self.store.list_officials(None).await?),
            Some(paths) => {
                let mut all: Vec<OfficialRow> = Vec::new();
                for path in paths {
                    for official in self.store.list_officials(Some(path.as_str())).await? {
                        if !all.iter().any(|o| o.id == official.id) {
                            all.push(official);
                        }
                    }
                }
                all.sort_by(|a, b| a.full_name.cmp(&b.full_name).then(a.id.cmp(&b.id)));
                Ok(all)
            }
        }
    }

    pub async fn get_official(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(OfficialRow, Vec<RoleAssignmentRow>)> {
        let official = self.store.get_official(id).await?;
        if actor.principal.official_id() != Some(id) {
            actor.require_at(Permission::OrgRead, &official.unit_path)?;
        }
        let roles = self.store.roles_of(id).await?;
        Ok((official, roles))
    }

    /// Registers an official in a unit the caller manages.
    pub async fn create_official(
        &self,
        actor: &Actor,
        form: &OfficialForm,
    ) -> AppResult<OfficialRow> {
        actor.require(motcua_domain::authz::Access::Staff(
            Permission::OfficialsManage,
        ))?;
        let (mut input, password) = form.validate(true).map_err(AppError::Invalid)?;
        let unit = self
            .store
            .get_unit(input.unit_id)
            .await
            .map_err(|_| AppError::invalid("unit_id", "error-parent"))?;
        authorise_official_change(actor, None, &unit.path)?;
        let hash = security::hash_password_off_thread(&password.unwrap_or_default()).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        if let Some(position) = optional_text(&form.position) {
            input.position_id = Some(tx.ensure_position(&position, 100).await?);
        }
        let id = tx.insert_official(&input, &hash, now).await?;
        tx.append_audit(
            &actor.audit(
                "official.create",
                Some(format!("official:{id}")),
                json!({ "username": input.username, "unit_id": input.unit_id }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(self.store.get_official(id).await?)
    }

    /// What [`authorise_official_change`] needs to know about an existing official: where
    /// they are and every unit they hold a role in. Read before any write transaction.
    pub(crate) async fn official_standing(&self, id: i64) -> AppResult<OfficialStanding> {
        let official = self.store.get_official(id).await?;
        let role_units = self
            .store
            .roles_of(id)
            .await?
            .into_iter()
            .map(|r| r.unit_path)
            .collect();
        Ok(OfficialStanding {
            id,
            unit_path: official.unit_path,
            role_units,
        })
    }

    /// Changes an official's record; moving them needs the right over both units.
    pub async fn update_official(
        &self,
        actor: &Actor,
        id: i64,
        form: &OfficialForm,
    ) -> AppResult<OfficialRow> {
        let standing = self.official_standing(id).await?;
        // Refuse before validating: someone outside the jurisdiction learns nothing of the rules.
        authorise_official_change(actor, Some(&standing), &standing.unit_path)?;
        let (mut input, _) = form.validate(false).map_err(AppError::Invalid)?;
        let unit = self
            .store
            .get_unit(input.unit_id)
            .await
            .map_err(|_| AppError::invalid("unit_id", "error-parent"))?;
        authorise_official_change(actor, Some(&standing), &unit.path)?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        input.position_id = match optional_text(&form.position) {
            Some(position) => Some(tx.ensure_position(&position, 100).await?),
            None => None,
        };
        write_official_change(&mut tx, id, &input, now).await?;
        tx.append_audit(
            &actor.audit(
                "official.update",
                Some(format!("official:{id}")),
                json!({ "username": input.username, "active": input.active }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(self.store.get_official(id).await?)
    }

    /// Sets a new password (by an administrator who may change the official's record, see
    /// [`authorise_official_change`], or by the system).
    pub async fn set_official_password(
        &self,
        actor: &Actor,
        id: i64,
        password: &str,
    ) -> AppResult<()> {
        if actor.principal.official_id() != Some(id) {
            // A new password takes the account: the same rule as any change of the record.
            let standing = self.official_standing(id).await?;
            authorise_official_change(actor, Some(&standing), &standing.unit_path)?;
        }
        if password.chars().count() < crate::accounts::MIN_PASSWORD_LEN {
            return Err(AppError::invalid("password", "error-password-short"));
        }
        let hash = security::hash_password_off_thread(password).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.set_official_password(id, &hash, now).await?;
        tx.delete_sessions_of("official", id).await?;
        // A token issued under the old password is as suspect as a session opened with it.
        let revoked = tx.revoke_api_tokens_of(id, now).await?;
        tx.append_audit(
            &actor.audit(
                "official.password",
                Some(format!("official:{id}")),
                json!({ "api_tokens_revoked": revoked }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants a role on a unit the caller may assign roles in.
    pub async fn assign_role(
        &self,
        actor: &Actor,
        official_id: i64,
        role: &str,
        unit_id: i64,
    ) -> AppResult<()> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::RolesAssign))?;
        let role = Role::parse(role).ok_or_else(|| AppError::invalid("role", "error-choice"))?;
        let unit = self
            .store
            .get_unit(unit_id)
            .await
            .map_err(|_| AppError::invalid("unit_id", "error-parent"))?;
        actor.require_at(Permission::RolesAssign, &unit.path)?;
        let official = self.store.get_official(official_id).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let added = tx
            .assign_role(official_id, role.as_str(), unit_id, actor.id(), now)
            .await?;
        if added {
            tx.append_audit(
                &actor.audit(
                    "role.assign",
                    Some(format!("official:{official_id}")),
                    json!({ "role": role.as_str(), "unit_id": unit_id, "unit": unit.name, "username": official.username }),
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Revokes one role assignment; returns the official who held it.
    pub async fn revoke_role(&self, actor: &Actor, assignment_id: i64) -> AppResult<i64> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::RolesAssign))?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let revoked = tx.revoke_role(assignment_id).await?;
        actor.require_at(Permission::RolesAssign, &revoked.unit_path)?;
        tx.append_audit(
            &actor.audit(
                "role.revoke",
                Some(format!("official:{}", revoked.official_id)),
                json!({ "role": revoked.role, "unit_id": revoked.unit_id, "unit": revoked.unit_name }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(revoked.official_id)
    }

    /// The audit log within the caller's jurisdiction for `AuditView`: entries by officials
    /// and system clients of units in their subtrees (see [`motcua_store::Store::list_audit_within`]),
    /// newest first, 100 a page.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        action: Option<&str>,
        before_id: Option<i64>,
    ) -> AppResult<Vec<motcua_store::audit::AuditRow>> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::AuditView))?;
        const PAGE: i64 = 100;
        let Some(paths) = actor.principal.jurisdictions(Permission::AuditView) else {
            return Ok(self.store.list_audit(action, PAGE, before_id).await?);
        };
        // Each subtree's newest page, merged: the newest page of the union is among them.
        // Entries of actors outside the tree (citizens, visitors, the operator) concern the
        // whole city and are shown only to those who audit from a root.
        let mut rows = Vec::new();
        for path in paths {
            let root = path.depth() == 1;
            rows.extend(
                self.store
                    .list_audit_within(action, PAGE, before_id, path.as_str(), root)
                    .await?,
            );
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        rows.dedup_by_key(|r| r.id);
        rows.truncate(usize::try_from(PAGE).unwrap_or(100));
        Ok(rows)
    }
}
