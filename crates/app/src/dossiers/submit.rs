//! Online submission (nộp hồ sơ trực tuyến) and drafts (lưu nháp).

use super::*;

impl App {
    /// A citizen submits a dossier online: the form is validated against the procedure version
    /// in force, the dossier gets its code and waits in the agency's reception queue (status 1).
    pub async fn submit_dossier(
        &self,
        actor: &Actor,
        submission: &Submission,
    ) -> AppResult<DossierView> {
        self.submit_online(actor, None, submission, &Papers::default())
            .await
            .and_then(|row| DossierView::from_row(&row))
    }

    /// [`App::submit_dossier`] with files uploaded in the same form (the online form without
    /// JavaScript): every problem of the form and the papers is reported at once and nothing
    /// is stored; otherwise the uploads, their links and the dossier commit in one transaction.
    pub async fn submit_dossier_with_papers(
        &self,
        actor: &Actor,
        submission: &Submission,
        papers: &Papers,
    ) -> AppResult<DossierView> {
        self.submit_online(actor, None, submission, papers)
            .await
            .and_then(|row| DossierView::from_row(&row))
    }

    /// Submits a saved draft (lưu nháp → nộp) with the values now on the form; the draft keeps
    /// its id, so papers attached to it stay attached.
    pub async fn submit_draft(
        &self,
        actor: &Actor,
        draft_id: i64,
        submission: &Submission,
    ) -> AppResult<DossierView> {
        self.submit_online(actor, Some(draft_id), submission, &Papers::default())
            .await
            .and_then(|row| DossierView::from_row(&row))
    }

    /// [`App::submit_draft`] with files uploaded in the same form; papers already attached to
    /// the draft count as provided.
    pub async fn submit_draft_with_papers(
        &self,
        actor: &Actor,
        draft_id: i64,
        submission: &Submission,
        papers: &Papers,
    ) -> AppResult<DossierView> {
        self.submit_online(actor, Some(draft_id), submission, papers)
            .await
            .and_then(|row| DossierView::from_row(&row))
    }

