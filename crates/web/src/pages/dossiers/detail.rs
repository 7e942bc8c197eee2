//! One dossier's page, for its applicant and for officials: the answers, the timeline, the
//! papers, and exactly the actions the caller may take; the actions' forms become commands.

use super::*;

/// One answer of the form, for reading.
pub struct Answer {
    pub label: String,
    pub value: String,
    pub depth: usize,
}

pub(super) fn answers(schema: &FormSchema, values: &FormValues) -> Vec<Answer> {
    let pairs = pairs_from_values(schema, values);
    let mut out = Vec::new();
    collect_answers(&schema.fields, "", &pairs, 0, &mut out);
    out
}

pub(super) fn collect_answers(
    fields: &[Field],
    prefix: &str,
    pairs: &[(String, String)],
    depth: usize,
    out: &mut Vec<Answer>,
) {
    for field in fields {
        let name = format!("{prefix}{}", field.id);
        match &field.kind {
            FieldKind::Group {
                fields: sub, max, ..
            } => {
                for index in 0..*max {
                    let p = format!("{name}[{index}].");
                    if !pairs.iter().any(|(k, _)| k.starts_with(&p)) {
                        break;
                    }
                    out.push(Answer {
                        label: format!("{} {}", field.label, index + 1),
                        value: String::new(),
                        depth,
                    });
                    collect_answers(sub, &p, pairs, depth + 1, out);
                }
            }
            FieldKind::Address { .. } => {
                let parts: Vec<String> = ADDRESS_PARTS
                    .iter()
                    .filter_map(|part| {
                        let key = format!("{name}.{part}");
                        pairs
                            .iter()
                            .find(|(k, _)| *k == key)
                            .map(|(_, v)| v.clone())
                    })
                    .collect();
                if !parts.is_empty() {
                    out.push(Answer {
                        label: field.label.clone(),
                        value: parts.join(", "),
                        depth,
                    });
                }
            }
            FieldKind::Choice { options, .. } => {
                let chosen: Vec<String> = pairs
                    .iter()
                    .filter(|(k, _)| *k == name)
                    .map(|(_, v)| {
                        options
                            .iter()
                            .find(|o| &o.value == v)
                            .map(|o| o.label.clone())
                            .unwrap_or_else(|| v.clone())
                    })
                    .collect();
                if !chosen.is_empty() {
                    out.push(Answer {
                        label: field.label.clone(),
                        value: chosen.join(", "),
                        depth,
                    });
                }
            }
            FieldKind::Checkbox => {
                if pairs.iter().any(|(k, _)| *k == name) {
                    out.push(Answer {
                        label: field.label.clone(),
                        value: "✓".into(),
                        depth,
                    });
                }
            }
            _ => {
                if let Some((_, v)) = pairs.iter().find(|(k, _)| *k == name) {
                    out.push(Answer {
                        label: field.label.clone(),
                        value: v.clone(),
                        depth,
                    });
                }
            }
        }
    }
}

/// A timeline entry as shown to the applicant and the officials.
pub struct Step {
    pub at: String,
    pub action: String,
    pub status: String,
    pub reason: String,
    pub who: String,
    /// What the event's data says that people need: the parcel's tracking number and fee,
    /// the postmark, how the result was returned, the day to supplement by.
    pub detail: String,
}

