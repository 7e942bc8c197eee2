//! Moving the procedure catalogue in and out: JSON import and export in the `data/catalogue`
//! format (an array of procedures), and the bundled catalogue of Cần Thơ compiled into the
//! binary so that the demo and a fresh installation have real procedures.
//!
//! Import is idempotent: an entry whose code and version are new is stored as published (a
//! catalogue file is an official publication); the same code and version again changes nothing
//! when identical, replaces a draft, and becomes a new draft version when it differs from what
//! was published (published versions are never rewritten). Every entry is checked before
//! anything is written, and the whole file commits in one transaction.

use crate::catalogue::procedure_problems;
use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Access, Permission};
use motcua_domain::procedure::Procedure;
use motcua_store::catalogue::{STATUS_DRAFT, STATUS_PUBLISHED};
use serde::Serialize;
use serde_json::json;

/// The catalogue files shipped with Một Cửa (file name, JSON text).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "bao-tro-xa-hoi.json",
        include_str!("../../../data/catalogue/bao-tro-xa-hoi.json"),
    ),
    (
        "chat-luong-nong-lam-thuy-san.json",
        include_str!("../../../data/catalogue/chat-luong-nong-lam-thuy-san.json"),
    ),
    (
        "chung-thuc.json",
        include_str!("../../../data/catalogue/chung-thuc.json"),
    ),
    (
        "cu-tru.json",
        include_str!("../../../data/catalogue/cu-tru.json"),
    ),
    (
        "dat-dai.json",
        include_str!("../../../data/catalogue/dat-dai.json"),
    ),
    (
        "giao-duc.json",
        include_str!("../../../data/catalogue/giao-duc.json"),
    ),
    (
        "ho-kinh-doanh.json",
        include_str!("../../../data/catalogue/ho-kinh-doanh.json"),
    ),
    (
        "ho-tich.json",
        include_str!("../../../data/catalogue/ho-tich.json"),
    ),
    (
        "luu-thong-hang-hoa.json",
        include_str!("../../../data/catalogue/luu-thong-hang-hoa.json"),
    ),
    (
        "ly-lich-tu-phap.json",
        include_str!("../../../data/catalogue/ly-lich-tu-phap.json"),
    ),
    (
        "nguoi-co-cong.json",
        include_str!("../../../data/catalogue/nguoi-co-cong.json"),
    ),
    (
        "tin-nguong-ton-giao.json",
        include_str!("../../../data/catalogue/tin-nguong-ton-giao.json"),
    ),
    (
        "van-hoa.json",
        include_str!("../../../data/catalogue/van-hoa.json"),
    ),
    (
        "viec-lam.json",
        include_str!("../../../data/catalogue/viec-lam.json"),
    ),
    (
        "xay-dung.json",
        include_str!("../../../data/catalogue/xay-dung.json"),
    ),
];

/// The bundled catalogue, every file concatenated.
pub fn bundled_catalogue() -> AppResult<Vec<Procedure>> {
    let mut all = Vec::new();
    for (name, text) in BUNDLED {
        let mut procedures = parse_catalogue(text)
            .map_err(|e| anyhow::anyhow!("bundled catalogue {name}: {e:?}"))?;
        all.append(&mut procedures);
    }
    Ok(all)
}

