//! One-stop dossier use cases: a citizen submits online, the desk receives (code, appointment),
//! officials act along the workflow, the result is returned, anyone looks the status up.
//!
//! Each use case loads the dossier, asks the pure state machine
//! ([`motcua_domain::dossier::decide`]) for the new state, and writes the state, the hash-chained
//! events and the notifications in one transaction. Due times come from the agency's working
//! calendar; the legal processing time from the procedure version in force.
//!
//! By action: `submit` (online submission, drafts), `counter` (registration at the desk),
//! `act` (reception and every other command, and `persist`, where every decision is written),
//! `queues` (the citizen's list and the work queues); this file holds the shared access rule
//! (`dossier_for`) and the role an official acts under.

mod act;
mod counter;
mod queues;
pub use queues::{MAX_PAGE, QueueFilters, QueuePage};
mod seal;
mod submit;

use crate::attachments::{Papers, with_paper_problems};
use crate::effects::{EffectTarget, enqueue_effects};
use crate::views::DossierView;
use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::attachment::Purpose;
use motcua_domain::authz::{Permission, Principal, Role};
use motcua_domain::calendar::ProcessingTime;
use motcua_domain::dossier::{
    self, Actor as DossierActor, Command, CommandKind, Context, Dossier, DossierCode,
    DossierStatus, Effect, ResultDelivery, Workflow, role_may_issue,
};
use motcua_domain::org::AgencyCode;
use motcua_domain::procedure::{Channel, FormValues};
use motcua_store::dossiers::{DossierFilter, DossierRow, NewDossier};
use serde_json::json;

/// A citizen's online submission.
#[derive(Debug, Clone)]
pub struct Submission {
    pub procedure_code: String,
    /// The agency (by electronic code) that resolves it, e.g. the applicant's ward.
    pub agency_code: String,
    pub form: FormValues,
    /// Earlier uploads of the citizen for required papers: (requirement index, attachment id).
    pub attachments: Vec<(u32, i64)>,
    /// Hình thức nhận kết quả.
    pub delivery: ResultDelivery,
    /// The papers sent by post (the postman collects them) and the number the postman calls.
    pub postal: crate::postal::PostalChoice,
}

/// A dossier typed in at the one-stop counter (tiếp nhận trực tiếp) from the applicant's papers.
#[derive(Debug, Clone)]
pub struct CounterRegistration {
    pub procedure_code: String,
    /// The agency (by electronic code) whose desk receives it.
    pub agency_code: String,
    /// Họ tên người nộp.
    pub applicant_name: String,
    /// Số định danh cá nhân, when the applicant has one; links the dossier to their account.
    pub applicant_personal_id: Option<String>,
    pub form: FormValues,
    /// Hình thức nhận kết quả, as the applicant chose at the counter.
    pub delivery: ResultDelivery,
    /// Ngày dấu bưu điện of a dossier that came by post: it is registered with channel
    /// `postal`, and its appointment counts from this date (vn-legal §4, §15).
    pub postmark: Option<time::Date>,
    /// Số điện thoại liên hệ for the postman bringing the result, when it goes by post.
    pub contact_phone: Option<String>,
}

pub use crate::lookup::{LookupProof, PublicStatus, PublicStep};

/// "Nguyễn Văn Hậu" → "Nguyễn V. H.": enough to recognise, not to identify.
pub fn mask_name(name: &str) -> String {
    let mut words = name.split_whitespace();
    let Some(first) = words.next() else {
        return String::new();
    };
    let rest: Vec<String> = words
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}."))
        .collect();
    if rest.is_empty() {
        first.to_owned()
    } else {
        format!("{first} {}", rest.join(" "))
    }
}

fn transition_error(error: dossier::TransitionError) -> AppError {
    // A missing reason or list is reported on its own field so forms can show it there.
    let field = match &error {
        dossier::TransitionError::Required { field } => (*field).to_owned(),
        dossier::TransitionError::SupplementDueNotFuture => "due_by".to_owned(),
        _ => "command".to_owned(),
    };
    AppError::Invalid(vec![InvalidField {
        field,
        code: error.as_str().to_owned(),
    }])
}

pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl App {
    /// The workflow a dossier follows (the version it started with).
    pub(crate) async fn workflow_of(&self, row: &DossierRow) -> AppResult<Workflow> {
        self.workflow(&row.procedure_code, Some(row.workflow_version))
            .await
    }

    /// The role an official acts under for `kind` on this dossier: one they hold over the
    /// dossier's agency that may issue the command, preferring the current step's role.
    ///
    /// `in_step_unit` is false when the current step names a unit (phòng/ban) the official
    /// does not work in ([`App::works_in_step_unit`]): the step's role then does not count.
    fn acting_role(
        &self,
        actor: &Actor,
        row: &DossierRow,
        workflow: &Workflow,
        state: &Dossier,
        kind: CommandKind,
        in_step_unit: bool,
    ) -> AppResult<DossierActor> {
        match &actor.principal {
            Principal::Citizen { citizen_id } => {
                if row.citizen_id != Some(*citizen_id) {
                    return Err(AppError::NotFound);
                }
                Ok(DossierActor::Citizen {
                    citizen_id: *citizen_id,
                })
            }
            Principal::System => Ok(DossierActor::System),
            Principal::Anonymous => Err(AppError::Unauthenticated),
            // A dossier's timeline names the person who acted; systems read dossiers but
            // issue no commands on them (yet).
            Principal::Client { .. } => Err(AppError::Forbidden),
            Principal::Official {
                official_id,
                assignments,
            } => {
                let target = motcua_domain::org::OrgPath::from_stored(row.agency_path.clone());
                let desk = motcua_domain::org::OrgPath::from_stored(row.desk_path().to_owned());
                let step_role = state
                    .step
                    .and_then(|s| workflow.steps.get(s))
                    .map(|s| s.role);
                // After a transfer the processing agency works the steps; the receiving desk
                // keeps only its reception role (return the result, hand papers over). A step
                // that names its unit is worked only by those holding its role in that unit.
                let held: Vec<Role> = assignments
                    .iter()
                    .filter(|a| {
                        a.unit_path.contains(&target)
                            || (a.role == Role::Reception && a.unit_path.contains(&desk))
                    })
                    .filter(|a| in_step_unit || Some(a.role) != step_role)
                    .map(|a| a.role)
                    .collect();
                if held.is_empty() {
                    return Err(AppError::Forbidden);
                }
                let role = step_role
                    .filter(|r| held.contains(r) && role_may_issue(*r, kind))
                    .or_else(|| held.iter().copied().find(|r| role_may_issue(*r, kind)))
                    .ok_or(AppError::Forbidden)?;
                Ok(DossierActor::Official {
                    official_id: *official_id,
                    role,
                })
            }
        }
    }

    /// The unit (phòng/ban) the current step of the workflow names, looked up under the
    /// dossier's agency by code or by name (NFC, any case). `None` when the step names none, or
    /// names one this agency does not have: the agency itself then works the step.
    async fn step_unit(
        &self,
        row: &DossierRow,
        workflow: &Workflow,
        state: &Dossier,
    ) -> AppResult<Option<motcua_domain::org::OrgPath>> {
        let Some(reference) = state
            .step
            .and_then(|s| workflow.steps.get(s))
            .and_then(|s| s.unit_ref.as_deref())
            .map(|r| motcua_domain::text::clean(r).to_lowercase())
            .filter(|r| !r.is_empty())
        else {
            return Ok(None);
        };
        let agency = motcua_domain::org::OrgPath::from_stored(row.agency_path.clone());
        Ok(self
            .store
            .list_units()
            .await?
            .into_iter()
            .map(|u| (motcua_domain::org::OrgPath::from_stored(u.path.clone()), u))
            .find(|(path, u)| {
                agency.contains(path)
                    && (u.code.as_deref().map(str::to_lowercase) == Some(reference.clone())
                        || motcua_domain::text::clean(&u.name).to_lowercase() == reference)
            })
            .map(|(path, _)| path))
    }

    /// Whether the calling official works in the unit the current step names (their own unit
    /// is that one or below it). True when the step names none, for anyone who is not an
    /// official, and when the agency has no such unit.
    async fn works_in_step_unit(
        &self,
        actor: &Actor,
        row: &DossierRow,
        workflow: &Workflow,
        state: &Dossier,
    ) -> AppResult<bool> {
        let Principal::Official { official_id, .. } = &actor.principal else {
            return Ok(true);
        };
        let Some(unit) = self.step_unit(row, workflow, state).await? else {
            return Ok(true);
        };
        let official = self.store.get_official(*official_id).await?;
        Ok(unit.contains(&motcua_domain::org::OrgPath::from_stored(
            official.unit_path,
        )))
    }

    /// Who may see a dossier, judged on the row: its applicant, the system, and officials (or
    /// system clients) who may view dossiers of the agency processing it or of the desk that
    /// received it. A draft is its author's alone. Another citizen learns nothing (not found);
    /// an official outside the jurisdiction is refused. Reads go through [`App::dossier_for`],
    /// which adds the consulted agencies; this part also guards officials' actions.
    pub(crate) fn check_dossier_access(&self, actor: &Actor, row: &DossierRow) -> AppResult<()> {
        let own = matches!(&actor.principal, Principal::Citizen { citizen_id } if row.citizen_id == Some(*citizen_id));
        match &actor.principal {
            _ if own => Ok(()),
            Principal::System => Ok(()),
            // A draft is nobody's business but its author's, officials included.
            _ if row.status_code.is_none() => Err(AppError::NotFound),
            Principal::Citizen { .. } => Err(AppError::NotFound),
            Principal::Anonymous => Err(AppError::Unauthenticated),
            _ => actor
                .require_at(Permission::DossierView, &row.agency_path)
                .or_else(|_| actor.require_at(Permission::DossierView, row.desk_path())),
        }
    }

    /// The one door to a dossier and everything under it — its detail, events, files, official
    /// forms (Mẫu 01–06) and rating — for every caller: [`App::check_dossier_access`], plus
    /// officials of an agency asked for an opinion on it (xin ý kiến), who may read it. Reading
    /// is all: acting goes through `acting_role`, which only counts roles over the processing
    /// agency. An anonymous caller is asked to sign in before anything is read, so the answer
    /// is the same whether or not the dossier exists.
    pub async fn dossier_for(&self, actor: &Actor, id: i64) -> AppResult<DossierView> {
        DossierView::from_row(&self.dossier_row(actor, id).await?)
    }

    /// [`App::dossier_for`] as the stored row, for the app's own use cases.
    pub(crate) async fn dossier_row(&self, actor: &Actor, id: i64) -> AppResult<DossierRow> {
        if actor.principal == Principal::Anonymous {
            return Err(AppError::Unauthenticated);
        }
        let row = self.store.get_dossier(id).await?;
        match self.check_dossier_access(actor, &row) {
            Err(AppError::Forbidden) if matches!(actor.principal, Principal::Official { .. }) => {
                let consulted = self.store.consulted_unit_paths(row.id).await?;
                if consulted
                    .iter()
                    .any(|path| actor.require_at(Permission::DossierView, path).is_ok())
                {
                    Ok(row)
                } else {
                    Err(AppError::Forbidden)
                }
            }
            other => other.map(|()| row),
        }
    }
}