/// The postal part of an event's data, as one line ("Mã vận đơn: …; cước: …").
pub(super) fn event_detail(
    lang: i18n::Lang,
    data: &std::collections::BTreeMap<String, String>,
) -> String {
    let mut parts = Vec::new();
    if let Some(method) = data.get("method") {
        parts.push(i18n::t(lang, &format!("return-{method}")));
    }
    if let Some(postmark) = data.get("postmark") {
        let day = motcua_app::forms::parse_day(postmark)
            .map(i18n::format_date)
            .unwrap_or_else(|| postmark.clone());
        parts.push(i18n::tf(lang, "event-detail-postmark", &[("date", &day)]));
    }
    if let Some(due_by) = data.get("due_by") {
        let day = motcua_app::forms::parse_day(due_by)
            .map(i18n::format_date)
            .unwrap_or_else(|| due_by.clone());
        parts.push(i18n::tf(lang, "dossier-supplement-due", &[("date", &day)]));
    }
    if let Some(tracking) = data.get("tracking_number") {
        parts.push(i18n::tf(
            lang,
            "event-detail-tracking",
            &[("tracking", tracking)],
        ));
    }
    if let Some(fee) = data.get("fee_vnd").and_then(|f| f.parse::<i64>().ok()) {
        parts.push(i18n::tf(
            lang,
            "dossier-postal-fee",
            &[("fee", &i18n::format_money(fee))],
        ));
    }
    parts.join("; ")
}

/// A parcel of the dossier as its page shows it.
pub struct ParcelView {
    /// What the parcel is for: the result to the applicant, or the papers collected at home.
    pub kind: String,
    pub tracking: String,
    pub status: String,
    pub fee: String,
    pub address: String,
    /// (time, status, note) of each operator event.
    pub events: Vec<(String, String, String)>,
}

pub(super) fn parcels(
    lang: i18n::Lang,
    shipments: Vec<motcua_app::postal::ShipmentView>,
) -> Vec<ParcelView> {
    shipments
        .into_iter()
        .map(|s| ParcelView {
            kind: i18n::t(lang, &format!("postal-kind-{}", s.kind)),
            tracking: s
                .tracking_number
                .unwrap_or_else(|| i18n::t(lang, "postal-no-tracking")),
            status: i18n::t(lang, &format!("postal-status-{}", s.status)),
            fee: s.fee_vnd.map(i18n::format_money).unwrap_or_default(),
            // A pickup is about where the postman collects the papers.
            address: s.pickup_address.unwrap_or(s.receiver_address),
            events: s
                .events
                .into_iter()
                .map(|e| {
                    (
                        local_time(e.at),
                        i18n::t(lang, &format!("postal-status-{}", e.status)),
                        e.note.unwrap_or_default(),
                    )
                })
                .collect(),
        })
        .collect()
}

/// A later or earlier workflow step one may send the dossier to.
pub struct StepChoice {
    pub index: usize,
    pub name: String,
}

#[derive(Template)]
#[template(path = "dossiers/detail.html")]
pub(super) struct DetailPage {
    page: Page,
    row: DossierView,
    procedure_name: String,
    agency_name: String,
    desk_name: String,
    status: String,
    due: String,
    step_name: String,
    answers: Vec<Answer>,
    timeline: Vec<Step>,
    /// The result's parcels (returned by post).
    parcels: Vec<ParcelView>,
    actions: Vec<String>,
    /// Where action forms post.
    action_url: String,
    staff: bool,
    receipt: bool,
    later_steps: Vec<StepChoice>,
    earlier_steps: Vec<StepChoice>,
    agencies: Vec<(String, String)>,
    /// Officials of the agency a step may be handed to (id, "name — unit").
    assignees: Vec<(i64, String)>,
    error: String,
    missing: Vec<String>,
    /// "Hạn bổ sung: dd/mm/yyyy" of the latest supplement request, empty when it gave no day.
    supplement_due: String,
    /// The reception checklist: each paper of the procedure with its files.
    papers: Vec<PaperCheck>,
    /// Files not attached for a listed paper (e.g. supplements sent as "other").
    other_files: Vec<FileLink>,
    results: Vec<FileLink>,
    /// The applicant's file inputs for the papers asked for (status 5).
    supplement_inputs: Vec<SupplementInput>,
    supplement_other_error: String,
    supplement_url: String,
    result_url: String,
    /// The result may be attached now (by who signs it, or resolves it where nothing is sealed).
    result_upload: bool,
    result_error: String,
    accept: &'static str,
    /// What the national portal acknowledged of the dossier (staff only; empty otherwise).
    national_sync: String,
}

