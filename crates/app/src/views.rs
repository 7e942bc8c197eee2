//! What the app hands to its callers (the web crate): read models and the reads behind pages.
//!
//! The store is private to this crate; callers get the rows below through use cases that
//! authorise them. Rows that are plain data (names, codes, paths) are passed on as they are;
//! where a row carries storage encodings the app converts it: a dossier is a [`DossierView`]
//! and its timeline a list of [`EventView`]s — typed statuses, channels and times, never
//! national codes as integers or unix microseconds. Each is built from its row in one place.

use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::{Access, Permission, Role};
use motcua_domain::dossier::{
    Actor as EventActor, CommandKind, DossierStatus, ResultDelivery, ReturnMethod,
};
use motcua_domain::procedure::{Channel, FormValues};
use motcua_store::dossiers::{DossierRow, EventRow};
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub use motcua_store::attachments::{AttachmentRow, DossierAttachmentRow};
pub use motcua_store::audit::AuditRow;
pub use motcua_store::catalogue::{FacetCount, ProcedureRow};
pub use motcua_store::clients::{ClientTokenRow, SystemClientRow};
pub use motcua_store::national_sync::{NationalSyncRow, SyncComparison, SyncCounts};
pub use motcua_store::org::OrgUnitRow;
pub use motcua_store::people::{CitizenRow, OfficialRow, RoleAssignmentRow};
pub use motcua_store::ratings::RatingRow;
pub use motcua_store::reports::{DrillDossier, OverdueCount};

/// A stored time (unix microseconds, as both databases keep them) as a UTC date-time.
pub fn from_micros(micros: i64) -> time::OffsetDateTime {
    motcua_store::from_micros(micros)
}

/// A dossier (hồ sơ) as the app hands it to its callers: what the pages and the API show,
/// typed. Built from the stored row by [`DossierView::from_row`] only.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierView {
    pub id: i64,
    /// Mã hồ sơ, `<agency code>-YYMMDD-NNNN`; `None` until submitted or registered.
    pub code: Option<String>,
    pub procedure_code: String,
    pub procedure_version: i64,
    /// The workflow version the dossier was started under.
    pub workflow_version: i64,
    /// The processing agency (cơ quan giải quyết).
    pub agency_id: i64,
    pub agency_path: String,
    /// Bộ phận tiếp nhận: the agency whose desk received the dossier and returns its result
    /// (the processing agency's for dossiers from before transfers).
    pub desk_id: Option<i64>,
    pub desk_path: String,
    /// The applicant's account, for dossiers submitted online.
    pub citizen_id: Option<i64>,
    pub applicant_name: String,
    /// Số định danh cá nhân of the applicant, when known.
    pub applicant_personal_id: Option<String>,
    /// How it was submitted (hình thức nộp).
    pub channel: Channel,
    /// Trạng thái hồ sơ; `None`: a draft.
    pub status: Option<DossierStatus>,
    /// Index of the current workflow step, from receipt on.
    pub step: Option<usize>,
    /// The role that acts at the current step.
    pub step_role: Option<Role>,
    /// The official working the current step, if assigned.
    pub assignee_id: Option<i64>,
    /// Ngày hẹn trả.
    pub due: Option<OffsetDateTime>,
    pub created: OffsetDateTime,
    pub updated: OffsetDateTime,
    /// Hình thức nhận kết quả, with the postal address for `post`.
    pub delivery: ResultDelivery,
    /// When the result was handed to the postal operator (kept after delivery; cleared when
    /// the parcel came back).
    pub result_posted: Option<OffsetDateTime>,
    /// Số điện thoại liên hệ given for the postman.
    pub contact_phone: Option<String>,
    /// The form answers as stored (field id → value).
    pub form: serde_json::Value,
}

impl DossierView {
    /// The one conversion from the stored row; corrupt data (an unknown status code, channel,
    /// role or delivery method, a negative step, an unreadable form) is an internal error.
    /// The state machine's snapshot is not decoded: lists of dossiers stay cheap.
    pub(crate) fn from_row(row: &DossierRow) -> AppResult<DossierView> {
        let corrupt =
            |what: &str| AppError::Internal(anyhow::anyhow!("dossier {}: corrupt {what}", row.id));
        let status = match row.status_code {
            None => None,
            Some(code) => Some(
                u8::try_from(code)
                    .ok()
                    .and_then(DossierStatus::from_national_code)
                    .ok_or_else(|| corrupt("status code"))?,
            ),
        };
        let step_role = match &row.step_role {
            None => None,
            Some(role) => Some(Role::parse(role).ok_or_else(|| corrupt("step role"))?),
        };
        let step = match row.step {
            None => None,
            Some(step) => Some(usize::try_from(step).map_err(|_| corrupt("step"))?),
        };
        Ok(DossierView {
            id: row.id,
            code: row.code.clone(),
            procedure_code: row.procedure_code.clone(),
            procedure_version: row.procedure_version,
            workflow_version: row.workflow_version,
            agency_id: row.agency_id,
            agency_path: row.agency_path.clone(),
            desk_id: row.desk_id,
            desk_path: row.desk_path().to_owned(),
            citizen_id: row.citizen_id,
            applicant_name: row.applicant_name.clone(),
            applicant_personal_id: row.applicant_personal_id.clone(),
            channel: Channel::parse(&row.channel).ok_or_else(|| corrupt("channel"))?,
            status,
            step,
            step_role,
            assignee_id: row.assignee_id,
            due: row.due_at.map(motcua_store::from_micros),
            created: motcua_store::from_micros(row.created_at),
            updated: motcua_store::from_micros(row.updated_at),
            delivery: ResultDelivery {
                method: ReturnMethod::parse(&row.delivery_method)
                    .ok_or_else(|| corrupt("delivery method"))?,
                address: row.delivery_address.clone(),
            },
            result_posted: row.result_posted_at.map(motcua_store::from_micros),
            contact_phone: row.contact_phone.clone(),
            form: serde_json::from_str(&row.form).map_err(|_| corrupt("form"))?,
        })
    }

