//! Attachments (tệp đính kèm): uploading papers, reusing them, attaching them to dossiers and
//! handing them back.
//!
//! An upload is checked by the domain rules (type by magic bytes, size, safe name), its bytes go
//! to the [`BlobStore`](motcua_blobs::BlobStore) under their SHA-256 first, then the metadata and
//! the audit entry commit in one transaction. The blob is written before the row so that a row
//! never points at missing bytes; a crash between the two leaves an unreferenced blob, which is
//! harmless (content-addressed, reused by the next identical upload).
//!
//! Who sees what: the applicant sees the files of their own dossiers, an official those of the
//! dossiers they may view (`DossierView` over the dossier's agency). Everyone else is told "not
//! found", never "forbidden", so the existence of a dossier or a file does not leak.

use crate::{Actor, App, AppError, AppResult, InvalidField};
pub use motcua_blobs::StagedBlob;
use motcua_blobs::{BlobError, Bytes};
use motcua_domain::attachment::{
    AttachError, Attacher, CheckedUpload, MediaType, Purpose, UploadError, check_upload_head,
    may_attach,
};
use motcua_domain::authz::{Permission, Principal, Role};
use motcua_domain::dossier::{Command, CommandKind, DossierStatus};
use motcua_domain::org::OrgPath;
use motcua_domain::procedure::Procedure;
use motcua_store::StoreTx;
use motcua_store::attachments::{
    AttachmentRow, DossierAttachmentRow, NewAttachment, NewDossierAttachment, Owner,
};
use motcua_store::dossiers::DossierRow;
use serde_json::json;

/// How many of their own uploads a person is offered for reuse.
const MY_ATTACHMENTS_LIMIT: i64 = 200;

/// The form field under which a page sends the file for required paper `index`, and under which
/// problems with that paper are reported (next to its input).
pub fn paper_field(index: u32) -> String {
    format!("paper.{index}")
}

/// A file sent together with a page's form (the forms work without JavaScript, so files come
/// with the rest of the form), not yet checked or stored.
#[derive(Debug, Clone)]
pub struct PaperUpload {
    /// The form field it came in: its problems are reported under this name.
    pub field: String,
    /// Index of the required paper (thành phần hồ sơ) in the procedure's list, if it is one.
    pub requirement: Option<u32>,
    /// The name the browser gave (untrusted; made safe by the domain).
    pub file_name: String,
    /// The type the browser declared (untrusted; checked against the bytes).
    pub declared_type: Option<String>,
    /// The content, staged in a temporary file by the web layer (never whole in memory).
    pub content: StagedBlob,
    /// The file was larger than the limit and the web layer stopped keeping its bytes, so the
    /// form can still be shown again with the problem next to the input.
    pub oversize: bool,
}

/// Papers uploaded with an online submission or a counter registration.
#[derive(Debug, Clone, Default)]
pub struct Papers {
    pub uploads: Vec<PaperUpload>,
    /// Every paper the procedure marks required must come, uploaded now or reused (the online
    /// form); at the counter the officer has the paper originals in hand, so scans are optional.
    pub require_all: bool,
}

/// A paper that passed the domain checks, its bytes not stored yet.
pub(crate) struct CheckedPaper {
    requirement: Option<(i64, String)>,
    /// The form field it came in, where a quota refusal is reported.
    field: String,
    checked: CheckedUpload,
    content: StagedBlob,
}

/// Adds paper problems to the result of validating the rest of a form, so a form shows every
/// problem at once.
pub(crate) fn with_paper_problems<T>(
    validated: AppResult<T>,
    problems: Vec<InvalidField>,
) -> AppResult<T> {
    if problems.is_empty() {
        return validated;
    }
    match validated {
        Ok(_) => Err(AppError::Invalid(problems)),
        Err(AppError::Invalid(mut fields)) => {
            fields.extend(problems);
            Err(AppError::Invalid(fields))
        }
        Err(other) => Err(other),
    }
}

