//! One-stop dossier use cases: a citizen submits online, the desk receives (code, appointment),
//! officials act along the workflow, the result is returned, anyone looks the status up.
//!
//! Each use case loads the dossier, asks the pure state machine
//! ([`motcua_domain::dossier::decide`]) for the new state, and writes the state, the hash-chained
//! events and the notifications in one transaction. Due times come from the agency's working
//! calendar; the legal processing time from the procedure version in force.

use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Permission, Principal, Role};
use motcua_domain::calendar::ProcessingTime;
use motcua_domain::dossier::{
    self, Actor as DossierActor, Command, CommandKind, Context, Dossier, DossierCode,
    DossierStatus, Effect, Workflow, role_may_issue,
};
use motcua_domain::org::AgencyCode;
use motcua_domain::procedure::{Channel, FormValues};
use motcua_store::dossiers::{DossierFilter, DossierRow, NewDossier};
use serde::Serialize;
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
}

/// What the public lookup page shows: no personal data beyond a masked name.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStatus {
    pub code: String,
    pub procedure_code: String,
    pub status_code: Option<u8>,
    pub status: String,
    pub applicant: String,
    pub appointment: Option<String>,
    pub timeline: Vec<PublicStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicStep {
    pub at: String,
    pub action: String,
    pub status: Option<String>,
}

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
    AppError::Invalid(vec![InvalidField {
        field: "command".into(),
        code: error.as_str().to_owned(),
    }])
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl App {
    /// The workflow a dossier follows (the version it started with).
    async fn workflow_of(&self, row: &DossierRow) -> AppResult<Workflow> {
        self.workflow(&row.procedure_code, Some(row.workflow_version))
            .await
    }

    /// The role an official acts under for `kind` on this dossier: one they hold over the
    /// dossier's agency that may issue the command, preferring the current step's role.
    fn acting_role(
        &self,
        actor: &Actor,
        row: &DossierRow,
        workflow: &Workflow,
        state: &Dossier,
        kind: CommandKind,
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
            Principal::Official {
                official_id,
                assignments,
            } => {
                let target = motcua_domain::org::OrgPath::from_stored(row.agency_path.clone());
                let held: Vec<Role> = assignments
                    .iter()
                    .filter(|a| a.unit_path.contains(&target))
                    .map(|a| a.role)
                    .collect();
                if held.is_empty() {
                    return Err(AppError::Forbidden);
                }
                let step_role = state
                    .step
                    .and_then(|s| workflow.steps.get(s))
                    .map(|s| s.role);
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

    /// Applies a decided transition: state, events and notifications in one transaction.
    async fn persist(
        &self,
        row: &DossierRow,
        workflow: &Workflow,
        before: &Dossier,
        decision: dossier::Decision,
    ) -> AppResult<DossierRow> {
        let roles: Vec<Role> = workflow.steps.iter().map(|s| s.role).collect();
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.update_dossier(row.id, before.last_seq, &decision.new_state, &roles, now)
            .await
            .map_err(|e| match e {
                motcua_store::StoreError::Conflict(_) => {
                    AppError::Conflict("error-dossier-changed")
                }
                other => other.into(),
            })?;
        tx.append_dossier_events(row.id, &decision.events).await?;
        for effect in &decision.effects {
            if let Effect::NotifyCitizen { .. } = effect
                && let Some(citizen_id) = row.citizen_id
                && let Ok(citizen) = self.store.get_citizen(citizen_id).await
            {
                let status = decision
                    .new_state
                    .status
                    .map(DossierStatus::vietnamese)
                    .unwrap_or_default();
                let code = decision
                    .new_state
                    .code
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let (channel, to) = match (&citizen.email, &citizen.phone) {
                    (Some(email), _) => ("email", email.clone()),
                    (None, Some(phone)) => ("sms", phone.clone()),
                    (None, None) => continue,
                };
                let payload = json!({
                    "channel": channel, "to": to, "template": "dossier-status",
                    "subject": format!("Hồ sơ {code}: {status}"),
                    "body": format!("Hồ sơ {code} của bạn đã chuyển sang trạng thái: {status}. Tra cứu tại cổng dịch vụ công bằng mã hồ sơ.\n\nYour dossier {code} is now: {status}."),
                });
                tx.enqueue("notify", &payload.to_string(), now).await?;
            }
        }
        tx.commit().await?;
        Ok(self.store.get_dossier(row.id).await?)
    }

    /// A citizen submits a dossier online: the form is validated against the procedure version
    /// in force, the dossier gets its code and waits in the agency's reception queue (status 1).
    pub async fn submit_dossier(
        &self,
        actor: &Actor,
        submission: &Submission,
    ) -> AppResult<DossierRow> {
        let Principal::Citizen { citizen_id } = actor.principal else {
            return Err(if actor.principal == Principal::Anonymous {
                AppError::Unauthenticated
            } else {
                AppError::Forbidden
            });
        };
        let procedure = self
            .procedure_in_force(&submission.procedure_code, None)
            .await?;
        let validated = self
            .validate_procedure_form(&submission.procedure_code, None, &submission.form)
            .await?;
        let agency = self
            .store
            .get_unit_by_code(&submission.agency_code)
            .await
            .map_err(|_| AppError::invalid("agency", "error-parent"))?;
        let agency_code = AgencyCode::parse(&submission.agency_code)
            .map_err(|_| AppError::invalid("agency", "error-agency-code"))?;
        let workflow = match self.workflow(&submission.procedure_code, None).await {
            Ok(workflow) => workflow,
            Err(AppError::NotFound) => {
                let province = procedure.procedure.level != motcua_domain::org::GovLevel::Commune;
                self.ensure_default_workflows(&[(submission.procedure_code.clone(), province)])
                    .await?;
                self.workflow(&submission.procedure_code, None).await?
            }
            Err(other) => return Err(other),
        };
        let citizen = self.store.get_citizen(citizen_id).await?;
        let links = self
            .submission_links(citizen_id, &procedure.procedure, &submission.attachments)
            .await?;
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        let day = now.date();
        let roles: Vec<Role> = workflow.steps.iter().map(|s| s.role).collect();
        let draft = Dossier::draft(&workflow);
        let form = serde_json::to_string(&validated).map_err(|e| AppError::Internal(e.into()))?;
        let micros = self.now_micros();
        let mut tx = self.store.begin().await?;
        let number = tx
            .next_dossier_number(agency_code.as_str(), &crate::catalogue::iso_date(day))
            .await?;
        let code = DossierCode::new(agency_code, day, number)
            .map_err(|_| AppError::Conflict("error-dossier-numbering"))?;
        let context = Context {
            workflow: &workflow,
            actor: &DossierActor::Citizen { citizen_id },
            now,
        };
        let decision = dossier::decide(&draft, &Command::Submit { code }, &context)
            .map_err(transition_error)?;
        let new = NewDossier {
            procedure_code: submission.procedure_code.clone(),
            procedure_version: procedure.row.version,
            agency_id: agency.id,
            agency_path: agency.path.clone(),
            citizen_id: Some(citizen_id),
            applicant_name: citizen.full_name.clone(),
            applicant_personal_id: Some(citizen.personal_id.clone()),
            channel: Channel::Online.as_str().to_owned(),
            form,
        };
        let id = tx.insert_dossier(&new, &draft, &roles, micros).await?;
        tx.update_dossier(id, 0, &decision.new_state, &roles, micros)
            .await?;
        tx.append_dossier_events(id, &decision.events).await?;
        self.link_submission(&mut tx, actor, id, links, micros)
            .await?;
        tx.commit().await?;
        Ok(self.store.get_dossier(id).await?)
    }

    /// The desk receives an online dossier: the appointment is computed from the procedure's
    /// processing time for the channel and the agency's working calendar.
    pub async fn receive_dossier(&self, actor: &Actor, id: i64) -> AppResult<DossierRow> {
        let row = self.store.get_dossier(id).await?;
        actor.require_at(Permission::DossierReceive, &row.agency_path)?;
        let procedure = self
            .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
            .await?;
        let channel = Channel::parse(&row.channel).unwrap_or(Channel::Online);
        let limit = procedure
            .procedure
            .processing_time
            .for_channel(channel)
            .cloned()
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "procedure {} has no processing time",
                    row.procedure_code
                ))
            })?;
        let agency = self.store.get_unit(row.agency_id).await?;
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        let due = self
            .calendar_due(agency.code.as_deref(), now, ProcessingTime::from(limit))
            .await?;
        self.act_on_dossier(
            actor,
            id,
            Command::Receive {
                due,
                code: None,
                assignee: None,
            },
        )
        .await
    }

    /// Any other action on a dossier (forward, return, approve, resolve, return result, refuse,
    /// withdraw, stop, extend, request or provide a supplement…). The state machine decides;
    /// times that depend on the calendar (resuming a paused clock) are filled in here.
    pub async fn act_on_dossier(
        &self,
        actor: &Actor,
        id: i64,
        command: Command,
    ) -> AppResult<DossierRow> {
        let row = self.store.get_dossier(id).await?;
        if matches!(actor.principal, Principal::Official { .. }) {
            actor.require_at(Permission::DossierView, &row.agency_path)?;
        }
        let workflow = self.workflow_of(&row).await?;
        let state = row.dossier()?;
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        let command = match command {
            Command::SupplementProvided { new_due: None } if state.paused_at.is_some() => {
                let agency = self.store.get_unit(row.agency_id).await?;
                let calendar = self.work_calendar(agency.code.as_deref()).await?;
                let due = state
                    .appointment
                    .map(|a| a.due())
                    .ok_or(AppError::Conflict("error-dossier-state"))?;
                let paused = state.paused_at.unwrap_or(now);
                let new_due = calendar
                    .resume(due, paused, now)
                    .map_err(|_| AppError::invalid("command", "error-calendar-year"))?;
                Command::SupplementProvided {
                    new_due: Some(new_due),
                }
            }
            other => other,
        };
        let kind = command.kind();
        let dossier_actor = self.acting_role(actor, &row, &workflow, &state, kind)?;
        let context = Context {
            workflow: &workflow,
            actor: &dossier_actor,
            now,
        };
        let decision = dossier::decide(&state, &command, &context).map_err(transition_error)?;
        self.persist(&row, &workflow, &state, decision).await
    }

    /// Public status by code (web page, QR, API, chat): masked name, public timeline.
    pub async fn lookup_dossier(&self, code: &str) -> AppResult<PublicStatus> {
        let code = DossierCode::parse(code.trim())
            .map_err(|_| AppError::invalid("code", "error-dossier-code"))?;
        let row = self.store.get_dossier_by_code(&code.to_string()).await?;
        let state = row.dossier()?;
        let timeline = self
            .store
            .dossier_events(row.id)
            .await?
            .iter()
            .filter_map(|e| e.event().ok())
            .map(|e| PublicStep {
                at: rfc3339(e.at),
                action: e.kind.as_str().to_owned(),
                status: e.to_status.map(|s| s.vietnamese().to_owned()),
            })
            .collect();
        Ok(PublicStatus {
            code: code.to_string(),
            procedure_code: row.procedure_code.clone(),
            status_code: state.status.map(DossierStatus::national_code),
            status: state
                .status
                .map(DossierStatus::vietnamese)
                .unwrap_or_default()
                .to_owned(),
            applicant: mask_name(&row.applicant_name),
            appointment: state.appointment.map(|a| rfc3339(a.due())),
            timeline,
        })
    }

    /// A citizen's own dossiers, newest first.
    pub async fn my_dossiers(&self, actor: &Actor) -> AppResult<Vec<DossierRow>> {
        let citizen_id = actor.principal.citizen_id().ok_or(AppError::Forbidden)?;
        let mut rows = self
            .store
            .list_dossiers(&DossierFilter {
                citizen_id: Some(citizen_id),
                limit: 200,
                ..Default::default()
            })
            .await?;
        rows.sort_by_key(|row| std::cmp::Reverse(row.updated_at));
        Ok(rows)
    }

    /// An official's work queue within their jurisdiction: `receive` (online, waiting),
    /// `mine` (at a step of a role they hold), `due-soon` (within 24 h), `overdue`.
    pub async fn dossier_queue(&self, actor: &Actor, queue: &str) -> AppResult<Vec<DossierRow>> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::DossierView))?;
        let paths = actor
            .principal
            .jurisdictions(Permission::DossierView)
            .map(|ps| ps.into_iter().map(|p| p.as_str().to_owned()).collect());
        let now = self.now_micros();
        let open = vec![2, 4, 5, 6];
        let filter = match queue {
            "receive" => DossierFilter {
                statuses: vec![1],
                ..Default::default()
            },
            "mine" => {
                let roles: Vec<String> = match &actor.principal {
                    Principal::Official { assignments, .. } => assignments
                        .iter()
                        .map(|a| a.role.as_str().to_owned())
                        .collect(),
                    _ => Vec::new(),
                };
                DossierFilter {
                    statuses: vec![2, 4],
                    step_roles: roles,
                    ..Default::default()
                }
            }
            "due-soon" => DossierFilter {
                statuses: open.clone(),
                due_before: Some(now + 86_400_000_000),
                ..Default::default()
            },
            "overdue" => DossierFilter {
                statuses: open,
                due_before: Some(now),
                ..Default::default()
            },
            "resolved" => DossierFilter {
                statuses: vec![9],
                ..Default::default()
            },
            _ => return Err(AppError::invalid("queue", "error-choice")),
        };
        Ok(self
            .store
            .list_dossiers(&DossierFilter {
                agency_paths: paths,
                limit: 200,
                ..filter
            })
            .await?)
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