/// The work queues of the back office (hàng đợi): to receive at the desk, at a step of a role
/// I hold, assigned to me, my units' open dossiers, due within one working day, overdue,
/// resolved and waiting at the desk to be returned.
pub const QUEUES: [&str; 7] = [
    "receive", "mine", "assigned", "unit", "due-soon", "overdue", "resolved",
];

/// The citizen behind a citizen-only use case.
fn citizen_of(actor: &Actor) -> AppResult<i64> {
    match actor.principal {
        Principal::Citizen { citizen_id } => Ok(citizen_id),
        Principal::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden),
    }
}

/// The reads behind a new online dossier or draft.
struct OpenedDossier {
    procedure_code: String,
    /// The version in force, shared with the [`crate::versions`] cache.
    version: std::sync::Arc<crate::catalogue::ProcedureVersion>,
    agency: motcua_store::org::OrgUnitRow,
    agency_code: AgencyCode,
    workflow: Workflow,
    citizen: motcua_store::people::CitizenRow,
    links: Vec<motcua_store::attachments::NewDossierAttachment>,
}

impl OpenedDossier {
    fn roles(&self) -> Vec<Role> {
        self.workflow.steps.iter().map(|s| s.role).collect()
    }

    fn new_dossier(
        &self,
        form: String,
        delivery: &ResultDelivery,
        channel: Channel,
        contact_phone: Option<String>,
    ) -> NewDossier {
        NewDossier {
            procedure_code: self.procedure_code.clone(),
            procedure_version: self.version.row.version,
            agency_id: self.agency.id,
            agency_path: self.agency.path.clone(),
            citizen_id: Some(self.citizen.id),
            applicant_name: self.citizen.full_name.clone(),
            applicant_personal_id: Some(self.citizen.personal_id.clone()),
            channel: channel.as_str().to_owned(),
            form,
            delivery_method: delivery.method.as_str().to_owned(),
            delivery_address: delivery.address.clone(),
            contact_phone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn names_are_masked_to_initials() {
        assert_eq!(mask_name("Nguyễn Văn Hậu"), "Nguyễn V. H.");
        assert_eq!(mask_name("  Lê  "), "Lê");
        assert_eq!(mask_name(""), "");
    }
}