    /// [`DossierView::from_row`] over a list.
    pub(crate) fn from_rows(rows: &[DossierRow]) -> AppResult<Vec<DossierView>> {
        rows.iter().map(DossierView::from_row).collect()
    }

    /// Whether the dossier has been transferred away from the agency that received it.
    pub fn transferred(&self) -> bool {
        self.desk_id.is_some_and(|desk| desk != self.agency_id)
    }

    /// Whether it is still a draft (no status, no national code).
    pub fn is_draft(&self) -> bool {
        self.status.is_none()
    }

    /// Whether the result is with the postal operator, not yet delivered.
    pub fn result_in_post(&self) -> bool {
        self.is(DossierStatus::Resolved) && self.result_posted.is_some()
    }

    /// Whether the dossier is in `status` now.
    pub fn is(&self, status: DossierStatus) -> bool {
        self.status == Some(status)
    }

    /// The form answers as the procedure's form model reads them (empty if they do not fit).
    pub fn form_values(&self) -> FormValues {
        serde_json::from_value(self.form.clone()).unwrap_or_default()
    }
}

/// One entry of a dossier's timeline (nhật ký xử lý) as the app hands it out, read from the
/// event as it was hashed into the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventView {
    /// 1, 2, 3, … per dossier.
    pub seq: u64,
    pub at: OffsetDateTime,
    /// Who issued the command.
    pub actor: EventActor,
    /// The command that produced the event.
    pub kind: CommandKind,
    /// `None`: the dossier was a draft.
    pub from_status: Option<DossierStatus>,
    pub to_status: Option<DossierStatus>,
    /// Lý do: why (returns, refusals, stops, extensions); empty otherwise.
    pub reason: String,
    /// Command details as sorted key/value text (step indexes, due times, missing papers).
    pub data: BTreeMap<String, String>,
}

impl EventView {
    /// The one conversion from the stored row; an unreadable event is an internal error.
    pub(crate) fn from_row(row: &EventRow) -> AppResult<EventView> {
        let event = row.event()?;
        Ok(EventView {
            seq: event.seq,
            at: event.at,
            actor: event.actor,
            kind: event.kind,
            from_status: event.from_status,
            to_status: event.to_status,
            reason: event.reason,
            data: event.data,
        })
    }
}

impl App {
    /// Whether the database answers (the readiness probe).
    pub async fn is_ready(&self) -> bool {
        self.store.ping().await
    }

    /// Outbox rows not yet delivered, of every kind (a metrics gauge).
    pub async fn pending_effects(&self) -> AppResult<i64> {
        Ok(self.store.pending_outbox().await?)
    }

    /// The organisation's units with their public names and codes, as printed on every receipt
    /// and offered on the portal's agency choice.
    pub async fn public_units(&self) -> AppResult<Vec<OrgUnitRow>> {
        Ok(self.store.list_units().await?)
    }