/// The uploads' owner column for this actor.
fn owner_of(actor: &Actor) -> AppResult<Owner> {
    match actor.principal {
        Principal::Citizen { citizen_id } => Ok(Owner::Citizen(citizen_id)),
        Principal::Official { official_id, .. } => Ok(Owner::Official(official_id)),
        Principal::Anonymous => Err(AppError::Unauthenticated),
        // Files always belong to a person; the command line and other systems have none.
        Principal::System | Principal::Client { .. } => Err(AppError::Forbidden),
    }
}

fn blob_failure(error: BlobError) -> AppError {
    AppError::Internal(anyhow::Error::new(error).context("attachment storage"))
}

fn bad_requirement() -> AppError {
    AppError::invalid("requirement", "error-attachment-requirement")
}

/// Whether the result files of a dossier are hidden from this caller: the applicant sees the
/// result only once it is issued (resolved, 9) or handed over (returned, 10); before that a
/// result file may still be a draft of the processing officials.
fn result_hidden(actor: &Actor, row: &DossierRow) -> AppResult<bool> {
    if !matches!(actor.principal, Principal::Citizen { .. }) {
        return Ok(false);
    }
    let status = row.dossier()?.status;
    Ok(!matches!(
        status,
        Some(DossierStatus::Resolved | DossierStatus::Returned)
    ))
}

/// The required paper `index` of a procedure, by index and name.
fn requirement_of(procedure: &Procedure, index: u32) -> AppResult<(i64, String)> {
    let document = usize::try_from(index)
        .ok()
        .and_then(|i| procedure.required_documents.get(i))
        .ok_or_else(bad_requirement)?;
    Ok((i64::from(index), document.name.clone()))
}

impl App {
    /// Checks papers sent with a form: each a PDF/JPEG/PNG within the size limit for a paper of
    /// the procedure; with `required` (the indexes already provided otherwise, e.g. reused
    /// uploads) every paper marked required must be among them or the uploads. Nothing is stored.
    pub(crate) fn check_papers(
        &self,
        procedure: &Procedure,
        uploads: &[PaperUpload],
        required: Option<&[u32]>,
    ) -> (Vec<CheckedPaper>, Vec<InvalidField>) {
        let mut checked = Vec::new();
        let mut problems = Vec::new();
        for upload in uploads {
            let requirement = match upload.requirement {
                Some(index) => match requirement_of(procedure, index) {
                    Ok(requirement) => Some(requirement),
                    Err(_) => {
                        problems.push(InvalidField::new(
                            &upload.field,
                            "error-attachment-requirement",
                        ));
                        continue;
                    }
                },
                None => None,
            };
            let result = if upload.oversize {
                Err(UploadError::TooLarge {
                    max: self.settings.max_attachment_bytes,
                })
            } else {
                check_upload_head(
                    &upload.file_name,
                    upload.declared_type.as_deref(),
                    upload.content.head(),
                    upload.content.size(),
                    self.settings.max_attachment_bytes,
                )
            };
            match result {
                Ok(ok) => checked.push(CheckedPaper {
                    requirement,
                    field: upload.field.clone(),
                    checked: ok,
                    content: upload.content.clone(),
                }),
                Err(error) => problems.push(InvalidField::new(&upload.field, error.code())),
            }
        }
        if let Some(provided) = required {
            let sent: Vec<u32> = uploads.iter().filter_map(|u| u.requirement).collect();
            for (index, document) in procedure.required_documents.iter().enumerate() {
                let Ok(index) = u32::try_from(index) else {
                    break;
                };
                let field = paper_field(index);
                if document.required
                    && !provided.contains(&index)
                    && !sent.contains(&index)
                    && !problems.iter().any(|p| p.field == field)
                {
                    problems.push(InvalidField::new(&field, "error-paper-required"));
                }
            }
        }
        (checked, problems)
    }

