//! The "sign" step signs for real (ký số kết quả): every result PDF of the dossier not yet
//! sealed is signed with its agency's seal before the decision is written, and the signed
//! copies are linked in the decision's transaction, each naming the unsigned file it replaces.

use super::*;
use motcua_signing::SignError;
use motcua_store::StoreTx;
use motcua_store::attachments::{DossierAttachmentRow, NewAttachment, NewDossierAttachment, Owner};

/// A result signed with the seal, its bytes already in the blob store.
#[derive(Debug, Clone)]
pub(crate) struct SealedResult {
    /// The unsigned link it replaces.
    pub from_link: i64,
    pub sha256: String,
    pub size: i64,
    pub file_name: String,
    /// The official who signed (the leader at the "sign" step).
    pub official_id: i64,
}

/// The result PDFs of a dossier that no signed copy replaces yet.
fn unsealed_results(links: &[DossierAttachmentRow]) -> Vec<&DossierAttachmentRow> {
    links
        .iter()
        .filter(|l| l.purpose == Purpose::Result.as_str() && l.media_type == "application/pdf")
        .filter(|l| l.signed_from.is_none())
        .filter(|l| !links.iter().any(|o| o.signed_from == Some(l.link_id)))
        .collect()
}

/// `ket-qua.pdf` → `ket-qua-da-ky.pdf`.
fn signed_name(file_name: &str) -> String {
    let stem = file_name
        .strip_suffix(".pdf")
        .or_else(|| file_name.strip_suffix(".PDF"))
        .unwrap_or(file_name);
    format!("{stem}-da-ky.pdf")
}

impl App {
    /// Whether this official may attach the result now: the one who signs it (before
    /// signing), or the one who resolves it — unless the result is sealed at a "sign" step
    /// already passed, so no unsigned file reaches the applicant after the seal.
    pub(crate) async fn result_upload_open(
        &self,
        actor: &Actor,
        row: &DossierRow,
    ) -> AppResult<bool> {
        let actions = self.actions_on_row(actor, row).await?;
        if actions.contains(&CommandKind::Sign) {
            return Ok(true);
        }
        if !actions.contains(&CommandKind::Resolve) {
            return Ok(false);
        }
        Ok(!(self.seals_results() && self.workflow_of(row).await?.requires_signature()))
    }

    /// [`App::result_upload_open`] for a page: whether to offer the result upload.
    pub async fn may_upload_result(&self, actor: &Actor, dossier_id: i64) -> AppResult<bool> {
        let row = self.dossier_row(actor, dossier_id).await?;
        self.result_upload_open(actor, &row).await
    }

    /// Seals the dossier's unsigned result PDFs with its agency's seal (nothing when the
    /// installation has no seal at all: the step then records the decision only). Refused
    /// when the agency has no seal or the dossier has no result PDF to sign. Reads and writes
    /// blobs only: call before the decision's transaction.
    pub(crate) async fn seal_results(
        &self,
        actor: &Actor,
        row: &DossierRow,
    ) -> AppResult<Vec<SealedResult>> {
        if !self.seals_results() {
            return Ok(Vec::new());
        }
        let official_id = actor.principal.official_id().ok_or(AppError::Forbidden)?;
        let seal = self
            .seal_for(&row.agency_path)
            .await?
            .ok_or(AppError::Conflict("error-sign-no-seal"))?;
        let links = self.store.dossier_attachments(row.id).await?;
        let pending = unsealed_results(&links);
        let already_sealed = links
            .iter()
            .any(|l| l.purpose == Purpose::Result.as_str() && l.signed_from.is_some());
        if pending.is_empty() && !already_sealed {
            return Err(AppError::Conflict("error-sign-no-result"));
        }
        let agency = self.store.get_unit(row.agency_id).await?;
        let code = row.code.clone().unwrap_or_default();
        let mut sealed = Vec::with_capacity(pending.len());
        for link in pending {
            let bytes =
                self.blobs.get(&link.sha256).await.map_err(|e| {
                    AppError::Internal(anyhow::Error::new(e).context("result file"))
                })?;
            let signed = self
                .seal_pdf(
                    &seal,
                    &bytes,
                    format!("Ký số kết quả giải quyết hồ sơ {code}"),
                    Some(agency.name.clone()),
                )
                .await
                .map_err(|error| match error {
                    SignError::Pdf(_) => {
                        AppError::invalid("result", "error-sign-result-unreadable")
                    }
                    other => crate::signatures::signing_error(
                        &format!(
                            "sealing the result of {code} with the seal of {}",
                            seal.unit_code
                        ),
                        other,
                    ),
                })?;
            let (sha256, size) = self.keep_signed_pdf(signed).await?;
            sealed.push(SealedResult {
                from_link: link.link_id,
                sha256,
                size,
                file_name: signed_name(&link.file_name),
                official_id,
            });
        }
        Ok(sealed)
    }
}

/// Records the signed copies (blob, upload, link naming the unsigned one) in the decision's
/// transaction.
pub(crate) async fn write_sealed(
    tx: &mut StoreTx,
    dossier_id: i64,
    sealed: &[SealedResult],
    now: i64,
) -> AppResult<()> {
    for result in sealed {
        tx.insert_blob(&result.sha256, result.size, "application/pdf", now)
            .await?;
        let upload = tx
            .insert_attachment(
                &NewAttachment {
                    sha256: result.sha256.clone(),
                    owner: Owner::Official(result.official_id),
                    file_name: result.file_name.clone(),
                    media_type: "application/pdf".to_owned(),
                    size: result.size,
                },
                now,
            )
            .await?;
        tx.link_signed_result(
            &NewDossierAttachment {
                dossier_id,
                attachment_id: upload.id,
                purpose: Purpose::Result.as_str().to_owned(),
                requirement_index: None,
                requirement_name: None,
                added_by_kind: "official".to_owned(),
                added_by_id: result.official_id,
            },
            result.from_link,
            now,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(
        link_id: i64,
        media_type: &str,
        purpose: &str,
        signed_from: Option<i64>,
    ) -> DossierAttachmentRow {
        DossierAttachmentRow {
            link_id,
            dossier_id: 1,
            attachment_id: link_id,
            purpose: purpose.to_owned(),
            requirement_index: None,
            requirement_name: None,
            added_by_kind: "official".to_owned(),
            added_by_id: 1,
            added_at: 0,
            sha256: format!("{link_id:064}"),
            file_name: format!("kq{link_id}.pdf"),
            media_type: media_type.to_owned(),
            size: 1,
            signed_from,
        }
    }

    #[test]
    fn only_result_pdfs_no_signed_copy_replaces_are_pending() {
        let links = vec![
            link(1, "application/pdf", "result", None),
            link(2, "application/pdf", "result", Some(1)),
            link(3, "application/pdf", "result", None),
            link(4, "image/jpeg", "result", None),
            link(5, "application/pdf", "document", None),
        ];
        let pending: Vec<i64> = unsealed_results(&links).iter().map(|l| l.link_id).collect();
        assert_eq!(pending, vec![3]);
    }

    #[test]
    fn signed_copies_are_named_after_the_original() {
        assert_eq!(signed_name("ket-qua.pdf"), "ket-qua-da-ky.pdf");
        assert_eq!(signed_name("GIAY-PHEP.PDF"), "GIAY-PHEP-da-ky.pdf");
        assert_eq!(signed_name("kq"), "kq-da-ky.pdf");
    }
}