impl DetailPage {
    fn can(&self, kind: &str) -> bool {
        self.actions.iter().any(|a| a == kind)
    }

    fn channel(&self) -> String {
        i18n::t(
            self.page.lang,
            &format!("channel-{}", self.row.channel.as_str()),
        )
    }

    /// The result has been returned (status 10): the applicant may rate the service.
    fn returned(&self) -> bool {
        self.row.is(DossierStatus::Returned)
    }

    /// The desk waits for the papers it asked for (status 5).
    fn awaiting_supplement(&self) -> bool {
        self.row.is(DossierStatus::SupplementRequested)
    }

    /// How the applicant asked to receive the result.
    fn delivery(&self) -> String {
        i18n::t(
            self.page.lang,
            &format!("dossier-delivery-{}", self.row.delivery.method.as_str()),
        )
    }
}

pub(super) async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    staff: bool,
    error: Option<&AppError>,
    flash: Option<String>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let row = state.app.dossier_for(&actor, id).await.ctx(ctx)?;
    let procedure = state
        .app
        .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
        .await
        .ctx(ctx)?
        .procedure;
    let workflow = state
        .app
        .workflow(&row.procedure_code, Some(row.workflow_version))
        .await
        .ctx(ctx)?;
    let values: FormValues = row.form_values();
    let unit_name = |id: Option<i64>| async move {
        match id {
            Some(id) => state.app.public_unit(id).await.map(|u| u.name),
            None => Ok(String::new()),
        }
    };
    let agency_name = unit_name(Some(row.agency_id)).await.ctx(ctx)?;
    let desk_name = unit_name(row.desk_id).await.ctx(ctx)?;
    let events = state.app.dossier_history(&actor, id).await.ctx(ctx)?;
    let national_sync = if staff && row.code.is_some() {
        let last_seq = events.last().map_or(0, |e| e.seq);
        match state.app.dossier_national_sync(&actor, id).await {
            Ok(Some(s)) if s.last_error.is_some() => i18n::tf(
                ctx.lang,
                "dossier-national-sync-failing",
                &[
                    ("acked", &s.acked_seq.to_string()),
                    ("steps", &last_seq.to_string()),
                    ("error", s.last_error.as_deref().unwrap_or_default()),
                ],
            ),
            Ok(Some(s)) if s.acked_seq > 0 => i18n::tf(
                ctx.lang,
                "dossier-national-sync-acked",
                &[
                    ("acked", &s.acked_seq.to_string()),
                    ("steps", &last_seq.to_string()),
                    (
                        "at",
                        &s.acked_at.map(i18n::format_time_micros).unwrap_or_default(),
                    ),
                ],
            ),
            Ok(_) => i18n::t(ctx.lang, "dossier-national-sync-none"),
            // Officials who see the dossier through a consultation only: nothing to show.
            Err(_) => String::new(),
        }
    } else {
        String::new()
    };
    let missing = requested_papers(&events);
    let supplement_due = requested_due(&events)
        .map(|day| i18n::tf(ctx.lang, "dossier-supplement-due", &[("date", &day)]))
        .unwrap_or_default();
    // Mẫu 01 (the receipt) exists once the dossier has been received.
    let receipt = events.iter().any(|e| e.kind == CommandKind::Receive);
    let timeline = events
        .iter()
        .map(|e| {
            let who = match &e.actor {
                motcua_domain::dossier::Actor::Citizen { .. } => {
                    i18n::t(ctx.lang, "dossier-by-applicant")
                }
                motcua_domain::dossier::Actor::Official { role, .. } => {
                    i18n::t(ctx.lang, &format!("role-{}", role.as_str()))
                }
                motcua_domain::dossier::Actor::System => i18n::t(ctx.lang, "dossier-by-system"),
            };
            Step {
                at: local_time(e.at),
                action: i18n::t(ctx.lang, &format!("event-{}", e.kind.as_str())),
                status: e
                    .to_status
                    .map(|s| s.vietnamese().to_owned())
                    .unwrap_or_default(),
                reason: e.reason.clone(),
                who,
                detail: event_detail(ctx.lang, &e.data),
            }
        })
        .collect();
    let parcels = parcels(
        ctx.lang,
        state
            .app
            .dossier_shipments(&actor, id)
            .await
            .unwrap_or_default(),
    );
    let actions: Vec<String> = state
        .app
        .available_actions(&actor, &row)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    let result_upload = staff
        && state
            .app
            .may_upload_result(&actor, id)
            .await
            .unwrap_or(false);
    let current = row.step.unwrap_or(0);
    let step_choices = |range: std::ops::Range<usize>| {
        range
            .filter_map(|i| {
                workflow.steps.get(i).map(|s| StepChoice {
                    index: i,
                    name: s.name.clone(),
                })
            })
            .collect::<Vec<_>>()
    };
    let agencies = state
        .app
        .public_units()
        .await
        .ctx(ctx)?
        .into_iter()
        .filter(|u| u.kind == "agency" && u.id != row.agency_id)
        .filter_map(|u| u.code.map(|c| (c, u.name)))
        .collect();
    // Chuyển bước to a named official ("assigned to me" in their queue); the server checks
    // that they hold the chosen step's role.
    let assignees = if staff && actions.iter().any(|a| a == "forward") {
        state
            .app
            .assignable_officials(&actor, &row)
            .await
            .ctx(ctx)?
            .into_iter()
            .map(|o| (o.id, format!("{} — {}", o.full_name, o.unit_name)))
            .collect()
    } else {
        Vec::new()
    };
    // Action forms are small: every problem is listed above them.
    let general = match error {
        Some(AppError::Invalid(fields)) => {
            let mut messages: Vec<String> =
                fields.iter().map(|f| i18n::t(ctx.lang, &f.code)).collect();
            messages.dedup();
            messages.join(" ")
        }
        Some(other) => i18n::t(ctx.lang, other.code()),
        None => String::new(),
    };
    let field_errors: HashMap<String, String> = match error {
        Some(AppError::Invalid(fields)) => fields
            .iter()
            .map(|f| (f.field.clone(), i18n::t(ctx.lang, &f.code)))
            .collect(),
        _ => HashMap::new(),
    };
    let base = if staff {
        "/staff/dossiers"
    } else {
        "/my/dossiers"
    };
    let files = state
        .app
        .dossier_attachments(&actor, id)
        .await
        .unwrap_or_default();
    let papers: Vec<PaperCheck> = procedure
        .required_documents
        .iter()
        .enumerate()
        .filter_map(|(index, document)| {
            let index = u32::try_from(index).ok()?;
            Some(PaperCheck {
                index,
                name: document.name.clone(),
                required: document.required,
                files: files
                    .iter()
                    .filter(|f| {
                        f.purpose != Purpose::Result.as_str()
                            && f.requirement_index == Some(i64::from(index))
                    })
                    .map(|f| file_link(base, id, f))
                    .collect(),
            })
        })
        .collect();
    let listed_paper = |f: &DossierAttachmentRow| {
        f.requirement_index
            .and_then(|i| usize::try_from(i).ok())
            .is_some_and(|i| i < papers.len())
    };
    let other_files = files
        .iter()
        .filter(|f| f.purpose != Purpose::Result.as_str() && !listed_paper(f))
        .map(|f| file_link(base, id, f))
        .collect();
    let results = files
        .iter()
        .filter(|f| f.purpose == Purpose::Result.as_str())
        .map(|f| file_link(base, id, f))
        .collect();
    let supplement_inputs = missing
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let field = format!("supplement.{k}");
            SupplementInput {
                id: format!("f-supplement-{k}"),
                name: name.clone(),
                error: field_errors.get(&field).cloned().unwrap_or_default(),
                field,
            }
        })
        .collect();
    let mut page = Page::new(ctx, "dossier-detail-title").with_flash(flash);
    if let Some(code) = &row.code {
        page.title = format!("{} {code}", page.title);
    }
    let template = DetailPage {
        page,
        procedure_name: procedure.name.clone(),
        agency_name,
        desk_name,
        status: status_text(&row),
        due: row.due.map(local_time).unwrap_or_default(),
        step_name: row
            .step
            .filter(|_| {
                row.status.is_some_and(|s| {
                    matches!(
                        s,
                        DossierStatus::Received
                            | DossierStatus::InProcessing
                            | DossierStatus::SupplementRequested
                            | DossierStatus::FinancialObligation
                    )
                })
            })
            .and_then(|s| workflow.steps.get(s))
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        answers: answers(&procedure.form_schema, &values),
        timeline,
        parcels,
        actions,
        action_url: if staff {
            format!("/staff/dossiers/{id}/actions")
        } else {
            format!("/my/dossiers/{id}/actions")
        },
        staff,
        receipt,
        later_steps: step_choices(current + 1..workflow.steps.len()),
        earlier_steps: step_choices(0..current),
        agencies,
        assignees,
        error: general,
        missing,
        supplement_due,
        papers,
        other_files,
        results,
        supplement_inputs,
        supplement_other_error: field_errors
            .get("supplement.other")
            .cloned()
            .unwrap_or_default(),
        supplement_url: format!("/my/dossiers/{id}/supplement?_csrf={}", ctx.csrf),
        result_url: format!("/staff/dossiers/{id}/result?_csrf={}", ctx.csrf),
        result_upload,
        result_error: field_errors.get("result").cloned().unwrap_or_default(),
        accept: ACCEPT,
        national_sync,
        row,
    };
    Ok(match error {
        Some(error) => render_status(status_of(error), &template),
        None => render(&template),
    })
}