    /// Writes the bytes of checked papers before the transaction that records them (a crash in
    /// between leaves only an unreferenced, content-addressed blob). Papers past a citizen's
    /// quota are refused here already, so a refusal stores nothing.
    pub(crate) async fn store_paper_blobs(
        &self,
        actor: &Actor,
        papers: &[CheckedPaper],
    ) -> AppResult<()> {
        if let Ok(owner @ Owner::Citizen(_)) = owner_of(actor)
            && !papers.is_empty()
        {
            let sizes: Vec<(&str, u64)> = papers
                .iter()
                .map(|p| (p.field.as_str(), p.checked.size))
                .collect();
            self.quota_problem(self.store.uploaded_bytes(owner).await?, &sizes)?;
        }
        for paper in papers {
            self.blobs
                .put_staged(&paper.content)
                .await
                .map_err(blob_failure)?;
        }
        Ok(())
    }

    /// Records checked papers as the actor's uploads and attaches them to a dossier, inside the
    /// caller's transaction (so they commit with the dossier change they belong to).
    pub(crate) async fn add_papers_in(
        &self,
        tx: &mut StoreTx,
        actor: &Actor,
        dossier_id: i64,
        papers: &[CheckedPaper],
        purpose: Purpose,
        now: i64,
    ) -> AppResult<Vec<i64>> {
        let owner = owner_of(actor)?;
        let sizes: Vec<(&str, u64)> = papers
            .iter()
            .map(|p| (p.field.as_str(), p.checked.size))
            .collect();
        self.check_quota_in(tx, owner, &sizes).await?;
        let mut links = Vec::with_capacity(papers.len());
        for paper in papers {
            let size =
                i64::try_from(paper.checked.size).map_err(|e| AppError::Internal(e.into()))?;
            let media_type = paper.checked.media_type.as_str();
            let sha256 = paper.content.sha256();
            tx.insert_blob(sha256, size, media_type, now).await?;
            let row = tx
                .insert_attachment(
                    &NewAttachment {
                        sha256: sha256.to_owned(),
                        owner,
                        file_name: paper.checked.file_name.clone(),
                        media_type: media_type.to_owned(),
                        size,
                    },
                    now,
                )
                .await?;
            tx.append_audit(
                &actor.audit(
                    "attachment.upload",
                    Some(format!("attachment:{}", row.id)),
                    json!({ "sha256": sha256, "size": size, "media_type": media_type }),
                ),
                now,
            )
            .await?;
            let (requirement_index, requirement_name) = match &paper.requirement {
                Some((index, name)) => (Some(*index), Some(name.clone())),
                None => (None, None),
            };
            let link = NewDossierAttachment {
                dossier_id,
                attachment_id: row.id,
                purpose: purpose.as_str().to_owned(),
                requirement_index,
                requirement_name,
                added_by_kind: actor.kind().to_owned(),
                added_by_id: actor.id().unwrap_or_default(),
            };
            links.push(self.link_in(tx, actor, &link, now).await?);
        }
        Ok(links)
    }

    /// The applicant provides the papers asked for (purpose supplement) and reports the
    /// supplement done (đã bổ sung). Every file is checked before anything is stored; the files
    /// commit before the status changes, so a refused status change leaves them attached as
    /// supplements, which the desk sees.
    pub async fn provide_supplement(
        &self,
        actor: &Actor,
        dossier_id: i64,
        uploads: &[PaperUpload],
    ) -> AppResult<crate::views::DossierView> {
        if !matches!(actor.principal, Principal::Citizen { .. }) {
            return Err(AppError::Forbidden);
        }
        let row = self.dossier_row(actor, dossier_id).await?;
        let actions = self.actions_on_row(actor, &row).await?;
        if !actions.contains(&CommandKind::SupplementProvided) {
            return Err(AppError::Conflict("error-dossier-state"));
        }
        if !uploads.is_empty() {
            let state = row.dossier()?;
            may_attach(Attacher::Citizen, Purpose::Supplement, state.status).map_err(|error| {
                match error {
                    AttachError::NotAllowed => AppError::Forbidden,
                    AttachError::WrongStatus => AppError::Conflict("error-attachment-status"),
                }
            })?;
            let procedure = self
                .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
                .await?;
            let (checked, problems) = self.check_papers(&procedure.procedure, uploads, None);
            if !problems.is_empty() {
                return Err(AppError::Invalid(problems));
            }
            self.store_paper_blobs(actor, &checked).await?;
            let now = self.now_micros();
            let mut tx = self.store.begin().await?;
            self.add_papers_in(
                &mut tx,
                actor,
                dossier_id,
                &checked,
                Purpose::Supplement,
                now,
            )
            .await?;
            tx.commit().await?;
        }
        self.act_on_dossier(
            actor,
            dossier_id,
            Command::SupplementProvided { new_due: None },
        )
        .await
    }

