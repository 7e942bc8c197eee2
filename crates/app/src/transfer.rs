//! Import and export of the organisation tree and the officials, as JSON or CSV.
//!
//! Units are referred to by their name path from the root ("UBND thành phố Cần Thơ > Sở Tư
//! pháp"), which survives moving data between installations where ids differ and is readable
//! in a spreadsheet. Importing is idempotent: a unit or official that already exists is
//! updated, not duplicated. Each import is one transaction with one audit entry.

use crate::directory::{
    OfficialStanding, UnitForm, authorise_official_change, write_official_change,
};
use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Permission, Role};
use motcua_store::org::OrgUnitRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

pub const REF_SEPARATOR: &str = " > ";

/// One unit in an export file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitRecord {
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub parent_ref: Option<String>,
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

/// One official in an export file. `roles` is `role@unit ref` joined by `;`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialRecord {
    pub username: String,
    pub full_name: String,
    #[serde(default)]
    pub position: Option<String>,
    pub unit_ref: String,
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
    pub roles: String,
}

fn yes() -> bool {
    true
}

/// File formats for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// Picks the format from an explicit name or a file name's extension.
    pub fn detect(explicit: Option<&str>, file_name: &str) -> Format {
        match explicit {
            Some(f) if f.eq_ignore_ascii_case("csv") => Format::Csv,
            Some(_) => Format::Json,
            None if file_name.to_lowercase().ends_with(".csv") => Format::Csv,
            None => Format::Json,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub roles_added: usize,
}

/// Name paths of every unit, by id.
fn unit_refs(units: &[OrgUnitRow]) -> HashMap<i64, String> {
    let by_id: HashMap<i64, &OrgUnitRow> = units.iter().map(|u| (u.id, u)).collect();
    units
        .iter()
        .map(|unit| {
            let names: Vec<&str> = motcua_domain::org::OrgPath::from_stored(unit.path.clone())
                .ids()
                .iter()
                .filter_map(|id| by_id.get(id).map(|u| u.name.as_str()))
                .collect();
            (unit.id, names.join(REF_SEPARATOR))
        })
        .collect()
}

fn encode<T: Serialize>(records: &[T], format: Format) -> AppResult<String> {
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(records).map_err(anyhow::Error::from)?),
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for record in records {
                writer.serialize(record).map_err(anyhow::Error::from)?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| anyhow::anyhow!("csv: {e}"))?;
            Ok(String::from_utf8(bytes).map_err(anyhow::Error::from)?)
        }
    }
}

fn decode<T: for<'de> Deserialize<'de>>(text: &str, format: Format) -> AppResult<Vec<T>> {
    let text = text.trim_start_matches('\u{feff}');
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| {
            AppError::Invalid(vec![InvalidField {
                field: format!("line {}", e.line()),
                code: "error-file-format".into(),
            }])
        }),
        Format::Csv => {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let mut out = Vec::new();
            for (index, row) in reader.deserialize().enumerate() {
                out.push(row.map_err(|_| {
                    AppError::Invalid(vec![InvalidField {
                        field: format!("line {}", index + 2),
                        code: "error-file-format".into(),
                    }])
                })?);
            }
            Ok(out)
        }
    }
}

