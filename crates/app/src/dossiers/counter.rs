//! Registration at the one-stop desk (tiếp nhận trực tiếp): the desk fills the form for the
//! applicant, the dossier is received at once.

use super::*;

impl App {
    /// The desk registers a dossier brought to the counter and receives it at once: the same
    /// form validation as online, the code and the appointment in one transaction.
    pub async fn register_at_counter(
        &self,
        actor: &Actor,
        registration: &CounterRegistration,
    ) -> AppResult<DossierView> {
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
    ) -> AppResult<DossierView> {
        let agency = self
            .store
            .get_unit_by_code(&registration.agency_code)
            .await
            .map_err(|_| {
                // Nothing chosen is not "a unit that does not exist".
                if registration.agency_code.trim().is_empty() {
                    AppError::invalid("agency", "error-agency-required")
                } else {
                    AppError::invalid("agency", "error-parent")
                }
            })?;
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
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        if let Some(postmark) = registration.postmark
            && let Err(AppError::Invalid(fields)) =
                crate::postal::check_postmark(postmark, now.date())
        {
            problems.extend(fields);
        }
        let contact_phone =
            match crate::postal::check_contact_phone(registration.contact_phone.as_deref()) {
                Ok(phone) => phone,
                Err(AppError::Invalid(fields)) => {
                    problems.extend(fields);
                    None
                }
                Err(other) => return Err(other),
            };
        let Some(validated) = validated.filter(|_| problems.is_empty()) else {
            return Err(AppError::Invalid(problems));
        };
        let workflow = self
            .workflow_for_new_dossier(&registration.procedure_code, &procedure)
            .await?;
        let channel = crate::postal::registration_channel(registration.postmark);
        let limit = procedure
            .procedure
            .processing_time
            .for_reception(channel)
            .cloned()
            .ok_or(AppError::Conflict("error-dossier-state"))?;
        // By post the time counts from the postmark: a date without an hour, so from the
        // opening of that day (the calendar moves a day off to the next working day) [assumed].
        // A same-day procedure posted days ago is therefore received overdue, as the law
        // counts it; the desk sees it in the overdue queue.
        let start = match registration.postmark {
            Some(postmark) => postmark.midnight().assume_offset(now.offset()),
            None => now,
        };
        let due = self
            .calendar_due(agency.code.as_deref(), start, ProcessingTime::from(limit))
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
        let audience = self
            .audience(applicant.as_ref(), &procedure.procedure.name)
            .await?;
        let (report_calendar, full_online) = self
            .report_inputs(
                &agency.path,
                &registration.procedure_code,
                procedure.row.version,
            )
            .await?;
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
                postmark: registration.postmark,
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
            channel: channel.as_str().to_owned(),
            form,
            delivery_method: registration.delivery.method.as_str().to_owned(),
            delivery_address: registration.delivery.address.clone(),
            contact_phone,
        };
        // Written once, already received: the draft is only the starting point of the decision.
        let stored = tx
            .insert_dossier_row(&new, &decision.new_state, &roles, micros)
            .await?;
        tx.append_dossier_events(stored.id, &decision.events)
            .await?;
        crate::reports::project_dossier(
            &mut tx,
            stored.id,
            &decision.new_state,
            &workflow,
            &report_calendar,
            motcua_domain::report::DossierContext {
                agency_path: &stored.agency_path,
                procedure_code: &stored.procedure_code,
                channel: &stored.channel,
                full_online,
            },
        )
        .await?;
        let target = EffectTarget {
            dossier_id: stored.id,
            dossier_code: stored.code.as_deref(),
            procedure_code: &stored.procedure_code,
            scope: &stored.agency_path,
            delivery_address: stored.delivery_address.as_deref(),
            audience: audience.as_ref(),
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
        DossierView::from_row(&stored)
    }

    /// The workflow a new dossier of this procedure starts with (the default one is created
    /// the first time a procedure without an administrator-defined workflow is used).
    pub(super) async fn workflow_for_new_dossier(
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
}