/// Parses a catalogue file: an array of procedures or a single procedure.
pub fn parse_catalogue(text: &str) -> AppResult<Vec<Procedure>> {
    let value: serde_json::Value = serde_json::from_str(&motcua_domain::text::nfc(text))
        .map_err(|_| AppError::invalid("file", "error-file-format"))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        single @ serde_json::Value::Object(_) => vec![single],
        _ => return Err(AppError::invalid("file", "error-file-format")),
    };
    let mut procedures = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        match serde_json::from_value::<Procedure>(item) {
            Ok(procedure) => procedures.push(procedure),
            Err(error) => {
                tracing::debug!(%error, index, "catalogue entry does not parse");
                problems.push(InvalidField::new(
                    &format!("[{index}]"),
                    "catalogue-bad-entry",
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(procedures)
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CatalogueImportReport {
    /// New code and version, stored as published.
    pub created: usize,
    /// Drafts replaced.
    pub updated: usize,
    /// Identical to what is stored.
    pub unchanged: usize,
    /// Differed from a published version: stored as a new draft version.
    pub drafted: usize,
}

impl App {
    /// Imports a catalogue file (see the module documentation for the rules).
    pub async fn import_catalogue(
        &self,
        actor: &Actor,
        text: &str,
    ) -> AppResult<CatalogueImportReport> {
        self.require_catalogue_owner(actor).await?;
        let procedures = parse_catalogue(text)?;
        self.import_procedures(actor, &procedures).await
    }

    /// Imports parsed procedures in one transaction.
    pub async fn import_procedures(
        &self,
        actor: &Actor,
        procedures: &[Procedure],
    ) -> AppResult<CatalogueImportReport> {
        self.require_catalogue_owner(actor).await?;
        let mut problems = Vec::new();
        for (index, procedure) in procedures.iter().enumerate() {
            if let Err(found) = procedure.validate() {
                problems.extend(procedure_problems(found).into_iter().map(|mut p| {
                    p.field = format!("[{index}].{}", p.field);
                    p
                }));
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let now = self.now_micros();
        let mut report = CatalogueImportReport::default();
        let mut tx = self.store.begin().await?;
        for procedure in procedures {
            let target = Some(format!("procedure:{}", procedure.code));
            let version = i64::from(procedure.version);
            let (action, stored_version) =
                match tx.procedure_version(&procedure.code, version).await {
                    Err(motcua_store::StoreError::NotFound) => {
                        tx.insert_procedure(procedure, STATUS_PUBLISHED, actor.id(), now)
                            .await?;
                        report.created += 1;
                        ("catalogue.import", version)
                    }
                    Err(other) => return Err(other.into()),
                    Ok(row) if row.procedure()? == *procedure => {
                        report.unchanged += 1;
                        continue;
                    }
                    Ok(row) if row.status == STATUS_DRAFT => {
                        tx.update_procedure(row.id, procedure, STATUS_DRAFT, None)
                            .await?;
                        report.updated += 1;
                        ("catalogue.update", version)
                    }
                    Ok(_) => {
                        let next = tx.max_procedure_version(&procedure.code).await? + 1;
                        let mut draft = procedure.clone();
                        draft.version = u32::try_from(next)
                            .map_err(|_| AppError::Conflict("error-conflict"))?;
                        tx.insert_procedure(&draft, STATUS_DRAFT, actor.id(), now)
                            .await?;
                        report.drafted += 1;
                        ("catalogue.create", next)
                    }
                };
            tx.append_audit(
                &actor.audit(
                    action,
                    target,
                    json!({ "version": stored_version, "name": procedure.name, "source": "import" }),
                ),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.search_lexicon.invalidate();
        Ok(report)
    }

    /// Every published version as a JSON array in the `data/catalogue` format, by code and
    /// version, so that an export imported into an empty database exports the same text.
    pub async fn export_catalogue(&self, actor: &Actor) -> AppResult<String> {
        actor.require(Access::Staff(Permission::CatalogueManage))?;
        let mut procedures = Vec::new();
        for row in self.store.list_procedure_versions().await? {
            if row.is_published() {
                procedures.push(row.procedure()?);
            }
        }
        let mut text =
            serde_json::to_string_pretty(&procedures).map_err(|e| AppError::Internal(e.into()))?;
        text.push('\n');
        Ok(text)
    }

    /// Loads the bundled catalogue into a database that has no procedures yet; returns how
    /// many were loaded (0 when the catalogue was not empty).
    pub async fn load_bundled_catalogue(&self) -> AppResult<usize> {
        if self.store.count_procedures().await? > 0 {
            return Ok(0);
        }
        let procedures = bundled_catalogue()?;
        let report = self
            .import_procedures(&Actor::system(), &procedures)
            .await?;
        Ok(report.created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_catalogue_parses_and_validates() {
        let all = bundled_catalogue().expect("bundled");
        assert_eq!(all.len(), 65);
        assert!(all.iter().all(|p| p.validate().is_ok()));
        assert!(
            all.iter().any(|p| p.code == "1.000894"),
            "marriage registration"
        );
    }

    #[test]
    fn malformed_files_are_refused_with_the_entry_index() {
        assert!(matches!(
            parse_catalogue("not json"),
            Err(AppError::Invalid(fields)) if fields[0].code == "error-file-format"
        ));
        assert!(matches!(
            parse_catalogue("[{\"code\": \"1.000894\"}]"),
            Err(AppError::Invalid(fields)) if fields[0].field == "[0]"
        ));
    }
}