    /// The official who may sign or resolve the dossier now (the current step's role at the
    /// processing agency, as [`App::available_actions`] says) uploads the result document (kết
    /// quả); where results are sealed, before the "sign" step (see `dossiers::seal`).
    pub async fn upload_result(
        &self,
        actor: &Actor,
        dossier_id: i64,
        upload: &PaperUpload,
    ) -> AppResult<DossierAttachmentRow> {
        if !matches!(actor.principal, Principal::Official { .. }) {
            return Err(AppError::Forbidden);
        }
        let row = self.dossier_row(actor, dossier_id).await?;
        if !self.result_upload_open(actor, &row).await? {
            return Err(AppError::Forbidden);
        }
        let attacher = self.official_attacher(actor, &row, Purpose::Result)?;
        may_attach(attacher, Purpose::Result, row.dossier()?.status).map_err(
            |error| match error {
                AttachError::NotAllowed => AppError::Forbidden,
                AttachError::WrongStatus => AppError::Conflict("error-attachment-status"),
            },
        )?;
        let procedure = self
            .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
            .await?;
        let upload = PaperUpload {
            requirement: None,
            ..upload.clone()
        };
        let (checked, problems) =
            self.check_papers(&procedure.procedure, std::slice::from_ref(&upload), None);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        // A PDF the seal could not sign later is refused now, while the official is here to
        // upload a sound one (a result link is never removed).
        if let Some(seal) = self.seal_for(&row.agency_path).await?
            && checked
                .iter()
                .any(|c| c.checked.media_type == MediaType::Pdf)
        {
            let bytes = upload.content.read_all().await.map_err(blob_failure)?;
            if !crate::signatures::signable(&seal, &bytes) {
                return Err(AppError::invalid("result", "error-sign-result-unreadable"));
            }
        }
        self.store_paper_blobs(actor, &checked).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let links = self
            .add_papers_in(&mut tx, actor, dossier_id, &checked, Purpose::Result, now)
            .await?;
        tx.commit().await?;
        self.store
            .dossier_attachments(dossier_id)
            .await?
            .into_iter()
            .find(|l| links.contains(&l.link_id))
            .ok_or(AppError::NotFound)
    }

    /// Stores one uploaded file (bytes in memory) for a citizen or an official: stages it and
    /// goes on as [`App::upload_staged`].
    pub async fn upload_attachment(
        &self,
        actor: &Actor,
        file_name: &str,
        declared_media_type: Option<&str>,
        bytes: Bytes,
    ) -> AppResult<AttachmentRow> {
        let staged = self.stage(&bytes).await?;
        self.upload_staged(actor, "file", file_name, declared_media_type, &staged)
            .await
    }

    /// Stages bytes already in memory where the blob store stages uploads.
    pub async fn stage(&self, bytes: &[u8]) -> AppResult<StagedBlob> {
        StagedBlob::from_bytes(bytes, self.blobs.staging_dir().as_deref())
            .await
            .map_err(blob_failure)
    }

    /// Where the web layer stages uploads while it reads them (see [`StagedBlob`]).
    pub async fn blob_writer(&self) -> AppResult<motcua_blobs::BlobWriter> {
        motcua_blobs::BlobWriter::new(self.blobs.staging_dir().as_deref())
            .await
            .map_err(blob_failure)
    }