fn blank_to_none(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl App {
    pub async fn export_units(&self, actor: &Actor, format: Format) -> AppResult<String> {
        let units = self.list_units(actor).await?;
        let refs = unit_refs(&units);
        // Ordered by name path: stable across installations, where ids differ.
        let mut records: Vec<UnitRecord> = units
            .iter()
            .map(|u| UnitRecord {
                reference: refs.get(&u.id).cloned().unwrap_or_default(),
                parent_ref: u.parent_id.and_then(|p| refs.get(&p).cloned()),
                kind: u.kind.clone(),
                level: u.level.clone(),
                name: u.name.clone(),
                short_name: u.short_name.clone(),
                code: u.code.clone(),
                address: u.address.clone(),
                phone: u.phone.clone(),
                email: u.email.clone(),
                sort_order: u.sort_order,
            })
            .collect();
        records.sort_by(|a, b| a.reference.cmp(&b.reference));
        encode(&records, format)
    }

    pub async fn import_units(
        &self,
        actor: &Actor,
        text: &str,
        format: Format,
    ) -> AppResult<ImportReport> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::OrgManage))?;
        let mut records: Vec<UnitRecord> = decode(text, format)?;
        // Parents before children, whatever order the file has.
        records.sort_by_key(|r| r.reference.matches(REF_SEPARATOR).count());
        let existing = self.store.list_units().await?;
        let mut refs: HashMap<String, OrgUnitRow> = unit_refs(&existing)
            .into_iter()
            .filter_map(|(id, reference)| {
                existing
                    .iter()
                    .find(|u| u.id == id)
                    .map(|u| (reference, u.clone()))
            })
            .collect();
        let now = self.now_micros();
        let mut report = ImportReport::default();
        let mut tx = self.store.begin().await?;
        for (index, record) in records.iter().enumerate() {
            let line = |code: &str| {
                AppError::Invalid(vec![InvalidField {
                    field: format!("record {}: {}", index + 1, record.reference),
                    code: code.into(),
                }])
            };
            let parent = match blank_to_none(record.parent_ref.clone()) {
                Some(parent_ref) => Some(
                    refs.get(&parent_ref)
                        .cloned()
                        .ok_or_else(|| line("error-parent"))?,
                ),
                None => None,
            };
            let expected_ref = match &parent {
                Some(p) => format!(
                    "{}{REF_SEPARATOR}{}",
                    refs.iter()
                        .find(|(_, u)| u.id == p.id)
                        .map(|(r, _)| r.as_str())
                        .unwrap_or_default(),
                    record.name
                ),
                None => record.name.clone(),
            };
            if expected_ref != record.reference {
                return Err(line("error-ref-mismatch"));
            }
            let form = UnitForm {
                parent_id: parent.as_ref().map(|p| p.id),
                kind: record.kind.clone(),
                level: record.level.clone(),
                name: record.name.clone(),
                short_name: blank_to_none(record.short_name.clone()),
                code: blank_to_none(record.code.clone()),
                address: blank_to_none(record.address.clone()),
                phone: blank_to_none(record.phone.clone()),
                email: blank_to_none(record.email.clone()),
                sort_order: record.sort_order,
            };
            let input = form.validate().map_err(|mut problems| {
                for p in &mut problems {
                    p.field = format!("record {}: {}", index + 1, p.field);
                }
                AppError::Invalid(problems)
            })?;
            match &parent {
                Some(p) => actor.require_at(Permission::OrgManage, &p.path)?,
                None if actor.principal != motcua_domain::authz::Principal::System
                    && !refs.contains_key(&record.reference) =>
                {
                    return Err(AppError::Forbidden);
                }
                None => {}
            }
            let unit = match refs.get(&record.reference) {
                Some(current) => {
                    actor.require_at(Permission::OrgManage, &current.path)?;
                    report.updated += 1;
                    tx.update_unit(current.id, &input, now).await?
                }
                None => {
                    report.created += 1;
                    tx.insert_unit(&input, now).await?
                }
            };
            refs.insert(record.reference.clone(), unit);
        }
        tx.append_audit(
            &actor.audit(
                "org.import",
                None,
                json!({ "created": report.created, "updated": report.updated }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    pub async fn export_officials(&self, actor: &Actor, format: Format) -> AppResult<String> {
        let officials = self.list_officials(actor).await?;
        let units = self.store.list_units().await?;
        let refs = unit_refs(&units);
        let mut records = Vec::with_capacity(officials.len());
        for official in officials {
            let roles = self
                .store
                .roles_of(official.id)
                .await?
                .into_iter()
                .map(|r| {
                    format!(
                        "{}@{}",
                        r.role,
                        refs.get(&r.unit_id).cloned().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(";");
            records.push(OfficialRecord {
                username: official.username,
                full_name: official.full_name,
                position: official.position_name,
                unit_ref: refs.get(&official.unit_id).cloned().unwrap_or_default(),
                email: official.email,
                phone: official.phone,
                employed_from: official.employed_from,
                employed_to: official.employed_to,
                active: official.active,
                roles,
            });
        }
        records.sort_by(|a, b| a.username.cmp(&b.username));
        encode(&records, format)
    }

    /// Imports officials. New officials get no usable password: an administrator sets one
    /// (`motcua admin set-password`) or they sign in through the identity provider.
    ///
    /// Every record is checked first — its unit, its fields, and the caller's right to make the
    /// change by the same rule as the edit page ([`authorise_official_change`]: the unit an
    /// existing official is in now, every unit they hold a role in, and the unit they move to) —
    /// and everything is read before the write transaction opens. One refused record refuses
    /// the whole file; nothing is written.
    pub async fn import_officials(
        &self,
        actor: &Actor,
        text: &str,
        format: Format,
    ) -> AppResult<ImportReport> {
        actor.require(motcua_domain::authz::Access::Staff(
            Permission::OfficialsManage,
        ))?;
        let records: Vec<OfficialRecord> = decode(text, format)?;
        let units = self.store.list_units().await?;
        let refs: HashMap<String, OrgUnitRow> = unit_refs(&units)
            .into_iter()
            .filter_map(|(id, reference)| {
                units
                    .iter()
                    .find(|u| u.id == id)
                    .map(|u| (reference, u.clone()))
            })
            .collect();
        let existing: HashMap<String, i64> = self
            .store
            .list_officials(None)
            .await?
            .into_iter()
            .map(|o| (o.username, o.id))
            .collect();
        // Where each official named in the file stands, as the file's earlier records leave
        // them: a later record about the same person is judged against the earlier change.
        let mut standing: HashMap<String, Option<OfficialStanding>> = HashMap::new();
        let mut plan = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            let at = |code: &str| {
                AppError::Invalid(vec![InvalidField {
                    field: format!("record {}: {}", index + 1, record.username),
                    code: code.into(),
                }])
            };
            let unit = refs
                .get(&record.unit_ref)
                .ok_or_else(|| at("error-parent"))?;
            let form = crate::directory::OfficialForm {
                username: record.username.clone(),
                full_name: record.full_name.clone(),
                position: blank_to_none(record.position.clone()),
                unit_id: unit.id,
                email: blank_to_none(record.email.clone()),
                phone: blank_to_none(record.phone.clone()),
                employed_from: blank_to_none(record.employed_from.clone()),
                employed_to: blank_to_none(record.employed_to.clone()),
                active: record.active,
                password: None,
            };
            let input = form.validate_for_import().map_err(|mut problems| {
                for p in &mut problems {
                    p.field = format!("record {}: {}", index + 1, p.field);
                }
                AppError::Invalid(problems)
            })?;
            let current = match standing.get(&input.username) {
                Some(known) => known.clone(),
                None => match existing.get(&input.username) {
                    Some(id) => Some(self.official_standing(*id).await?),
                    None => None,
                },
            };
            authorise_official_change(actor, current.as_ref(), &unit.path)?;
            let mut roles = Vec::new();
            for role_spec in record
                .roles
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let (role, unit_ref) = role_spec
                    .split_once('@')
                    .ok_or_else(|| at("error-role-spec"))?;
                let role = Role::parse(role.trim()).ok_or_else(|| at("error-role-spec"))?;
                let role_unit = refs
                    .get(unit_ref.trim())
                    .ok_or_else(|| at("error-parent"))?;
                actor.require_at(Permission::RolesAssign, &role_unit.path)?;
                roles.push((role, role_unit.id, role_unit.path.clone()));
            }
            let mut after = current.clone().unwrap_or(OfficialStanding {
                id: 0,
                unit_path: String::new(),
                role_units: Vec::new(),
            });
            after.unit_path = unit.path.clone();
            after
                .role_units
                .extend(roles.iter().map(|(_, _, path)| path.clone()));
            standing.insert(input.username.clone(), Some(after));
            plan.push((
                input,
                form.position,
                current.map(|c| c.id).filter(|id| *id != 0),
                roles,
            ));
        }
        let now = self.now_micros();
        let mut report = ImportReport::default();
        // Officials created by this file, by username, for its later records about them.
        let mut created: HashMap<String, i64> = HashMap::new();
        let mut tx = self.store.begin().await?;
        for (mut input, position, existing_id, roles) in plan {
            input.position_id = match &position {
                Some(position) => Some(tx.ensure_position(position, 100).await?),
                None => None,
            };
            let id = match existing_id.or_else(|| created.get(&input.username).copied()) {
                Some(id) => {
                    write_official_change(&mut tx, id, &input, now).await?;
                    report.updated += 1;
                    id
                }
                None => {
                    report.created += 1;
                    let id = tx.insert_official(&input, "!no-password", now).await?;
                    created.insert(input.username.clone(), id);
                    id
                }
            };
            for (role, unit_id, _) in roles {
                if tx
                    .assign_role(id, role.as_str(), unit_id, actor.id(), now)
                    .await?
                {
                    report.roles_added += 1;
                }
            }
        }
        tx.append_audit(
            &actor.audit("officials.import", None, json!({ "created": report.created, "updated": report.updated, "roles_added": report.roles_added })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}