    /// Saves the form as a draft (new, or over an earlier draft of the same citizen) without
    /// validating it: a half-filled form is what a draft is for. Nothing is numbered and no
    /// one else sees it; only the procedure, agency and delivery choice must make sense.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        draft_id: Option<i64>,
        submission: &Submission,
    ) -> AppResult<DossierView> {
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
    ) -> AppResult<DossierView> {
        let citizen_id = citizen_of(actor)?;
        let opened = self.open_online(citizen_id, submission).await?;
        let (papers, problems) =
            self.check_papers(&opened.version.procedure, &papers.uploads, None);
        with_paper_problems(Ok(()), problems)?;
        self.store_paper_blobs(actor, &papers).await?;
        let form =
            serde_json::to_string(&submission.form).map_err(|e| AppError::Internal(e.into()))?;
        // A phone that is no phone is kept out; the rest of a draft may be half-filled.
        let phone = crate::postal::check_contact_phone(submission.postal.phone.as_deref())?;
        let new = opened.new_dossier(form, &submission.delivery, Channel::Online, phone);
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
        DossierView::from_row(&self.store.get_dossier(id).await?)
    }

    /// Discards a citizen's draft (its uploads stay in their files for later dossiers).
    pub async fn discard_draft(&self, actor: &Actor, draft_id: i64) -> AppResult<()> {
        let citizen_id = citizen_of(actor)?;
        let mut tx = self.store.begin().await?;
        tx.delete_draft(draft_id, citizen_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The postal part of a submission: the pickup address when the papers go by post (an
    /// operator must be configured, and the postman needs a phone), and a well-formed contact
    /// phone. Its problems are reported with the form's.
    fn check_postal_choice(
        &self,
        opened: &OpenedDossier,
        submission: &Submission,
    ) -> AppResult<(Option<String>, Vec<InvalidField>)> {
        let mut problems = Vec::new();
        let phone = match crate::postal::check_contact_phone(submission.postal.phone.as_deref()) {
            Ok(phone) => phone,
            Err(AppError::Invalid(fields)) => {
                problems.extend(fields);
                None
            }
            Err(other) => return Err(other),
        };
        let pickup = submission.postal.pickup();
        if let Some(address) = pickup {
            if !self.postal_configured() {
                problems.push(InvalidField::new(
                    "submit_by",
                    "error-postal-not-configured",
                ));
            }
            if address.chars().count() < 10 {
                problems.push(InvalidField::new(
                    "pickup_address",
                    "error-postal-pickup-address",
                ));
            }
            let reachable = phone.is_some()
                || opened
                    .citizen
                    .phone
                    .as_deref()
                    .is_some_and(|p| motcua_channels::postal::postal_phone(p).is_some());
            if !reachable && problems.iter().all(|p| p.field != "contact_phone") {
                problems.push(InvalidField::new(
                    "contact_phone",
                    "error-postal-phone-required",
                ));
            }
        }
        Ok((pickup.map(str::to_owned), problems))
    }

    /// The citizen's own draft, or `NotFound` (also for someone else's, or a submitted one).
    pub(super) async fn own_draft(&self, citizen_id: i64, draft_id: i64) -> AppResult<DossierRow> {
        let row = self.store.get_dossier(draft_id).await?;
        if row.citizen_id != Some(citizen_id) || row.status_code.is_some() || row.last_seq != 0 {
            return Err(AppError::NotFound);
        }
        Ok(row)
    }

    /// What a new online dossier needs, read before any write transaction.
    pub(super) async fn open_online(
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
            .map_err(|_| {
                // Nothing chosen is not "a unit that does not exist".
                if submission.agency_code.trim().is_empty() {
                    AppError::invalid("agency", "error-agency-required")
                } else {
                    AppError::invalid("agency", "error-parent")
                }
            })?;
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

    pub(super) async fn submit_online(
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
        let (pickup, postal_problems) = self.check_postal_choice(&opened, submission)?;
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
        // Papers sent by post arrive on paper: only what was uploaded is checked.
        let (papers, problems) = self.check_papers(
            &opened.version.procedure,
            &papers.uploads,
            (papers.require_all && pickup.is_none()).then_some(provided.as_slice()),
        );
        let problems = problems.into_iter().chain(postal_problems).collect();
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
        let audience = self
            .audience(Some(&applicant), &opened.version.procedure.name)
            .await?;
        let (report_calendar, full_online) = self
            .report_inputs(
                &opened.agency.path,
                &opened.procedure_code,
                opened.version.row.version,
            )
            .await?;
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
        let channel = if pickup.is_some() {
            Channel::Postal
        } else {
            Channel::Online
        };
        let new = opened.new_dossier(
            form,
            &submission.delivery,
            channel,
            submission.postal.contact_phone(),
        );
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
        // The code is a standing fact of the reports (the national portal must know it).
        crate::reports::project_dossier(
            &mut tx,
            id,
            &decision.new_state,
            &opened.workflow,
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
            dossier_id: id,
            dossier_code: stored.code.as_deref(),
            procedure_code: &stored.procedure_code,
            scope: &stored.agency_path,
            delivery_address: stored.delivery_address.as_deref(),
            audience: audience.as_ref(),
        };
        enqueue_effects(&mut tx, &target, &decision, micros).await?;
        if let Some(address) = pickup {
            let payload = crate::postal::PickupPayload {
                dossier_id: id,
                address,
            };
            let payload =
                serde_json::to_string(&payload).map_err(|e| AppError::Internal(e.into()))?;
            tx.enqueue_scoped(
                crate::effects::outbox_kind::PICKUP_DOSSIER,
                &payload,
                micros,
                Some(stored.desk_path()),
            )
            .await?;
        }
        self.link_submission(&mut tx, actor, id, opened.links, micros)
            .await?;
        self.add_papers_in(&mut tx, actor, id, &papers, Purpose::Document, micros)
            .await?;
        tx.commit().await?;
        // The row as written (events and papers do not change its columns).
        Ok(stored)
    }
}
