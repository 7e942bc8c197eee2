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

use crate::{Actor, App, AppError, AppResult};
use motcua_blobs::{BlobError, Bytes, sha256_hex};
use motcua_domain::attachment::{AttachError, Attacher, Purpose, check_upload, may_attach};
use motcua_domain::authz::{Permission, Principal, Role};
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

/// The required paper `index` of a procedure, by index and name.
fn requirement_of(procedure: &Procedure, index: u32) -> AppResult<(i64, String)> {
    let document = usize::try_from(index)
        .ok()
        .and_then(|i| procedure.required_documents.get(i))
        .ok_or_else(bad_requirement)?;
    Ok((i64::from(index), document.name.clone()))
}

impl App {
    /// Stores one uploaded file for a citizen or an official and records it as theirs.
    pub async fn upload_attachment(
        &self,
        actor: &Actor,
        file_name: &str,
        declared_media_type: Option<&str>,
        bytes: Bytes,
    ) -> AppResult<AttachmentRow> {
        let owner = owner_of(actor)?;
        let checked = check_upload(
            file_name,
            declared_media_type,
            &bytes,
            self.settings.max_attachment_bytes,
        )
        .map_err(|error| AppError::invalid("file", error.code()))?;
        let sha256 = sha256_hex(&bytes);
        let size = i64::try_from(checked.size).map_err(|e| AppError::Internal(e.into()))?;
        self.blobs.put(&sha256, bytes).await.map_err(blob_failure)?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
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

    /// The caller's own uploads, newest first, to reuse in another dossier.
    pub async fn my_attachments(&self, actor: &Actor) -> AppResult<Vec<AttachmentRow>> {
        let owner = owner_of(actor)?;
        Ok(self
            .store
            .owner_attachments(owner, MY_ATTACHMENTS_LIMIT)
            .await?)
    }

    /// The dossier, if the caller may see its files: its applicant, or an official who may view
    /// dossiers of its agency. Anyone else gets "not found".
    async fn dossier_for_files(&self, actor: &Actor, dossier_id: i64) -> AppResult<DossierRow> {
        if actor.principal == Principal::Anonymous {
            return Err(AppError::Unauthenticated);
        }
        let row = self.store.get_dossier(dossier_id).await?;
        let visible = match actor.principal {
            Principal::Citizen { citizen_id } => row.citizen_id == Some(citizen_id),
            _ => actor.principal.may_at(
                Permission::DossierView,
                &OrgPath::from_stored(row.agency_path.clone()),
            ),
        };
        if visible {
            Ok(row)
        } else {
            Err(AppError::NotFound)
        }
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
        let row = self.dossier_for_files(actor, dossier_id).await?;
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
        self.dossier_for_files(actor, dossier_id).await?;
        Ok(self.store.dossier_attachments(dossier_id).await?)
    }

    /// One file of a dossier with its bytes (verified against its hash).
    pub async fn attachment_content(
        &self,
        actor: &Actor,
        dossier_id: i64,
        attachment_id: i64,
    ) -> AppResult<(AttachmentRow, Bytes)> {
        self.dossier_for_files(actor, dossier_id).await?;
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
