//! Đồng bộ hồ sơ lên Cổng DVCQG (issue 19): every dossier and each step of its processing
//! reach the national public-service portal, through the outbox.
//!
//! Every event of a dossier that has a code writes a `sync-national` outbox row in its own
//! transaction (`effects`). Delivering one row sends what the portal lacks of that dossier:
//! the steps after the last one it acknowledged (`national_sync.acked_seq`), one by one in
//! order — the dossier itself the first time (`add`), an `update` whenever the step changes
//! its status or appointment, and the step's process-history line — raising `acked_seq` after
//! each. So the row of a later change that arrives first sends the earlier steps before its
//! own (the portal refuses status changes out of order), the rows of steps already sent find
//! nothing to do, and a step is sent again only when its acknowledgement was lost (then the
//! portal's "already exists" to an add is read as the acknowledgement). A failure is recorded
//! for the administrator and handed to the outbox, which retries with backoff (a refusal is
//! permanent: a dead letter to resend after the cause is fixed).

use crate::forms::Sources;
use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::{Access, Permission};
use motcua_domain::dossier::{Actor as DossierActor, CommandKind, DossierStatus, Event};
use motcua_domain::procedure::Channel;
use motcua_national::format::{applicant_kind, channel, id_kind};
use motcua_national::{
    DinhDanhChs, GiayToKetQua, HoSo, LePhi, NationalPortal, PortalError, QuaTrinhXuLy, TaiLieuNop,
    format_portal_time,
};
use motcua_store::national_sync::{SyncComparison, SyncCounts, SyncSelection};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// The longest `TrichYeuHoSo` the portal takes.
const SUMMARY_MAX_CHARS: usize = 1000;

static STEP_TEXTS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    crate::notifications::parse_catalogue(include_str!("../locales/national.vi.ftl"))
});