    /// Stores one staged upload for a citizen or an official and records it as theirs. The
    /// checks (type, size, the citizen's quota) come first; a refused file is never stored.
    /// `field` names the input, where a problem is reported.
    pub async fn upload_staged(
        &self,
        actor: &Actor,
        field: &str,
        file_name: &str,
        declared_media_type: Option<&str>,
        staged: &StagedBlob,
    ) -> AppResult<AttachmentRow> {
        let owner = owner_of(actor)?;
        let checked = check_upload_head(
            file_name,
            declared_media_type,
            staged.head(),
            staged.size(),
            self.settings.max_attachment_bytes,
        )
        .map_err(|error| AppError::invalid(field, error.code()))?;
        let sha256 = staged.sha256().to_owned();
        let size = i64::try_from(checked.size).map_err(|e| AppError::Internal(e.into()))?;
        // Refused before the bytes are written anywhere (checked again in the transaction,
        // which is what holds under concurrent uploads).
        if let Owner::Citizen(_) = owner {
            let used = self.store.uploaded_bytes(owner).await?;
            self.quota_problem(used, &[(field, checked.size)])?;
        }
        self.blobs.put_staged(staged).await.map_err(blob_failure)?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        self.check_quota_in(&mut tx, owner, &[(field, checked.size)])
            .await?;
        tx.insert_blob(&sha256, size, checked.media_type.as_str(), now)
            .await?;
        let row = tx
            .insert_attachment(
                &NewAttachment {
                    sha256: sha256.clone(),
                    owner,
                    file_name: checked.file_name,
                    media_type: checked.media_type.as_str().to_owned(),
                    size,
                },
                now,
            )
            .await?;
        // The file name can carry personal data ("CCCD Nguyễn Văn A.jpg"): not in the audit.
        tx.append_audit(
            &actor.audit(
                "attachment.upload",
                Some(format!("attachment:{}", row.id)),
                json!({ "sha256": sha256, "size": size, "media_type": row.media_type }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Refuses new files that would take a citizen past [`AppSettings::upload_quota_bytes`]
    /// (officials upload the office's scans and results, which no quota should stop). Inside
    /// the transaction that records them, with the owner locked, so concurrent uploads cannot
    /// both squeeze in.
    ///
    /// [`AppSettings::upload_quota_bytes`]: crate::AppSettings::upload_quota_bytes
    pub(crate) async fn check_quota_in(
        &self,
        tx: &mut StoreTx,
        owner: Owner,
        new: &[(&str, u64)],
    ) -> AppResult<()> {
        if !matches!(owner, Owner::Citizen(_)) || new.is_empty() {
            return Ok(());
        }
        let used = tx.uploaded_bytes_locked(owner).await?;
        self.quota_problem(used, new)
    }

    /// The first new file (by its field) that does not fit in the quota after `used` bytes.
    fn quota_problem(&self, used: i64, new: &[(&str, u64)]) -> AppResult<()> {
        let mut total = u64::try_from(used).unwrap_or(0);
        for (field, size) in new {
            total = total.saturating_add(*size);
            if total > self.settings.upload_quota_bytes {
                return Err(AppError::invalid(field, "error-upload-quota"));
            }
        }
        Ok(())
    }

    /// The caller's own uploads, newest first, to reuse in another dossier.
    pub async fn my_attachments(&self, actor: &Actor) -> AppResult<Vec<AttachmentRow>> {
        let owner = owner_of(actor)?;
        Ok(self
            .store
            .owner_attachments(owner, MY_ATTACHMENTS_LIMIT)
            .await?)
    }

    /// In which capacity an official (or the system) attaches a file of this purpose.
    fn official_attacher(
        &self,
        actor: &Actor,
        row: &DossierRow,
        purpose: Purpose,
    ) -> AppResult<Attacher> {
        let agency = OrgPath::from_stored(row.agency_path.clone());
        let desk = |permission| actor.principal.may_at(permission, &agency);
        let Principal::Official { assignments, .. } = &actor.principal else {
            return Ok(Attacher::Desk);
        };
        match purpose {
            Purpose::Document | Purpose::Supplement if desk(Permission::DossierReceive) => {
                Ok(Attacher::Desk)
            }
            Purpose::Result => {
                let step_role = row.step_role.as_deref().and_then(Role::parse);
                let holds_step_role = step_role.is_some_and(|role| {
                    assignments
                        .iter()
                        .any(|a| a.role == role && a.unit_path.contains(&agency))
                });
                if holds_step_role {
                    Ok(Attacher::StepRole)
                } else if desk(Permission::DossierReturnResult) {
                    Ok(Attacher::Desk)
                } else {
                    Err(AppError::Forbidden)
                }
            }
            _ => Err(AppError::Forbidden),
        }
    }

    /// Attaches one of the caller's uploads to a dossier: the applicant their own papers while
    /// the dossier is a draft, waiting (1) or asked for a supplement (5); the desk scans at the
    /// counter and supplements; the step's role or the desk the result. `requirement` is the
    /// index of the required paper (needed for `document`, optional for `supplement`).
    /// Attaching the same file for the same purpose again changes nothing.
    pub async fn attach_to_dossier(
        &self,
        actor: &Actor,
        dossier_id: i64,
        attachment_id: i64,
        purpose: Purpose,
        requirement: Option<u32>,
    ) -> AppResult<DossierAttachmentRow> {
        let owner = owner_of(actor)?;
        let row = self.dossier_row(actor, dossier_id).await?;
        let attachment = self.store.get_attachment(attachment_id).await?;
        // Only one's own uploads: someone else's file is "not found", like a missing one.
        if attachment.owner() != Some(owner) {
            return Err(AppError::NotFound);
        }
        let attacher = match actor.principal {
            Principal::Citizen { .. } => Attacher::Citizen,
            _ => self.official_attacher(actor, &row, purpose)?,
        };
        let state = row.dossier()?;
        may_attach(attacher, purpose, state.status).map_err(|error| match error {
            AttachError::NotAllowed => AppError::Forbidden,
            AttachError::WrongStatus => AppError::Conflict("error-attachment-status"),
        })?;
        let (requirement_index, requirement_name) = match (purpose, requirement) {
            (Purpose::Document, None) | (Purpose::Result, Some(_)) => {
                return Err(bad_requirement());
            }
            (_, Some(index)) => {
                let procedure = self
                    .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
                    .await?;
                let (index, name) = requirement_of(&procedure.procedure, index)?;
                (Some(index), Some(name))
            }
            (_, None) => (None, None),
        };
        let link = NewDossierAttachment {
            dossier_id,
            attachment_id,
            purpose: purpose.as_str().to_owned(),
            requirement_index,
            requirement_name,
            added_by_kind: actor.kind().to_owned(),
            added_by_id: actor.id().unwrap_or_default(),
        };
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let link_id = match tx.find_dossier_attachment(&link).await? {
            Some(existing) => existing,
            None => self.link_in(&mut tx, actor, &link, now).await?,
        };
        tx.commit().await?;
        self.store
            .dossier_attachments(dossier_id)
            .await?
            .into_iter()
            .find(|l| l.link_id == link_id)
            .ok_or(AppError::NotFound)
    }

    /// Writes a link and its audit entry inside the caller's transaction.
    async fn link_in(
        &self,
        tx: &mut StoreTx,
        actor: &Actor,
        link: &NewDossierAttachment,
        now: i64,
    ) -> AppResult<i64> {
        let link_id = tx.link_attachment(link, now).await?;
        tx.append_audit(
            &actor.audit(
                "dossier.attachment.add",
                Some(format!("dossier:{}", link.dossier_id)),
                json!({
                    "attachment_id": link.attachment_id,
                    "purpose": link.purpose,
                    "requirement": link.requirement_index,
                }),
            ),
            now,
        )
        .await?;
        Ok(link_id)
    }

    /// Checks the `(requirement, attachment)` pairs of an online submission before its
    /// transaction: each upload must be the citizen's own and each requirement exist.
    pub(crate) async fn submission_links(
        &self,
        citizen_id: i64,
        procedure: &Procedure,
        attachments: &[(u32, i64)],
    ) -> AppResult<Vec<NewDossierAttachment>> {
        let mut links = Vec::with_capacity(attachments.len());
        for (requirement, attachment_id) in attachments {
            let attachment = self
                .store
                .get_attachment(*attachment_id)
                .await
                .map_err(|_| AppError::invalid("attachments", "error-attachment-unknown"))?;
            if attachment.owner() != Some(Owner::Citizen(citizen_id)) {
                return Err(AppError::invalid("attachments", "error-attachment-unknown"));
            }
            let (index, name) = requirement_of(procedure, *requirement)?;
            links.push(NewDossierAttachment {
                dossier_id: 0,
                attachment_id: *attachment_id,
                purpose: Purpose::Document.as_str().to_owned(),
                requirement_index: Some(index),
                requirement_name: Some(name),
                added_by_kind: "citizen".to_owned(),
                added_by_id: citizen_id,
            });
        }
        Ok(links)
    }

    /// Links the checked submission attachments to the new dossier inside the submitting
    /// transaction, so the dossier and its papers commit together.
    pub(crate) async fn link_submission(
        &self,
        tx: &mut StoreTx,
        actor: &Actor,
        dossier_id: i64,
        links: Vec<NewDossierAttachment>,
        now: i64,
    ) -> AppResult<()> {
        for link in links {
            let link = NewDossierAttachment { dossier_id, ..link };
            if tx.find_dossier_attachment(&link).await?.is_none() {
                self.link_in(tx, actor, &link, now).await?;
            }
        }
        Ok(())
    }

    /// The files of a dossier, for its applicant and the officials who may view it.
    pub async fn dossier_attachments(
        &self,
        actor: &Actor,
        dossier_id: i64,
    ) -> AppResult<Vec<DossierAttachmentRow>> {
        let row = self.dossier_row(actor, dossier_id).await?;
        let hide_result = result_hidden(actor, &row)?;
        let links = self.store.dossier_attachments(dossier_id).await?;
        let applicant = matches!(actor.principal, Principal::Citizen { .. });
        let replaced: Vec<i64> = links.iter().filter_map(|l| l.signed_from).collect();
        Ok(links
            .into_iter()
            .filter(|l| !(hide_result && l.purpose == Purpose::Result.as_str()))
            // The applicant is given the sealed copy of a result, not the file it replaces.
            .filter(|l| !(applicant && replaced.contains(&l.link_id)))
            .collect())
    }

    /// One file of a dossier with its bytes (verified against its hash).
    pub async fn attachment_content(
        &self,
        actor: &Actor,
        dossier_id: i64,
        attachment_id: i64,
    ) -> AppResult<(AttachmentRow, Bytes)> {
        let row = self.dossier_row(actor, dossier_id).await?;
        let hidden = result_hidden(actor, &row)?;
        if matches!(actor.principal, Principal::Citizen { .. }) {
            let links = self.store.dossier_attachments(dossier_id).await?;
            let replaced: Vec<i64> = links.iter().filter_map(|l| l.signed_from).collect();
            let linked = |purpose: Purpose| {
                links
                    .iter()
                    .any(|l| l.attachment_id == attachment_id && l.purpose == purpose.as_str())
            };
            // What the applicant may have as a result: an issued result that no sealed copy
            // replaces.
            let result_given = !hidden
                && links.iter().any(|l| {
                    l.attachment_id == attachment_id
                        && l.purpose == Purpose::Result.as_str()
                        && !replaced.contains(&l.link_id)
                });
            // A result not yet issued, or replaced by its sealed copy, is "not found" for the
            // applicant, unless the same file is also one of their papers.
            if linked(Purpose::Result)
                && !result_given
                && !linked(Purpose::Document)
                && !linked(Purpose::Supplement)
            {
                return Err(AppError::NotFound);
            }
        }
        let attachment = self
            .store
            .dossier_attachment(dossier_id, attachment_id)
            .await?;
        let bytes = self
            .blobs
            .get(&attachment.sha256)
            .await
            .map_err(blob_failure)?;
        Ok((attachment, bytes))
    }
}
