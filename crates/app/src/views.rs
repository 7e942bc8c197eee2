//! What the app hands to its callers (the web crate): read models and the reads behind pages.
//!
//! The store is private to this crate; callers get the rows below through use cases that
//! authorise them. Rows that are plain data (names, codes, paths) are passed on as they are;
//! where a row carries storage encodings the app converts it (see `DossierView`).

use crate::{Actor, App, AppResult};
use motcua_domain::authz::{Access, Permission};

pub use motcua_store::attachments::{AttachmentRow, DossierAttachmentRow};
pub use motcua_store::audit::AuditRow;
pub use motcua_store::catalogue::{FacetCount, ProcedureRow};
pub use motcua_store::clients::{ClientTokenRow, SystemClientRow};
pub use motcua_store::dossiers::{DossierRow, EventRow};
pub use motcua_store::org::OrgUnitRow;
pub use motcua_store::people::{CitizenRow, OfficialRow, RoleAssignmentRow};
pub use motcua_store::ratings::RatingRow;

/// A stored time (unix microseconds, as both databases keep them) as a UTC date-time.
pub fn from_micros(micros: i64) -> time::OffsetDateTime {
    motcua_store::from_micros(micros)
}

/// A date-time as stored (unix microseconds).
pub fn micros(at: time::OffsetDateTime) -> i64 {
    motcua_store::micros(at)
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

    /// One unit's public record (name, code) by id.
    pub async fn public_unit(&self, id: i64) -> AppResult<OrgUnitRow> {
        Ok(self.store.get_unit(id).await?)
    }

    /// The event history of a dossier the caller may see (same rule as the dossier itself).
    pub async fn dossier_history(
        &self,
        actor: &Actor,
        dossier_id: i64,
    ) -> AppResult<Vec<EventRow>> {
        let row = self.dossier_for(actor, dossier_id).await?;
        Ok(self.store.dossier_events(row.id).await?)
    }

    /// Active officials of the dossier's agency, to whom a step may be assigned; only for an
    /// official who may see dossiers there.
    pub async fn assignable_officials(
        &self,
        actor: &Actor,
        dossier: &DossierRow,
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