/// The day to supplement by (Hạn bổ sung, dd/mm/yyyy) of the latest supplement request, if it
/// gave one.
pub(super) fn requested_due(events: &[EventView]) -> Option<String> {
    events
        .iter()
        .rfind(|e| e.kind == CommandKind::RequestSupplement)
        .and_then(|e| e.data.get("due_by"))
        .and_then(|d| motcua_app::forms::parse_day(d))
        .map(i18n::format_date)
}

/// The papers asked for by the latest supplement request.
pub(super) fn requested_papers(events: &[EventView]) -> Vec<String> {
    events
        .iter()
        .rfind(|e| e.kind == CommandKind::RequestSupplement)
        .map(|e| {
            e.data
                .iter()
                .filter(|(k, _)| k.starts_with("missing."))
                .map(|(_, v)| v.clone())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn flash_of(ctx: &Ctx, query: &HashMap<String, String>) -> Option<String> {
    query
        .get("done")
        .filter(|d| d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(|d| i18n::t(ctx.lang, &format!("dossier-done-{d}")))
}

/// Reads an action form into a command of the state machine. Times typed as dd/mm/yyyy keep
/// the time of day of the current appointment.
pub(super) fn command_from(
    fields: &FormFields,
    row: &DossierView,
    paper_names: &[String],
) -> Result<Option<Command>, AppError> {
    let lines = |name: &str| -> Vec<String> {
        fields
            .get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let step = |name: &str| -> Result<usize, AppError> {
        fields
            .get(name)
            .trim()
            .parse()
            .map_err(|_| AppError::invalid(name, "error-choice"))
    };
    let command = match fields.get("command").as_str() {
        "receive" => return Ok(None),
        "request_supplement" => {
            // The papers ticked in the checklist, then anything typed in.
            let mut missing: Vec<String> = paper_names
                .iter()
                .enumerate()
                .filter(|(index, _)| fields.0.contains_key(&format!("missing_paper.{index}")))
                .map(|(_, name)| name.clone())
                .collect();
            for line in lines("missing") {
                if !missing.contains(&line) {
                    missing.push(line);
                }
            }
            Command::RequestSupplement {
                missing,
                reason: fields.get("reason"),
                due_by: crate::api::dossiers::supplement_due_of(Some(&fields.get("due_by")))?,
            }
        }
        "refuse" => Command::Refuse {
            reasons: lines("reasons"),
        },
        "forward" => Command::Forward {
            to_step: step("to_step")?,
            assignee: match fields.get("assignee").trim() {
                "" => None,
                id => Some(
                    id.parse()
                        .map_err(|_| AppError::invalid("assignee", "error-assignee"))?,
                ),
            },
        },
        "return" => Command::Return {
            to_step: step("to_step")?,
            reason: fields.get("reason"),
            assignee: None,
        },
        "consult" => Command::Consult {
            unit: fields.get("unit"),
            question: fields.get("question"),
        },
        "transfer" => Command::Transfer {
            to_agency: AgencyCode::parse(fields.get("to_agency").trim())
                .map_err(|_| AppError::invalid("to_agency", "error-agency-code"))?,
            reason: fields.get("reason"),
        },
        "require_financial_obligation" => Command::RequireFinancialObligation {
            description: fields.get("description"),
            amount_vnd: {
                // "1.234.567", "1 234 567 đ" or "1234567": the digits are the amount.
                let typed = fields.get("amount_vnd");
                let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
                if typed.trim().is_empty() {
                    None
                } else {
                    Some(
                        digits
                            .parse::<i64>()
                            .map_err(|_| AppError::invalid("amount_vnd", "error-payment-amount"))?,
                    )
                }
            },
        },
        "approve" => Command::Approve,
        "sign" => Command::Sign,
        "resolve" => Command::Resolve,
        "return_result" => Command::ReturnResult {
            method: match fields.get("method").as_str() {
                "post" => ReturnMethod::Post,
                "online" => ReturnMethod::Online,
                _ => ReturnMethod::Counter,
            },
        },
        "withdraw" => Command::Withdraw {
            reason: fields.get("reason"),
        },
        "stop" => Command::Stop {
            reason: fields.get("reason"),
        },
        "supplement_provided" => Command::SupplementProvided { new_due: None },
        "extend" => {
            let date = motcua_domain::procedure::parse_form_date(fields.get("new_due").trim())
                .ok_or_else(|| AppError::invalid("new_due", "error-date"))?;
            let current = row
                .due
                .map(|d| d.to_offset(motcua_domain::calendar::VIETNAM_OFFSET))
                .ok_or(AppError::Conflict("error-dossier-state"))?;
            Command::Extend {
                new_due: current.replace_date(date),
                reason: fields.get("reason"),
            }
        }
        _ => return Err(AppError::invalid("command", "error-choice")),
    };
    Ok(Some(command))
}

pub(super) async fn act(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    fields: &FormFields,
    staff: bool,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let row = state.app.dossier_for(&actor, id).await.ctx(ctx)?;
    let paper_names: Vec<String> = state
        .app
        .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
        .await
        .map(|p| {
            p.procedure
                .required_documents
                .into_iter()
                .map(|d| d.name)
                .collect()
        })
        .unwrap_or_default();
    let result = match command_from(fields, &row, &paper_names) {
        Ok(None) => state.app.receive_dossier(&actor, id).await,
        Ok(Some(command)) => state.app.act_on_dossier(&actor, id, command).await,
        Err(error) => Err(error),
    };
    let base = if staff {
        "/staff/dossiers"
    } else {
        "/my/dossiers"
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "{base}/{id}?done={}",
            fields.get("command").trim()
        ))
        .into_response()),
        Err(error) => detail_page(state, ctx, id, staff, Some(&error), None).await,
    }
}
