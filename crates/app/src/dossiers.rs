//! One-stop dossier use cases: a citizen submits online, the desk receives (code, appointment),
//! officials act along the workflow, the result is returned, anyone looks the status up.
//!
//! Each use case loads the dossier, asks the pure state machine
//! ([`motcua_domain::dossier::decide`]) for the new state, and writes the state, the hash-chained
//! events and the notifications in one transaction. Due times come from the agency's working
//! calendar; the legal processing time from the procedure version in force.

use crate::attachments::{Papers, with_paper_problems};
use crate::effects::{EffectTarget, enqueue_effects};
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
    async fn workflow_of(&self, row: &DossierRow) -> AppResult<Workflow> {
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
    pub async fn dossier_for(&self, actor: &Actor, id: i64) -> AppResult<DossierRow> {
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
        // Liên thông: resolve the receiving agency before writing anything.
        let mut moved_to = None;
        for effect in &decision.effects {
            if let Effect::TransferTo { agency } = effect {
                let unit = self
                    .store
                    .get_unit_by_code(agency.as_str())
                    .await
                    .map_err(|_| AppError::invalid("to_agency", "error-transfer-agency"))?;
                if unit.id == row.agency_id {
                    return Err(AppError::invalid("to_agency", "error-transfer-same-agency"));
                }
                moved_to = Some(unit);
            }
        }
        // Read everything before the write transaction: on SQLite the transaction holds the
        // one writer lock, and waiting for a second pooled connection inside it deadlocks
        // under concurrent writers until the pool times out.
        let notify = decision
            .effects
            .iter()
            .any(|e| matches!(e, Effect::NotifyCitizen { .. }));
        let citizen = match row.citizen_id {
            Some(citizen_id) if notify => self.store.get_citizen(citizen_id).await.ok(),
            _ => None,
        };
        // Xin ý kiến: the consulted unit must exist (named by its agency code or id); its
        // officials with an e-mail address are told what is asked of them.
        let mut consulted = Vec::new();
        let mut consulted_units = Vec::new();
        for effect in &decision.effects {
            if let Effect::RequestOpinion { unit } = effect {
                let unit = unit.trim();
                let found = match unit.parse::<i64>() {
                    Ok(id) => self.store.get_unit(id).await,
                    Err(_) => self.store.get_unit_by_code(unit).await,
                }
                .map_err(|_| AppError::invalid("unit", "error-consult-unit"))?;
                if found.id == row.agency_id {
                    return Err(AppError::invalid("unit", "error-consult-same-unit"));
                }
                consulted_units.push((found.id, found.path.clone()));
                consulted.extend(
                    self.store
                        .list_officials(Some(&found.path))
                        .await?
                        .into_iter()
                        .filter(|o| o.active)
                        .filter_map(|o| o.email)
                        .map(|email| (email, found.name.clone())),
                );
            }
        }
        let mut tx = self.store.begin().await?;
        if let Some(unit) = &moved_to {
            tx.move_dossier_agency(row.id, unit.id, &unit.path).await?;
        }
        let updated = tx
            .update_dossier(row.id, before.last_seq, &decision.new_state, &roles, now)
            .await
            .map_err(|e| match e {
                motcua_store::StoreError::Conflict(_) => {
                    AppError::Conflict("error-dossier-changed")
                }
                other => other.into(),
            })?;
        tx.append_dossier_events(row.id, &decision.events).await?;
        let scope = moved_to
            .as_ref()
            .map_or(row.agency_path.as_str(), |unit| unit.path.as_str());
        let target = EffectTarget {
            dossier_id: row.id,
            dossier_code: row.code.as_deref(),
            procedure_code: &row.procedure_code,
            scope,
            delivery_address: row.delivery_address.as_deref(),
            applicant: citizen.as_ref(),
        };
        enqueue_effects(&mut tx, &target, &decision, now).await?;
        for (unit_id, unit_path) in &consulted_units {
            tx.insert_consultation(row.id, *unit_id, unit_path, now)
                .await?;
        }
        if !consulted.is_empty() {
            let code = row.code.clone().unwrap_or_default();
            let question = decision
                .events
                .iter()
                .map(|e| e.reason.as_str())
                .find(|r| !r.is_empty())
                .unwrap_or_default();
            let link = format!(
                "{}/staff/dossiers/{}",
                self.settings.public_url.trim_end_matches('/'),
                row.id
            );
            for (email, unit_name) in &consulted {
                let payload = json!({
                    "channel": "email", "to": email, "template": "dossier-consult",
                    "subject": format!("Xin ý kiến về hồ sơ {code}"),
                    "body": format!("{unit_name} được đề nghị cho ý kiến về hồ sơ {code} (thủ tục {procedure}).\n\nNội dung xin ý kiến: {question}\n\nHồ sơ: {link}\n\nYour opinion is asked on dossier {code}: {question}", procedure = row.procedure_code),
                });
                tx.enqueue("notify", &payload.to_string(), now).await?;
            }
        }
        tx.commit().await?;
        // The UPDATE returned the row as committed: no read after the commit.
        Ok(updated)
    }

    /// A citizen submits a dossier online: the form is validated against the procedure version
    /// in force, the dossier gets its code and waits in the agency's reception queue (status 1).
    pub async fn submit_dossier(
        &self,
        actor: &Actor,
        submission: &Submission,
    ) -> AppResult<DossierRow> {
        self.submit_online(actor, None, submission, &Papers::default())
            .await
    }

    /// [`App::submit_dossier`] with files uploaded in the same form (the online form without
    /// JavaScript): every problem of the form and the papers is reported at once and nothing
    /// is stored; otherwise the uploads, their links and the dossier commit in one transaction.
    pub async fn submit_dossier_with_papers(
        &self,
        actor: &Actor,
        submission: &Submission,
        papers: &Papers,
    ) -> AppResult<DossierRow> {
        self.submit_online(actor, None, submission, papers).await
    }

    /// Submits a saved draft (lưu nháp → nộp) with the values now on the form; the draft keeps
    /// its id, so papers attached to it stay attached.
    pub async fn submit_draft(
        &self,
        actor: &Actor,
        draft_id: i64,
        submission: &Submission,
    ) -> AppResult<DossierRow> {
        self.submit_online(actor, Some(draft_id), submission, &Papers::default())
            .await
    }

    /// [`App::submit_draft`] with files uploaded in the same form; papers already attached to
    /// the draft count as provided.
    pub async fn submit_draft_with_papers(
        &self,
        actor: &Actor,
        draft_id: i64,
        submission: &Submission,
        papers: &Papers,
    ) -> AppResult<DossierRow> {
        self.submit_online(actor, Some(draft_id), submission, papers)
            .await
    }

    /// Saves the form as a draft (new, or over an earlier draft of the same citizen) without
    /// validating it: a half-filled form is what a draft is for. Nothing is numbered and no
    /// one else sees it; only the procedure, agency and delivery choice must make sense.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        draft_id: Option<i64>,
        submission: &Submission,
    ) -> AppResult<DossierRow> {
        self.save_draft_with_papers(actor, draft_id, submission, &Papers::default())
            .await
    }

    /// [`App::save_draft`] with files uploaded in the same form: they are checked (type, size)
    /// and kept with the draft, so nothing the citizen sent is lost; missing papers are not an
    /// error until the draft is submitted.
    pub async fn save_draft_with_papers(
        &self,
        actor: &Actor,
        draft_id: Option<i64>,
        submission: &Submission,
        papers: &Papers,
    ) -> AppResult<DossierRow> {
        let citizen_id = citizen_of(actor)?;
        let opened = self.open_online(citizen_id, submission).await?;
        let (papers, problems) =
            self.check_papers(&opened.version.procedure, &papers.uploads, None);
        with_paper_problems(Ok(()), problems)?;
        self.store_paper_blobs(actor, &papers).await?;
        let form =
            serde_json::to_string(&submission.form).map_err(|e| AppError::Internal(e.into()))?;
        let new = opened.new_dossier(form, &submission.delivery);
        let micros = self.now_micros();
        let mut tx = self.store.begin().await?;
        let id = match draft_id {
            // The update itself only matches the citizen's own, untouched draft.
            Some(id) => {
                tx.update_draft(id, citizen_id, &new, micros).await?;
                id
            }
            None => {
                let draft = Dossier::draft(&opened.workflow);
                tx.insert_dossier(&new, &draft, &opened.roles(), micros)
                    .await?
            }
        };
        self.link_submission(&mut tx, actor, id, opened.links, micros)
            .await?;
        self.add_papers_in(&mut tx, actor, id, &papers, Purpose::Document, micros)
            .await?;
        tx.commit().await?;
        Ok(self.store.get_dossier(id).await?)
    }

    /// Discards a citizen's draft (its uploads stay in their files for later dossiers).
    pub async fn discard_draft(&self, actor: &Actor, draft_id: i64) -> AppResult<()> {
        let citizen_id = citizen_of(actor)?;
        let mut tx = self.store.begin().await?;
        tx.delete_draft(draft_id, citizen_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The citizen's own draft, or `NotFound` (also for someone else's, or a submitted one).
    async fn own_draft(&self, citizen_id: i64, draft_id: i64) -> AppResult<DossierRow> {
        let row = self.store.get_dossier(draft_id).await?;
        if row.citizen_id != Some(citizen_id) || row.status_code.is_some() || row.last_seq != 0 {
            return Err(AppError::NotFound);
        }
        Ok(row)
    }

    /// What a new online dossier needs, read before any write transaction.
    async fn open_online(
        &self,
        citizen_id: i64,
        submission: &Submission,
    ) -> AppResult<OpenedDossier> {
        // One read of the version in force serves the validation, the papers and the dossier.
        let procedure = self
            .procedure_in_force_shared(&submission.procedure_code, None)
            .await?;
        let agency = self
            .store
            .get_unit_by_code(&submission.agency_code)
            .await
            .map_err(|_| AppError::invalid("agency", "error-parent"))?;
        let agency_code = AgencyCode::parse(&submission.agency_code)
            .map_err(|_| AppError::invalid("agency", "error-agency-code"))?;
        let workflow = self
            .workflow_for_new_dossier(&submission.procedure_code, &procedure)
            .await?;
        let citizen = self.store.get_citizen(citizen_id).await?;
        let links = self
            .submission_links(citizen_id, &procedure.procedure, &submission.attachments)
            .await?;
        Ok(OpenedDossier {
            procedure_code: submission.procedure_code.clone(),
            version: procedure,
            agency,
            agency_code,
            workflow,
            citizen,
            links,
        })
    }

    async fn submit_online(
        &self,
        actor: &Actor,
        draft_id: Option<i64>,
        submission: &Submission,
        papers: &Papers,
    ) -> AppResult<DossierRow> {
        let citizen_id = citizen_of(actor)?;
        let draft_row = match draft_id {
            Some(id) => Some(self.own_draft(citizen_id, id).await?),
            None => None,
        };
        if let Some(row) = &draft_row
            && row.procedure_code != submission.procedure_code
        {
            return Err(AppError::invalid("procedure", "error-draft-procedure"));
        }
        let opened = self.open_online(citizen_id, submission).await?;
        let validated = self.validate_form_of(&opened.version, &submission.form);
        // Papers count as provided when reused from earlier uploads or already on the draft.
        let mut provided: Vec<u32> = submission.attachments.iter().map(|(r, _)| *r).collect();
        if let Some(row) = &draft_row {
            provided.extend(
                self.store
                    .dossier_attachments(row.id)
                    .await?
                    .iter()
                    .filter_map(|a| a.requirement_index)
                    .filter_map(|i| u32::try_from(i).ok()),
            );
        }
        let (papers, problems) = self.check_papers(
            &opened.version.procedure,
            &papers.uploads,
            papers.require_all.then_some(provided.as_slice()),
        );
        let validated = with_paper_problems(validated, problems)?;
        self.store_paper_blobs(actor, &papers).await?;
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        let day = now.date();
        let roles = opened.roles();
        // A draft saved under an older workflow version is submitted under the one in force:
        // nothing has happened to it yet.
        let draft = Dossier::draft(&opened.workflow);
        let form = serde_json::to_string(&validated).map_err(|e| AppError::Internal(e.into()))?;
        let micros = self.now_micros();
        // Read before the write transaction (see `persist`): the applicant is told the code.
        let applicant = self.store.get_citizen(citizen_id).await?;
        let mut tx = self.store.begin().await?;
        let number = tx
            .next_dossier_number(
                opened.agency_code.as_str(),
                &crate::catalogue::iso_date(day),
            )
            .await?;
        let code = DossierCode::new(opened.agency_code.clone(), day, number)
            .map_err(|_| AppError::Conflict("error-dossier-numbering"))?;
        let context = Context {
            workflow: &opened.workflow,
            actor: &DossierActor::Citizen { citizen_id },
            now,
        };
        let decision = dossier::decide(&draft, &Command::Submit { code }, &context)
            .map_err(transition_error)?;
        let new = opened.new_dossier(form, &submission.delivery);
        let stored = match &draft_row {
            Some(row) => {
                tx.update_draft(row.id, citizen_id, &new, micros).await?;
                tx.update_dossier(row.id, 0, &decision.new_state, &roles, micros)
                    .await
                    .map_err(|e| match e {
                        motcua_store::StoreError::Conflict(_) => {
                            AppError::Conflict("error-dossier-changed")
                        }
                        other => other.into(),
                    })?
            }
            // A new dossier is written once, already in its submitted state: the draft is only
            // the starting point of the decision.
            None => {
                tx.insert_dossier_row(&new, &decision.new_state, &roles, micros)
                    .await?
            }
        };
        let id = stored.id;
        tx.append_dossier_events(id, &decision.events).await?;
        let target = EffectTarget {
            dossier_id: id,
            dossier_code: stored.code.as_deref(),
            procedure_code: &stored.procedure_code,
            scope: &stored.agency_path,
            delivery_address: stored.delivery_address.as_deref(),
            applicant: Some(&applicant),
        };
        enqueue_effects(&mut tx, &target, &decision, micros).await?;
        self.link_submission(&mut tx, actor, id, opened.links, micros)
            .await?;
        self.add_papers_in(&mut tx, actor, id, &papers, Purpose::Document, micros)
            .await?;
        tx.commit().await?;
        // The row as written (events and papers do not change its columns).
        Ok(stored)
    }

    /// The desk receives an online dossier: the appointment is computed from the procedure's
    /// processing time for the channel and the agency's working calendar.
    pub async fn receive_dossier(&self, actor: &Actor, id: i64) -> AppResult<DossierRow> {
        let row = self.store.get_dossier(id).await?;
        self.receive_row(actor, row, None).await
    }

    /// [`App::receive_dossier`] on a row already read, optionally naming who processes it.
    async fn receive_row(
        &self,
        actor: &Actor,
        row: DossierRow,
        assignee: Option<i64>,
    ) -> AppResult<DossierRow> {
        // A draft is its citizen's alone: the desk does not even learn that it exists.
        if row.status_code.is_none() {
            return Err(AppError::NotFound);
        }
        actor.require_at(Permission::DossierReceive, &row.agency_path)?;
        // A dossier refers to the published version it was submitted under (never a draft).
        let procedure = self
            .published_version(&row.procedure_code, row.procedure_version)
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
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        // The row already names the agency's path: its calendar needs no unit lookup.
        let due = self
            .work_calendar_at(Some(&row.agency_path))
            .await?
            .due(now, ProcessingTime::from(limit))
            .map_err(|_| AppError::invalid("from", "error-calendar-year"))?;
        self.act_on_row(
            actor,
            row,
            Command::Receive {
                due,
                code: None,
                assignee,
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
        // Drafts change only through the draft doors (save, discard, submit), where the form
        // is validated and the code numbered; an action names no draft.
        if row.status_code.is_none() {
            return Err(AppError::NotFound);
        }
        match command {
            // Submission numbers the dossier from the agency's day counter; a code chosen by
            // the caller would skip validation and take a number that is not theirs.
            Command::Submit { .. } => Err(AppError::invalid("command", "error-command-submit")),
            // The appointment comes from the calendar, the code from the submission: only the
            // assignee is the caller's to choose.
            Command::Receive { assignee, .. } => self.receive_row(actor, row, assignee).await,
            other => self.act_on_row(actor, row, other).await,
        }
    }

    /// [`App::act_on_dossier`] on a row already read.
    async fn act_on_row(
        &self,
        actor: &Actor,
        row: DossierRow,
        command: Command,
    ) -> AppResult<DossierRow> {
        if matches!(actor.principal, Principal::Official { .. }) {
            self.check_dossier_access(actor, &row)?;
        }
        let workflow = self.workflow_of(&row).await?;
        let state = row.dossier()?;
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        // Times that follow from the calendar are computed here whatever the caller sent:
        // a paused clock resumes with the working time it had left, never with a chosen date.
        let command = match command {
            Command::SupplementProvided { .. } => Command::SupplementProvided {
                new_due: match state.paused_at {
                    Some(paused) => Some(self.resumed_due(&row, &state, paused, now).await?),
                    None => None,
                },
            },
            Command::ObligationPaid { .. } => {
                let paused = state
                    .paused_at
                    .ok_or(AppError::Conflict("error-dossier-state"))?;
                Command::ObligationPaid {
                    new_due: self.resumed_due(&row, &state, paused, now).await?,
                }
            }
            other => other,
        };
        if let Some((to_step, assignee)) = match &command {
            Command::Receive { assignee, .. } => Some((Some(0), *assignee)),
            Command::Forward { to_step, assignee }
            | Command::Return {
                to_step, assignee, ..
            } => Some((Some(*to_step), *assignee)),
            _ => None,
        } && let Some(assignee) = assignee
        {
            let role = to_step.and_then(|s| workflow.steps.get(s)).map(|s| s.role);
            self.check_assignee(&row, assignee, role).await?;
        }
        let kind = command.kind();
        let in_step_unit = self
            .works_in_step_unit(actor, &row, &workflow, &state)
            .await?;
        let dossier_actor = self.acting_role(actor, &row, &workflow, &state, kind, in_step_unit)?;
        let context = Context {
            workflow: &workflow,
            actor: &dossier_actor,
            now,
        };
        let decision = dossier::decide(&state, &command, &context).map_err(transition_error)?;
        self.persist(&row, &workflow, &state, decision).await
    }

    /// The due time after a pause: the working time that was left when the clock stopped,
    /// counted again from now on the agency's calendar.
    async fn resumed_due(
        &self,
        row: &DossierRow,
        state: &Dossier,
        paused: time::OffsetDateTime,
        now: time::OffsetDateTime,
    ) -> AppResult<time::OffsetDateTime> {
        let due = state
            .appointment
            .map(|a| a.due())
            .ok_or(AppError::Conflict("error-dossier-state"))?;
        self.work_calendar_at(Some(&row.agency_path))
            .await?
            .resume(due, paused, now)
            .map_err(|_| AppError::invalid("command", "error-calendar-year"))
    }

    /// The official a dossier is handed to must be active and hold the step's role over the
    /// dossier's agency (or any role there when the step is not known).
    async fn check_assignee(
        &self,
        row: &DossierRow,
        official_id: i64,
        role: Option<Role>,
    ) -> AppResult<()> {
        let refused = || AppError::invalid("assignee", "error-assignee");
        let Some((true, roles)) = self.store.official_access(official_id).await? else {
            return Err(refused());
        };
        let agency = motcua_domain::org::OrgPath::from_stored(row.agency_path.clone());
        let holds = roles.iter().any(|(held, _, unit_path)| {
            motcua_domain::org::OrgPath::from_stored(unit_path.clone()).contains(&agency)
                && role.is_none_or(|r| Role::parse(held) == Some(r))
        });
        if holds { Ok(()) } else { Err(refused()) }
    }

    /// The desk registers a dossier brought to the counter and receives it at once: the same
    /// form validation as online, the code and the appointment in one transaction.
    pub async fn register_at_counter(
        &self,
        actor: &Actor,
        registration: &CounterRegistration,
    ) -> AppResult<DossierRow> {
        self.register_at_counter_with_papers(actor, registration, &Papers::default())
            .await
    }

    /// [`App::register_at_counter`] with the scanned papers (purpose document, by requirement)
    /// stored and attached in the registering transaction.
    pub async fn register_at_counter_with_papers(
        &self,
        actor: &Actor,
        registration: &CounterRegistration,
        papers: &Papers,
    ) -> AppResult<DossierRow> {
        let agency = self
            .store
            .get_unit_by_code(&registration.agency_code)
            .await
            .map_err(|_| AppError::invalid("agency", "error-parent"))?;
        actor.require_at(Permission::DossierReceive, &agency.path)?;
        let Principal::Official {
            official_id,
            assignments,
        } = &actor.principal
        else {
            return Err(AppError::Forbidden);
        };
        let agency_path = motcua_domain::org::OrgPath::from_stored(agency.path.clone());
        if !assignments
            .iter()
            .any(|a| a.role == Role::Reception && a.unit_path.contains(&agency_path))
        {
            return Err(AppError::Forbidden);
        }
        let mut problems = Vec::new();
        let applicant_name = motcua_domain::text::clean(&registration.applicant_name);
        if applicant_name.is_empty() {
            problems.push(InvalidField {
                field: "applicant_name".into(),
                code: "error-required".into(),
            });
        }
        let personal_id = match registration
            .applicant_personal_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(text) => match motcua_domain::identity::PersonalId::parse(text) {
                Ok(id) => Some(id.as_str().to_owned()),
                Err(_) => {
                    problems.push(InvalidField {
                        field: "applicant_personal_id".into(),
                        code: "error-personal-id".into(),
                    });
                    None
                }
            },
        };
        // One read of the version in force serves the validation, the papers and the dossier.
        let procedure = self
            .procedure_in_force_shared(&registration.procedure_code, None)
            .await?;
        let validated = match self.validate_form_of(&procedure, &registration.form) {
            Ok(values) => Some(values),
            Err(AppError::Invalid(fields)) => {
                problems.extend(fields);
                None
            }
            Err(other) => return Err(other),
        };
        let (papers, paper_problems) =
            self.check_papers(&procedure.procedure, &papers.uploads, None);
        problems.extend(paper_problems);
        let Some(validated) = validated.filter(|_| problems.is_empty()) else {
            return Err(AppError::Invalid(problems));
        };
        let workflow = self
            .workflow_for_new_dossier(&registration.procedure_code, &procedure)
            .await?;
        let limit = procedure
            .procedure
            .processing_time
            .for_channel(Channel::Counter)
            .or_else(|| {
                procedure
                    .procedure
                    .processing_time
                    .for_channel(Channel::Online)
            })
            .cloned()
            .ok_or(AppError::Conflict("error-dossier-state"))?;
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        let due = self
            .calendar_due(agency.code.as_deref(), now, ProcessingTime::from(limit))
            .await?;
        let agency_code = AgencyCode::parse(agency.code.as_deref().unwrap_or_default())
            .map_err(|_| AppError::invalid("agency", "error-agency-code"))?;
        // Only an account that proved the number gets the dossier: anyone can type someone
        // else's number at sign-up (see `App::prove_citizen_id`).
        let citizen_id = match &personal_id {
            Some(id) => self.store.proven_citizen(id).await?,
            None => None,
        };
        let roles: Vec<Role> = workflow.steps.iter().map(|s| s.role).collect();
        let draft = Dossier::draft(&workflow);
        let form = serde_json::to_string(&validated).map_err(|e| AppError::Internal(e.into()))?;
        self.store_paper_blobs(actor, &papers).await?;
        let micros = self.now_micros();
        // The linked account is told the code (read before the write transaction).
        let applicant = match citizen_id {
            Some(id) => Some(self.store.get_citizen(id).await?),
            None => None,
        };
        let mut tx = self.store.begin().await?;
        let number = tx
            .next_dossier_number(
                agency_code.as_str(),
                &crate::catalogue::iso_date(now.date()),
            )
            .await?;
        let code = DossierCode::new(agency_code, now.date(), number)
            .map_err(|_| AppError::Conflict("error-dossier-numbering"))?;
        let acting = DossierActor::Official {
            official_id: *official_id,
            role: Role::Reception,
        };
        let context = Context {
            workflow: &workflow,
            actor: &acting,
            now,
        };
        let decision = dossier::decide(
            &draft,
            &Command::Receive {
                due,
                code: Some(code),
                assignee: None,
            },
            &context,
        )
        .map_err(transition_error)?;
        let new = NewDossier {
            procedure_code: registration.procedure_code.clone(),
            procedure_version: procedure.row.version,
            agency_id: agency.id,
            agency_path: agency.path.clone(),
            citizen_id,
            applicant_name,
            applicant_personal_id: personal_id,
            channel: Channel::Counter.as_str().to_owned(),
            form,
            delivery_method: registration.delivery.method.as_str().to_owned(),
            delivery_address: registration.delivery.address.clone(),
        };
        // Written once, already received: the draft is only the starting point of the decision.
        let stored = tx
            .insert_dossier_row(&new, &decision.new_state, &roles, micros)
            .await?;
        tx.append_dossier_events(stored.id, &decision.events)
            .await?;
        let target = EffectTarget {
            dossier_id: stored.id,
            dossier_code: stored.code.as_deref(),
            procedure_code: &stored.procedure_code,
            scope: &stored.agency_path,
            delivery_address: stored.delivery_address.as_deref(),
            applicant: applicant.as_ref(),
        };
        enqueue_effects(&mut tx, &target, &decision, micros).await?;
        self.add_papers_in(
            &mut tx,
            actor,
            stored.id,
            &papers,
            Purpose::Document,
            micros,
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The workflow a new dossier of this procedure starts with (the default one is created
    /// the first time a procedure without an administrator-defined workflow is used).
    async fn workflow_for_new_dossier(
        &self,
        procedure_code: &str,
        procedure: &crate::catalogue::ProcedureVersion,
    ) -> AppResult<Workflow> {
        match self.workflow(procedure_code, None).await {
            Ok(workflow) => Ok(workflow),
            Err(AppError::NotFound) => {
                let province = procedure.procedure.level != motcua_domain::org::GovLevel::Commune;
                self.ensure_default_workflows(&[(procedure_code.to_owned(), province)])
                    .await?;
                self.workflow(procedure_code, None).await
            }
            Err(other) => Err(other),
        }
    }

    /// The actions the caller may take on a dossier now, found by asking the state machine
    /// with a representative command of each kind — so a page offers exactly what would be
    /// accepted (data such as reasons is still checked when the real command comes).
    pub async fn available_actions(
        &self,
        actor: &Actor,
        row: &DossierRow,
    ) -> AppResult<Vec<CommandKind>> {
        if actor.principal == Principal::Anonymous {
            return Ok(Vec::new());
        }
        let workflow = self.workflow_of(row).await?;
        let state = row.dossier()?;
        let in_step_unit = self
            .works_in_step_unit(actor, row, &workflow, &state)
            .await?;
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        let later = now + time::Duration::days(3650);
        let text = || "-".to_owned();
        let step = state.step.unwrap_or(0);
        let mut candidates = vec![
            Command::RequestSupplement {
                missing: vec![text()],
                reason: text(),
            },
            Command::Refuse {
                reasons: vec![text()],
            },
            Command::Forward {
                to_step: step + 1,
                assignee: None,
            },
            Command::Consult {
                unit: text(),
                question: text(),
            },
            Command::Approve,
            Command::Sign,
            Command::Resolve,
            Command::ReturnResult {
                method: dossier::ReturnMethod::Counter,
            },
            Command::Withdraw { reason: text() },
            Command::Stop { reason: text() },
            Command::SupplementProvided {
                new_due: state.paused_at.map(|_| later),
            },
        ];
        if state.status == Some(DossierStatus::Submitted) {
            candidates.insert(
                0,
                Command::Receive {
                    due: later,
                    code: None,
                    assignee: None,
                },
            );
        }
        if step > 0 {
            candidates.push(Command::Return {
                to_step: step - 1,
                reason: text(),
                assignee: None,
            });
        }
        if let Ok(code) = AgencyCode::parse("000.00.00.H13") {
            candidates.push(Command::Transfer {
                to_agency: code,
                reason: text(),
            });
        }
        let mut kinds = Vec::new();
        for command in candidates {
            let kind = command.kind();
            if kind == CommandKind::Receive
                && actor
                    .require_at(Permission::DossierReceive, &row.agency_path)
                    .is_err()
            {
                continue;
            }
            let Ok(acting) = self.acting_role(actor, row, &workflow, &state, kind, in_step_unit)
            else {
                continue;
            };
            let context = Context {
                workflow: &workflow,
                actor: &acting,
                now,
            };
            if dossier::decide(&state, &command, &context).is_ok() {
                kinds.push(kind);
            }
        }
        // Extension: allowed once and before the due time; the exact new date is checked later.
        if let Some(appointment) = state.appointment
            && let Ok(acting) = self.acting_role(
                actor,
                row,
                &workflow,
                &state,
                CommandKind::Extend,
                in_step_unit,
            )
        {
            let context = Context {
                workflow: &workflow,
                actor: &acting,
                now,
            };
            let probe = Command::Extend {
                new_due: appointment.due() + time::Duration::days(1),
                reason: text(),
            };
            match dossier::decide(&state, &probe, &context) {
                Ok(_)
                | Err(dossier::TransitionError::Extension(
                    motcua_domain::calendar::ExtensionError::NotAWorkingDay,
                )) => kinds.push(CommandKind::Extend),
                Err(_) => {}
            }
        }
        Ok(kinds)
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

    /// An official's work queue within their jurisdiction (see [`QUEUES`]).
    pub async fn dossier_queue(&self, actor: &Actor, queue: &str) -> AppResult<Vec<DossierRow>> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::DossierView))?;
        let paths: Option<Vec<String>> = actor
            .principal
            .jurisdictions(Permission::DossierView)
            .map(|ps| ps.into_iter().map(|p| p.as_str().to_owned()).collect());
        let now = self.now_micros();
        let open = vec![2, 4, 5, 6];
        let filter = match queue {
            "receive" => DossierFilter {
                statuses: vec![1],
                by_desk: true,
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
                if roles.is_empty() {
                    return Ok(Vec::new());
                }
                DossierFilter {
                    statuses: vec![2, 4],
                    step_roles: roles,
                    ..Default::default()
                }
            }
            "assigned" => DossierFilter {
                statuses: open.clone(),
                assignee_id: Some(actor.principal.official_id().ok_or(AppError::Forbidden)?),
                ..Default::default()
            },
            "unit" => DossierFilter {
                statuses: open,
                ..Default::default()
            },
            "due-soon" => {
                // Due within one working day of now, by the national working calendar. A
                // paused dossier (5, 6) has a frozen due time and is neither due nor late.
                let within = self
                    .calendar_due(None, self.now(), ProcessingTime::WorkingDays(1))
                    .await
                    .map(motcua_store::micros)
                    .unwrap_or(now + 86_400_000_000);
                DossierFilter {
                    statuses: vec![2, 4],
                    due_before: Some(within),
                    ..Default::default()
                }
            }
            "overdue" => DossierFilter {
                statuses: vec![2, 4],
                due_before: Some(now),
                ..Default::default()
            },
            "resolved" => DossierFilter {
                statuses: vec![9],
                by_desk: true,
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

    fn new_dossier(&self, form: String, delivery: &ResultDelivery) -> NewDossier {
        NewDossier {
            procedure_code: self.procedure_code.clone(),
            procedure_version: self.version.row.version,
            agency_id: self.agency.id,
            agency_path: self.agency.path.clone(),
            citizen_id: Some(self.citizen.id),
            applicant_name: self.citizen.full_name.clone(),
            applicant_personal_id: Some(self.citizen.personal_id.clone()),
            channel: Channel::Online.as_str().to_owned(),
            form,
            delivery_method: delivery.method.as_str().to_owned(),
            delivery_address: delivery.address.clone(),
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