    /// The official's own agency among `candidates` (agency codes): the nearest one at or above
    /// a unit where they receive dossiers — what the counter opens on. `None` for others, or
    /// when none of the candidates is theirs.
    pub async fn own_agency<'a>(
        &self,
        actor: &Actor,
        candidates: impl Iterator<Item = &'a str>,
    ) -> Option<String> {
        let desks: Vec<String> = actor
            .principal
            .jurisdictions(motcua_domain::authz::Permission::DossierReceive)?
            .into_iter()
            .map(|p| p.as_str().to_owned())
            .collect();
        let units = self.store.list_units().await.ok()?;
        let candidates: Vec<&str> = candidates.collect();
        units
            .into_iter()
            .filter(|u| u.code.as_deref().is_some_and(|c| candidates.contains(&c)))
            .filter(|u| desks.iter().any(|desk| desk.starts_with(u.path.as_str())))
            .max_by_key(|u| u.path.len())
            .and_then(|u| u.code)
    }

    /// One unit's public record (name, code) by id.
    pub async fn public_unit(&self, id: i64) -> AppResult<OrgUnitRow> {
        Ok(self.store.get_unit(id).await?)
    }

    /// The event history of a dossier the caller may see (same rule as the dossier itself).
    pub async fn dossier_history(
        &self,
        actor: &Actor,
        dossier_id: i64,
    ) -> AppResult<Vec<EventView>> {
        let row = self.dossier_row(actor, dossier_id).await?;
        self.store
            .dossier_events(row.id)
            .await?
            .iter()
            .map(EventView::from_row)
            .collect()
    }

    /// Active officials of the dossier's agency, to whom a step may be assigned; only for an
    /// official who may see dossiers there.
    pub async fn assignable_officials(
        &self,
        actor: &Actor,
        dossier: &DossierView,
    ) -> AppResult<Vec<OfficialRow>> {
        actor.require_at(Permission::DossierView, &dossier.agency_path)?;
        Ok(self
            .store
            .list_officials(Some(&dossier.agency_path))
            .await?
            .into_iter()
            .filter(|o| o.active)
            .collect())
    }

    /// The signed-in citizen's own account.
    pub async fn own_citizen_account(&self, actor: &Actor) -> AppResult<CitizenRow> {
        actor.require(Access::Citizen)?;
        let id = actor
            .principal
            .citizen_id()
            .ok_or(crate::AppError::Forbidden)?;
        Ok(self.store.get_citizen(id).await?)
    }

    /// "Name (username)" of an official, for history pages of the catalogue; staff only.
    pub async fn official_label(&self, actor: &Actor, official_id: i64) -> AppResult<String> {
        actor.require(Access::Staff(Permission::CatalogueManage))?;
        let official = self.store.get_official(official_id).await?;
        Ok(format!("{} ({})", official.full_name, official.username))
    }

    /// Which database this app runs on (`sqlite` or `postgres`), for tools' reports.
    pub fn backend_name(&self) -> &'static str {
        self.store.backend().as_str()
    }

    /// How many procedure versions the catalogue holds.
    pub async fn procedure_version_count(&self) -> AppResult<i64> {
        Ok(self.store.count_procedures().await?)
    }

    /// The id of an official by user name; for the operator's command line only.
    pub async fn official_id_by_username(&self, actor: &Actor, username: &str) -> AppResult<i64> {
        if !matches!(actor.principal, motcua_domain::authz::Principal::System) {
            return Err(crate::AppError::Forbidden);
        }
        Ok(self
            .store
            .official_credentials(&username.trim().to_lowercase())
            .await?
            .id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> DossierRow {
        DossierRow {
            id: 7,
            code: Some("000.00.30.H13-261207-0001".into()),
            procedure_code: "1.001193".into(),
            procedure_version: 1,
            workflow_version: 1,
            agency_id: 3,
            agency_path: "/1/3/".into(),
            citizen_id: Some(1),
            applicant_name: "Nguyễn Văn Hậu".into(),
            applicant_personal_id: None,
            channel: "online".into(),
            status_code: Some(2),
            step: Some(0),
            step_role: Some("specialist".into()),
            assignee_id: None,
            due_at: Some(1_796_000_000_000_000),
            state: "not decoded by the view".into(),
            form: r#"{"so_ban_sao": 2}"#.into(),
            last_seq: 2,
            head: String::new(),
            created_at: 1_795_000_000_000_000,
            updated_at: 1_795_000_100_000_000,
            desk_id: None,
            desk_path: None,
            delivery_method: "post".into(),
            delivery_address: Some("12 Hòa Bình, Ninh Kiều".into()),
            result_posted_at: Some(1_795_000_100_000_000),
            contact_phone: Some("0912345678".into()),
        }
    }

    #[test]
    fn a_row_becomes_a_typed_view() {
        let view = DossierView::from_row(&row()).expect("view");
        assert_eq!(view.status, Some(DossierStatus::Received));
        assert_eq!(view.channel, Channel::Online);
        assert_eq!(view.step_role, Some(Role::Specialist));
        assert_eq!(view.delivery.method, ReturnMethod::Post);
        assert_eq!(
            view.result_posted.map(|t| t.unix_timestamp()),
            Some(1_795_000_100)
        );
        assert_eq!(view.desk_path, "/1/3/");
        assert_eq!(view.due.map(|d| d.unix_timestamp()), Some(1_796_000_000));
        // Whole numbers stay whole: the API shows the form as it was stored.
        assert_eq!(view.form.to_string(), r#"{"so_ban_sao":2}"#);
    }

    #[test]
    fn corrupt_rows_are_internal_errors_not_panics() {
        let corruptions: [fn(&mut DossierRow); 6] = [
            |r| r.status_code = Some(11),
            |r| r.channel = "fax".into(),
            |r| r.step_role = Some("mayor".into()),
            |r| r.step = Some(-1),
            |r| r.delivery_method = "pigeon".into(),
            |r| r.form = "{".into(),
        ];
        for corrupt in corruptions {
            let mut bad = row();
            corrupt(&mut bad);
            assert!(
                matches!(DossierView::from_row(&bad), Err(AppError::Internal(_))),
                "{bad:?}"
            );
        }
    }
}
