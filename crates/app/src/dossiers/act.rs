//! Acting on a dossier: reception with the legal appointment, every other command through
//! the state machine, and the one place a decision is written (`persist`).

use super::*;

impl App {
    /// Applies a decided transition: state, events and notifications in one transaction, with
    /// an integration's own rows (the postal operator's acceptance or tracking event) and the
    /// results sealed at the "sign" step written in it too.
    async fn persist_with(
        &self,
        row: &DossierRow,
        workflow: &Workflow,
        before: &Dossier,
        decision: dossier::Decision,
        writes: &[crate::postal::PostalWrite],
        sealed: &[super::seal::SealedResult],
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
        let audience = match &citizen {
            Some(citizen) => {
                let procedure = self
                    .published_version(&row.procedure_code, row.procedure_version)
                    .await?;
                self.audience(Some(citizen), &procedure.procedure.name)
                    .await?
            }
            None => None,
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
        let scope = moved_to
            .as_ref()
            .map_or(row.agency_path.as_str(), |unit| unit.path.as_str());
        let (report_calendar, full_online) = self
            .report_inputs(scope, &row.procedure_code, row.procedure_version)
            .await?;
        let mut tx = self.store.begin().await?;
        if let Some(unit) = &moved_to {
            tx.move_dossier_agency(row.id, unit.id, &unit.path).await?;
            // What the national portal acknowledged moves with the dossier to its new agency.
            tx.project_national_sync(row.id).await?;
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
        crate::reports::project_dossier(
            &mut tx,
            row.id,
            &decision.new_state,
            workflow,
            &report_calendar,
            motcua_domain::report::DossierContext {
                agency_path: scope,
                procedure_code: &row.procedure_code,
                channel: &row.channel,
                full_online,
            },
        )
        .await?;
        crate::postal::write_in(&mut tx, writes).await?;
        super::seal::write_sealed(&mut tx, row.id, sealed, now).await?;
        let target = EffectTarget {
            dossier_id: row.id,
            dossier_code: row.code.as_deref(),
            procedure_code: &row.procedure_code,
            scope,
            delivery_address: row.delivery_address.as_deref(),
            audience: audience.as_ref(),
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
                // Worded by the notification catalogue when sent (`dossier-consult`).
                let payload = json!({
                    "channel": "email", "to": email, "template": "dossier-consult", "lang": "vi",
                    "vars": {
                        "code": code, "procedure": row.procedure_code, "unit": unit_name,
                        "question": question, "link": link,
                    },
                });
                tx.enqueue_on_channel(
                    crate::effects::outbox_kind::NOTIFY,
                    "email",
                    &payload.to_string(),
                    now,
                    Some(&row.agency_path),
                )
                .await?;
            }
        }
        tx.commit().await?;
        // The UPDATE returned the row as committed: no read after the commit.
        Ok(updated)
    }

    /// A report of an integration (the postal operator) decided as the system and written with
    /// the integration's rows in one transaction. A refusal of the state machine comes back as
    /// `Ok(Err(_))`, so the caller tells "already done" from a failure.
    pub(crate) async fn decide_as_system_with(
        &self,
        row: &DossierRow,
        command: &Command,
        writes: &[crate::postal::PostalWrite],
    ) -> AppResult<Result<DossierRow, dossier::TransitionError>> {
        let workflow = self.workflow_of(row).await?;
        let state = row.dossier()?;
        let now = self
            .now()
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        let context = Context {
            workflow: &workflow,
            actor: &DossierActor::System,
            now,
        };
        match dossier::decide(&state, command, &context) {
            Ok(decision) => Ok(Ok(self
                .persist_with(row, &workflow, &state, decision, writes, &[])
                .await?)),
            Err(refused) => Ok(Err(refused)),
        }
    }

    /// The desk receives an online dossier: the appointment is computed from the procedure's
    /// processing time for the channel and the agency's working calendar.
    pub async fn receive_dossier(&self, actor: &Actor, id: i64) -> AppResult<DossierView> {
        let row = self.store.get_dossier(id).await?;
        DossierView::from_row(&self.receive_row(actor, row, None).await?)
    }

    /// [`App::receive_dossier`] on a row already read, optionally naming who processes it.
    pub(super) async fn receive_row(
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
        // A procedure paid at submission is received once its fees are paid (online, or in
        // cash at this desk first): the desk never checks a bank statement by hand.
        if procedure.procedure.pay_at_submission
            && matches!(channel, Channel::Online | Channel::Postal)
            && self.submission_fees_unpaid(&row).await?
        {
            return Err(AppError::Conflict("error-payment-due"));
        }
        let limit = procedure
            .procedure
            .processing_time
            .for_reception(channel)
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
        // Papers the postman collected count from the day the operator took them (the
        // postmark), as a parcel typed in at the counter does; before that, from now.
        let postmark = if channel == Channel::Postal {
            let registered = row.dossier()?.code.map(|c| c.date());
            self.pickup_postmark(&row)
                .await?
                .filter(|p| *p <= now.date() && registered.is_none_or(|r| r <= *p))
        } else {
            None
        };
        let start = match postmark {
            Some(postmark) => postmark.midnight().assume_offset(now.offset()),
            None => now,
        };
        // The row already names the agency's path: its calendar needs no unit lookup.
        let due = self
            .work_calendar_at(Some(&row.agency_path))
            .await?
            .due(start, ProcessingTime::from(limit))
            .map_err(|_| AppError::invalid("from", "error-calendar-year"))?;
        self.act_on_row(
            actor,
            row,
            Command::Receive {
                due,
                code: None,
                assignee,
                postmark,
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
    ) -> AppResult<DossierView> {
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
            other => {
                App::check_postable(&row, &other)?;
                self.act_on_row(actor, row, other).await
            }
        }
        .and_then(|row| DossierView::from_row(&row))
    }

    /// [`App::act_on_dossier`] on a row already read.
    pub(crate) async fn act_on_row(
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
        // Ký số: the seal goes on the result files before anything is written, so a refusal
        // (no result, no seal, the timestamp server down) leaves the dossier unsigned.
        let sealed = if matches!(command, Command::Sign) {
            self.seal_results(actor, &row).await?
        } else {
            Vec::new()
        };
        self.persist_with(&row, &workflow, &state, decision, &[], &sealed)
            .await
    }

    /// The due time after a pause: the working time that was left when the clock stopped,
    /// counted again from now on the agency's calendar.
    pub(super) async fn resumed_due(
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
    pub(super) async fn check_assignee(
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

    /// The actions the caller may take on a dossier now, found by asking the state machine
    /// with a representative command of each kind — so a page offers exactly what would be
    /// accepted (data such as reasons is still checked when the real command comes).
    pub async fn available_actions(
        &self,
        actor: &Actor,
        dossier: &DossierView,
    ) -> AppResult<Vec<CommandKind>> {
        if actor.principal == Principal::Anonymous {
            return Ok(Vec::new());
        }
        let row = self.dossier_row(actor, dossier.id).await?;
        self.actions_on_row(actor, &row).await
    }

    /// [`App::available_actions`] on a row already read (and authorised) by the app.
    pub(crate) async fn actions_on_row(
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
                due_by: None,
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
                    postmark: None,
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
}