fn step_text(key: &str) -> String {
    STEP_TEXTS
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// `yyyyMMddHHmmss` (Vietnam time) of a moment.
fn portal_time(at: time::OffsetDateTime) -> Option<String> {
    let micros = i64::try_from(at.unix_timestamp_nanos() / 1000).ok()?;
    format_portal_time(micros).ok()
}

/// The steps the portal is told of: every event from submission or registration on (a draft's
/// events have no status and stay private).
pub(crate) fn steps(events: &[Event]) -> impl Iterator<Item = &Event> {
    events.iter().filter(|e| e.to_status.is_some())
}

/// What the step says it did (`NoiDungXuLy`), with its reason when it has one.
pub(crate) fn step_action(event: &Event) -> String {
    let key = if event.kind == CommandKind::Receive && event.from_status.is_none() {
        "step-register".to_owned()
    } else {
        format!("step-{}", event.kind.as_str())
    };
    let text = step_text(&key);
    if event.reason.trim().is_empty() {
        text
    } else {
        format!(
            "{text}. {}: {}",
            step_text("step-reason"),
            event.reason.trim()
        )
    }
}

/// Whether the portal's record of the dossier changes with this step (its status or its
/// appointment), so an `update` goes before the step's history line.
fn changes_the_record(event: &Event) -> bool {
    event.from_status != event.to_status || event.kind == CommandKind::Extend
}

/// The portal's `HoSo` as it stands after `step`: the dossier's data as held now, its status,
/// appointment and dates as they were at that step.
pub(crate) fn dossier_record(
    sources: &Sources,
    files: &[motcua_store::attachments::DossierAttachmentRow],
    public_url: &str,
    step: &Event,
) -> HoSo {
    let row = &sources.row;
    // The papers and results attached up to this step. The portal downloads them from the
    // staff file address (its access to it is the installation's agreement with the portal,
    // `[assumed]`: vn-legal §12 gives the fields, not how the portal authenticates).
    let at_step = motcua_store::micros(step.at);
    let link = |f: &motcua_store::attachments::DossierAttachmentRow| {
        format!(
            "{}/staff/dossiers/{}/files/{}",
            public_url.trim_end_matches('/'),
            f.dossier_id,
            f.attachment_id
        )
    };
    let component = |f: &motcua_store::attachments::DossierAttachmentRow| {
        f.requirement_index
            .map(|i| format!("{}.{}", row.procedure_code, i + 1))
            .unwrap_or_default()
    };
    let submitted_papers: Vec<TaiLieuNop> = files
        .iter()
        .filter(|f| f.purpose != "result" && f.added_at <= at_step)
        .map(|f| TaiLieuNop {
            file_id: Some(f.attachment_id.to_string()),
            file_name: f.file_name.clone(),
            deleted: None,
            component_code: component(f),
            download_url: link(f),
            // Uploaded or scanned at the desk: an electronic copy of the paper.
            digitised: "1".to_owned(),
            reused: "0".to_owned(),
            from_national_store: "0".to_owned(),
            replaced_result_code: None,
        })
        .collect();
    // A sealed result replaces the unsigned file it was made from: only the latest is sent.
    let replaced: Vec<i64> = files.iter().filter_map(|f| f.signed_from).collect();
    let result_papers: Vec<GiayToKetQua> = files
        .iter()
        .filter(|f| {
            f.purpose == "result" && f.added_at <= at_step && !replaced.contains(&f.link_id)
        })
        .map(|f| GiayToKetQua {
            name: sources.procedure.result.clone(),
            component_code: None,
            paper_id: Some(f.attachment_id.to_string()),
            download_url: link(f),
            result_code: format!("{}.KQ", row.procedure_code),
        })
        .collect();
    let code = row.code.clone().unwrap_or_default();
    let upto: Vec<&Event> = sources
        .events
        .iter()
        .filter(|e| e.seq <= step.seq)
        .collect();
    let first_into = |status: DossierStatus| {
        upto.iter()
            .find(|e| e.to_status == Some(status) && e.from_status != Some(status))
            .map(|e| e.at)
    };
    let submitted = upto.iter().find(|e| e.to_status.is_some()).map(|e| e.at);
    let due = due_at_step(sources, step);
    let status = step
        .to_status
        .map(DossierStatus::national_code)
        .unwrap_or(1);
    let dossier_channel = Channel::parse(&row.channel).unwrap_or(Channel::Counter);
    let channel_code = match dossier_channel {
        Channel::Online => channel::ONLINE,
        Channel::Postal => channel::POST,
        Channel::Counter => channel::COUNTER,
    };
    let summary: String = format!("{} — {}", sources.procedure.name, row.applicant_name)
        .chars()
        .take(SUMMARY_MAX_CHARS)
        .collect();
    HoSo {
        dossier_code: code,
        procedure_code: row.procedure_code.clone(),
        procedure_name: sources.procedure.name.clone(),
        sector_code: Some(sources.procedure.sector.code.clone()),
        sector_name: Some(sources.procedure.sector.name.clone()),
        channel: Some(channel_code.to_owned()),
        applicant_id_number: row.applicant_personal_id.clone(),
        applicant_name: row.applicant_name.clone(),
        applicant_kind: Some(applicant_kind::CITIZEN.to_owned()),
        email: sources.citizen.as_ref().and_then(|c| c.email.clone()),
        phone: row
            .contact_phone
            .clone()
            .or_else(|| sources.citizen.as_ref().and_then(|c| c.phone.clone())),
        summary: Some(summary),
        received_at: first_into(DossierStatus::Received).and_then(portal_time),
        due_at: due.and_then(portal_time),
        status: status.to_string(),
        returned_at: first_into(DossierStatus::Returned).and_then(portal_time),
        return_method: None,
        processing_ended_at: first_into(DossierStatus::Resolved).and_then(portal_time),
        processing_agency: Some(sources.agency.name.clone()),
        refused_at: first_into(DossierStatus::NotReceived).and_then(portal_time),
        submitted_at: submitted.and_then(portal_time),
        applicant_ids: row
            .applicant_personal_id
            .iter()
            .map(|id| DinhDanhChs {
                kind: id_kind::PERSONAL_ID.to_owned(),
                number: id.clone(),
            })
            .collect(),
        // The procedure's unconditional fees of the dossier's channel, as the receipt names them.
        fees: sources
            .procedure
            .fees
            .iter()
            .enumerate()
            .filter(|(_, fee)| {
                !fee.conditional
                    && fee.amount_vnd > 0
                    && fee.channel.is_none_or(|only| only == dossier_channel)
            })
            .map(|(index, fee)| LePhi {
                name: fee.name.clone(),
                code: format!("fee-{index}"),
                amount_vnd: fee.amount_vnd.to_string(),
                ..LePhi::default()
            })
            .collect(),
        submitted_papers,
        results: result_papers,
        ..HoSo::default()
    }
}

/// The appointment in force at a step: the latest due date written up to it, else the one held.
fn due_at_step(sources: &Sources, step: &Event) -> Option<time::OffsetDateTime> {
    // Submitted online and not yet received: no appointment has been given.
    if step.to_status == Some(DossierStatus::Submitted) {
        return None;
    }
    sources
        .events
        .iter()
        .filter(|e| e.seq <= step.seq)
        .rev()
        .find_map(|e| e.data.get("due"))
        .and_then(|due| {
            time::OffsetDateTime::parse(due, &time::format_description::well_known::Rfc3339).ok()
        })
        .or_else(|| {
            sources
                .state
                .appointment
                .as_ref()
                .map(motcua_domain::calendar::Appointment::due)
        })
}

/// The step's process-history line (`QuaTrinhXuLy`).
pub(crate) fn history_line(
    sources: &Sources,
    step: &Event,
    previous: Option<&Event>,
) -> QuaTrinhXuLy {
    let (official, title, department) = match &step.actor {
        DossierActor::Official { official_id, .. } => match sources.officials.get(official_id) {
            Some(o) => (
                o.full_name.clone(),
                o.position_name.clone(),
                Some(o.unit_name.clone()),
            ),
            None => (format!("#{official_id}"), None, None),
        },
        DossierActor::Citizen { .. } => (sources.row.applicant_name.clone(), None, None),
        DossierActor::System => (step_text("system"), None, None),
    };
    let official: String = official.chars().take(50).collect();
    QuaTrinhXuLy {
        dossier_code: sources.row.code.clone().unwrap_or_default(),
        official,
        title,
        done_at: portal_time(step.at).unwrap_or_default(),
        department,
        action: Some(step_action(step)),
        status: step
            .to_status
            .map(DossierStatus::national_code)
            .unwrap_or(1)
            .to_string(),
        started_at: previous.and_then(|p| portal_time(p.at)),
        // The step has no due time of its own: the dossier's appointment in force then.
        due_at: due_at_step(sources, step).and_then(portal_time),
    }
}

/// The national portal the dossiers are synced to.
#[derive(Clone)]
pub struct NationalSync {
    pub portal: Arc<dyn NationalPortal>,
}

/// What `/admin/national-sync` shows.
#[derive(Debug, Clone, Serialize)]
pub struct NationalSyncOverview {
    /// Whether this installation syncs at all (a portal is configured).
    pub configured: bool,
    pub counts: SyncCounts,
    /// Dossiers whose last attempt failed, with the reason.
    pub failing: Vec<SyncComparison>,
    /// Dossiers the portal lacks a step of.
    pub behind: Vec<SyncComparison>,
}

/// How long a worker may hold a dossier's sending lease: three calls at the adapter's
/// longest timeout, so a live worker keeps it and a dead one frees it soon.
const SENDING_LEASE_MICROS: i64 = 120_000_000;

/// How many dossiers one page of the overview lists.
pub const SYNC_LIST_SHOWN: i64 = 100;

/// How many dossiers one "send everything behind again" queues (a city's backlog goes in
/// several presses, each a bounded transaction).
pub const RESEND_BATCH: i64 = 1000;

impl App {
    /// Syncs dossiers to `portal` (without it, the rows wait in the outbox).
    pub fn with_national_portal(mut self, portal: Arc<dyn NationalPortal>) -> Self {
        self.national = Some(NationalSync { portal });
        self
    }

    /// Delivers one `sync-national` row: sends the portal the steps of the dossier it lacks.
    pub(crate) async fn deliver_national_sync(&self, payload: &str) -> anyhow::Result<()> {
        let Some(national) = &self.national else {
            anyhow::bail!("no national portal configured");
        };
        let payload: serde_json::Value = serde_json::from_str(payload)?;
        let dossier_id = payload
            .get("dossier_id")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| anyhow::anyhow!("sync row without a dossier"))?;
        let row = self.store.get_dossier(dossier_id).await?;
        let Some(code) = row.code.clone() else {
            return Ok(());
        };
        let acked = self
            .store
            .national_sync_state(dossier_id)
            .await?
            .map_or(0, |s| s.acked_seq);
        if acked >= row.last_seq {
            return Ok(());
        }
        let scope = row.agency_path.clone();
        let now = self.now_micros();
        if !self
            .store
            .lease_national_sync(dossier_id, &code, &scope, now, now + SENDING_LEASE_MICROS)
            .await?
        {
            // Another worker sends this dossier now; this row's step may have been read
            // after it started, so it is tried again later (it then finds nothing, or that).
            anyhow::bail!("another worker is sending this dossier");
        }
        // Read again under the lease: a worker that held it before may have sent more.
        let outcome = match self.store.national_sync_state(dossier_id).await {
            Ok(state) => {
                let acked = state.map_or(0, |s| s.acked_seq).max(acked);
                self.send_missing_steps(national, row, acked).await
            }
            Err(error) => Err(error.into()),
        };
        self.store.release_national_sync(dossier_id).await?;
        outcome
    }

    /// Sends the steps after `acked`, in order, recording each acknowledgement; stops at the
    /// first failure, recorded and returned.
    async fn send_missing_steps(
        &self,
        national: &NationalSync,
        row: motcua_store::dossiers::DossierRow,
        acked: i64,
    ) -> anyhow::Result<()> {
        let dossier_id = row.id;
        let code = row.code.clone().unwrap_or_default();
        let scope = row.agency_path.clone();
        let sources = self
            .form_sources(row)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let files = self.store.dossier_attachments(dossier_id).await?;
        let all: Vec<&Event> = steps(&sources.events).collect();
        let mut known = acked > 0;
        for (index, step) in all.iter().enumerate() {
            let seq = i64::try_from(step.seq).unwrap_or(i64::MAX);
            if seq <= acked {
                continue;
            }
            let previous = index.checked_sub(1).map(|i| all[i]);
            match self
                .send_step(
                    national.portal.as_ref(),
                    &sources,
                    &files,
                    step,
                    previous,
                    known,
                )
                .await
            {
                Ok(requests) => {
                    known = true;
                    self.store
                        .record_national_ack(
                            dossier_id,
                            &code,
                            &scope,
                            seq,
                            step.to_status.map(|s| i64::from(s.national_code())),
                            requests,
                            self.now_micros(),
                        )
                        .await?;
                }
                Err(error) => {
                    self.store
                        .record_national_failure(
                            dossier_id,
                            &code,
                            &scope,
                            &error.to_string(),
                            self.now_micros(),
                        )
                        .await?;
                    return Err(error.into());
                }
            }
        }
        Ok(())
    }

    /// Sends one step; returns how many requests the portal answered.
    async fn send_step(
        &self,
        portal: &dyn NationalPortal,
        sources: &Sources,
        files: &[motcua_store::attachments::DossierAttachmentRow],
        step: &Event,
        previous: Option<&Event>,
        known: bool,
    ) -> Result<i64, PortalError> {
        let mut requests = 0;
        let record = dossier_record(sources, files, &self.settings.public_url, step);
        if !known {
            match portal.add_dossiers(std::slice::from_ref(&record)).await {
                Ok(()) => {}
                // Added before, and the acknowledgement was lost: bring it up to date.
                Err(error) if error.is_duplicate() => {
                    portal
                        .update_dossiers(std::slice::from_ref(&record))
                        .await?;
                    requests += 1;
                }
                Err(error) => return Err(error),
            }
            requests += 1;
        } else if changes_the_record(step) {
            portal
                .update_dossiers(std::slice::from_ref(&record))
                .await?;
            requests += 1;
        }
        let line = history_line(sources, step, previous);
        portal.add_history(std::slice::from_ref(&line)).await?;
        Ok(requests + 1)
    }

    /// The dossiers under the actor's jurisdiction beside what the portal acknowledged.
    pub async fn national_sync_overview(&self, actor: &Actor) -> AppResult<NationalSyncOverview> {
        actor.require(Access::Staff(Permission::AuditView))?;
        let paths = jurisdiction(actor, Permission::AuditView);
        let paths = paths.as_deref();
        Ok(NationalSyncOverview {
            configured: self.national.is_some(),
            counts: self.store.national_sync_counts(paths).await?,
            failing: self
                .store
                .national_sync_comparison(paths, SyncSelection::Failing, 0, SYNC_LIST_SHOWN)
                .await?,
            behind: self
                .store
                .national_sync_comparison(paths, SyncSelection::Behind, 0, SYNC_LIST_SHOWN)
                .await?,
        })
    }

    /// Every dossier the portal lacks a step of, for the reconciliation export (CSV).
    pub async fn national_sync_reconciliation_csv(&self, actor: &Actor) -> AppResult<String> {
        actor.require(Access::Staff(Permission::AuditView))?;
        let paths = jurisdiction(actor, Permission::AuditView);
        let mut out = csv::Writer::from_writer(Vec::new());
        let header = [
            "ma_ho_so",
            "don_vi",
            "trang_thai",
            "buoc_cuoi",
            "cong_da_nhan_buoc",
            "cong_da_nhan_trang_thai",
            "loi",
        ];
        out.write_record(header).map_err(anyhow::Error::new)?;
        let mut after = 0;
        loop {
            let page = self
                .store
                .national_sync_comparison(paths.as_deref(), SyncSelection::Behind, after, 1000)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.dossier_id;
            for c in &page {
                out.write_record([
                    c.dossier_code.as_str(),
                    c.agency_path.as_str(),
                    &c.status_code.map(|s| s.to_string()).unwrap_or_default(),
                    &c.last_seq.to_string(),
                    &c.acked_seq.unwrap_or(0).to_string(),
                    &c.acked_status.map(|s| s.to_string()).unwrap_or_default(),
                    c.last_error.as_deref().unwrap_or(""),
                ])
                .map_err(anyhow::Error::new)?;
            }
        }
        let bytes = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(String::from_utf8(bytes).map_err(anyhow::Error::new)?)
    }

    /// What the national portal acknowledged of one dossier, for the officials who see the
    /// dossier (`None`: never tried).
    pub async fn dossier_national_sync(
        &self,
        actor: &Actor,
        dossier_id: i64,
    ) -> AppResult<Option<motcua_store::national_sync::NationalSyncRow>> {
        actor.require(Access::Staff(Permission::DossierView))?;
        let row = self.dossier_row(actor, dossier_id).await?;
        Ok(self.store.national_sync_state(row.id).await?)
    }

    /// Queues a dossier's sync again now (after the cause of a refusal was fixed), audited;
    /// the actor manages the dossier's unit.
    pub async fn resend_national_sync(&self, actor: &Actor, dossier_id: i64) -> AppResult<()> {
        actor.require(Access::Staff(Permission::OrgManage))?;
        let row = self.store.get_dossier(dossier_id).await?;
        let paths = jurisdiction(actor, Permission::OrgManage);
        if let Some(paths) = &paths
            && !paths
                .iter()
                .any(|p| row.agency_path.starts_with(p.as_str()))
        {
            return Err(AppError::Forbidden);
        }
        if row.code.is_none() {
            return Err(AppError::Conflict("error-sync-no-code"));
        }
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        enqueue_sync(
            &mut tx,
            row.id,
            row.code.as_deref(),
            row.status_code,
            &row.agency_path,
            now,
        )
        .await?;
        tx.append_audit(
            &actor.audit(
                "national_sync.resend",
                Some(format!("dossier:{}", row.id)),
                serde_json::json!({ "code": row.code }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues the sync of up to [`RESEND_BATCH`] dossiers the portal lacks a step of (those
    /// stored before sync was configured, or whose rows were given up); returns how many.
    pub async fn resend_national_sync_behind(&self, actor: &Actor) -> AppResult<usize> {
        actor.require(Access::Staff(Permission::OrgManage))?;
        let paths = jurisdiction(actor, Permission::OrgManage);
        let behind = self
            .store
            .national_sync_comparison(paths.as_deref(), SyncSelection::Behind, 0, RESEND_BATCH)
            .await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        for c in &behind {
            enqueue_sync(
                &mut tx,
                c.dossier_id,
                Some(&c.dossier_code),
                c.status_code,
                &c.agency_path,
                now,
            )
            .await?;
        }
        tx.append_audit(
            &actor.audit(
                "national_sync.resend_behind",
                None,
                serde_json::json!({ "count": behind.len() }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(behind.len())
    }
}

/// Writes one `sync-national` row for a dossier in `tx`.
/// (`status`: the national status after the step, for whoever reads the row; the handler
/// reads the dossier itself).
pub(crate) async fn enqueue_sync(
    tx: &mut motcua_store::StoreTx,
    dossier_id: i64,
    code: Option<&str>,
    status: Option<i64>,
    scope: &str,
    now: i64,
) -> AppResult<()> {
    let payload = serde_json::json!({
        "dossier_id": dossier_id, "dossier_code": code, "status": status, "at": now,
    });
    tx.enqueue_scoped(
        crate::effects::outbox_kind::SYNC_NATIONAL,
        &payload.to_string(),
        now,
        Some(scope),
    )
    .await?;
    Ok(())
}

/// The paths where the actor holds `permission` (`None`: everywhere).
fn jurisdiction(actor: &Actor, permission: Permission) -> Option<Vec<String>> {
    actor
        .principal
        .jurisdictions(permission)
        .map(|paths| paths.iter().map(|p| p.as_str().to_owned()).collect())
}
