//! Attachments (tệp đính kèm): the metadata of uploaded files. The bytes themselves live in the
//! blob store under their SHA-256; here each content is recorded once in `blobs`, each upload
//! gets its own `attachments` row (owner, file name), and `dossier_attachments` links uploads to
//! dossiers with a purpose (a required document, a supplement, the result).
//!
//! The same scan uploaded twice is one blob and two attachments; one attachment reused in a later
//! dossier is two links. Nothing is ever updated in place.

use crate::{Store, StoreResult, StoreTx, on_backend, on_tx};
use serde::Serialize;

/// One stored content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BlobRow {
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub created_at: i64,
}

/// Who uploaded a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Citizen(i64),
    Official(i64),
}

/// One upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub sha256: String,
    pub citizen_id: Option<i64>,
    pub official_id: Option<i64>,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub created_at: i64,
}

impl AttachmentRow {
    pub fn owner(&self) -> Option<Owner> {
        match (self.citizen_id, self.official_id) {
            (Some(citizen_id), None) => Some(Owner::Citizen(citizen_id)),
            (None, Some(official_id)) => Some(Owner::Official(official_id)),
            _ => None,
        }
    }
}

/// The column of `attachments` that holds this owner, and the owner's id.
fn owner_column(owner: Owner) -> (&'static str, i64) {
    match owner {
        Owner::Citizen(id) => ("citizen_id", id),
        Owner::Official(id) => ("official_id", id),
    }
}

/// What a new upload records.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub sha256: String,
    pub owner: Owner,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
}

/// What a new link from a dossier to an upload records.
#[derive(Debug, Clone)]
pub struct NewDossierAttachment {
    pub dossier_id: i64,
    pub attachment_id: i64,
    /// `document`, `supplement` or `result`.
    pub purpose: String,
    /// For `document`: the index of the required paper in the procedure version's list.
    pub requirement_index: Option<i64>,
    /// Its name at the time of linking (procedure versions change; the dossier keeps its own).
    pub requirement_name: Option<String>,
    /// `citizen` or `official`.
    pub added_by_kind: String,
    pub added_by_id: i64,
}

/// A file of a dossier: the link and the upload it points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DossierAttachmentRow {
    pub link_id: i64,
    pub dossier_id: i64,
    pub attachment_id: i64,
    pub purpose: String,
    pub requirement_index: Option<i64>,
    pub requirement_name: Option<String>,
    pub added_by_kind: String,
    pub added_by_id: i64,
    pub added_at: i64,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    /// For a result signed with the agency's seal: the link of the unsigned file it replaces.
    pub signed_from: Option<i64>,
}

const ATTACHMENT_COLUMNS: &str =
    "id, sha256, citizen_id, official_id, file_name, media_type, size, created_at";

impl Store {
    pub async fn get_blob(&self, sha256: &str) -> StoreResult<BlobRow> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, BlobRow>(
                "SELECT sha256, size, media_type, created_at FROM blobs WHERE sha256 = $1",
            )
            .bind(sha256)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(crate::StoreError::NotFound)
    }

    /// How many distinct contents are stored.
    pub async fn count_blobs(&self) -> StoreResult<i64> {
        let (count,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM blobs")
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }

    pub async fn get_attachment(&self, id: i64) -> StoreResult<AttachmentRow> {
        let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1");
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(crate::StoreError::NotFound)
    }

    /// One owner's uploads, newest first.
    pub async fn owner_attachments(
        &self,
        owner: Owner,
        limit: i64,
    ) -> StoreResult<Vec<AttachmentRow>> {
        let (column, id) = match owner {
            Owner::Citizen(id) => ("citizen_id", id),
            Owner::Official(id) => ("official_id", id),
        };
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE {column} = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The bytes of all of an owner's uploads (the quota counts each upload, even of a
    /// content stored once).
    pub async fn uploaded_bytes(&self, owner: Owner) -> StoreResult<i64> {
        let (column, id) = owner_column(owner);
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments WHERE {column} = $1"
        );
        let (total,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(pool)
                .await?
        });
        Ok(total)
    }

    /// The files of a dossier in the order they were added.
    pub async fn dossier_attachments(
        &self,
        dossier_id: i64,
    ) -> StoreResult<Vec<DossierAttachmentRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, DossierAttachmentRow>(
                "SELECT l.id AS link_id, l.dossier_id, l.attachment_id, l.purpose, \
                 l.requirement_index, l.requirement_name, l.added_by_kind, l.added_by_id, \
                 l.added_at, a.sha256, a.file_name, a.media_type, a.size, l.signed_from \
                 FROM dossier_attachments l JOIN attachments a ON a.id = l.attachment_id \
                 WHERE l.dossier_id = $1 ORDER BY l.added_at, l.id",
            )
            .bind(dossier_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The upload `attachment_id` if it is linked to the dossier; otherwise not found.
    pub async fn dossier_attachment(
        &self,
        dossier_id: i64,
        attachment_id: i64,
    ) -> StoreResult<AttachmentRow> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1 AND EXISTS \
             (SELECT 1 FROM dossier_attachments l WHERE l.attachment_id = $1 AND l.dossier_id = $2)"
        );
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(sql))
                .bind(attachment_id)
                .bind(dossier_id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(crate::StoreError::NotFound)
    }
}

impl StoreTx {
    /// Records a content unless it is already recorded; true when this call recorded it.
    pub async fn insert_blob(
        &mut self,
        sha256: &str,
        size: i64,
        media_type: &str,
        at: i64,
    ) -> StoreResult<bool> {
        let affected = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO blobs (sha256, size, media_type, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(sha256)
            .bind(size)
            .bind(media_type)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(affected == 1)
    }

    pub async fn insert_attachment(
        &mut self,
        new: &NewAttachment,
        at: i64,
    ) -> StoreResult<AttachmentRow> {
        let (citizen_id, official_id) = match new.owner {
            Owner::Citizen(id) => (Some(id), None),
            Owner::Official(id) => (None, Some(id)),
        };
        let sql = format!(
            "INSERT INTO attachments (sha256, citizen_id, official_id, file_name, media_type, size, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ATTACHMENT_COLUMNS}"
        );
        Ok(on_tx!(self, |conn| {
            sqlx::query_as::<_, AttachmentRow>(sqlx::AssertSqlSafe(sql))
                .bind(&new.sha256)
                .bind(citizen_id)
                .bind(official_id)
                .bind(&new.file_name)
                .bind(&new.media_type)
                .bind(new.size)
                .bind(at)
                .fetch_one(&mut *conn)
                .await?
        }))
    }

    /// [`Store::uploaded_bytes`] inside the transaction, with the owner's row locked until it
    /// ends, so two uploads of one person cannot both pass a quota check. On SQLite the open
    /// write transaction already excludes every other writer.
    pub async fn uploaded_bytes_locked(&mut self, owner: Owner) -> StoreResult<i64> {
        let (column, id) = owner_column(owner);
        if let StoreTx::Postgres(transaction) = self {
            let table = match owner {
                Owner::Citizen(_) => "citizens",
                Owner::Official(_) => "officials",
            };
            let lock = format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE");
            sqlx::query(sqlx::AssertSqlSafe(lock))
                .bind(id)
                .execute(&mut **transaction)
                .await?;
        }
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments WHERE {column} = $1"
        );
        let (total,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut *conn)
                .await?
        });
        Ok(total)
    }

    /// The link with the same dossier, upload, purpose and requirement, if there is one.
    pub async fn find_dossier_attachment(
        &mut self,
        new: &NewDossierAttachment,
    ) -> StoreResult<Option<i64>> {
        let row: Option<(i64,)> = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT id FROM dossier_attachments WHERE dossier_id = $1 AND attachment_id = $2 \
                 AND purpose = $3 AND ((requirement_index IS NULL AND $4 IS NULL) OR requirement_index = $4)",
            )
            .bind(new.dossier_id)
            .bind(new.attachment_id)
            .bind(&new.purpose)
            .bind(new.requirement_index)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.map(|(id,)| id))
    }

    /// Links the sealed copy of a result to the dossier, naming the unsigned link it replaces;
    /// returns the new link's id.
    pub async fn link_signed_result(
        &mut self,
        new: &NewDossierAttachment,
        signed_from: i64,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO dossier_attachments (dossier_id, attachment_id, purpose, \
                 requirement_index, requirement_name, added_by_kind, added_by_id, added_at, \
                 signed_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(new.dossier_id)
            .bind(new.attachment_id)
            .bind(&new.purpose)
            .bind(new.requirement_index)
            .bind(&new.requirement_name)
            .bind(&new.added_by_kind)
            .bind(new.added_by_id)
            .bind(at)
            .bind(signed_from)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Links an upload to a dossier; returns the link's id.
    pub async fn link_attachment(
        &mut self,
        new: &NewDossierAttachment,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO dossier_attachments (dossier_id, attachment_id, purpose, \
                 requirement_index, requirement_name, added_by_kind, added_by_id, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(new.dossier_id)
            .bind(new.attachment_id)
            .bind(&new.purpose)
            .bind(new.requirement_index)
            .bind(&new.requirement_name)
            .bind(&new.added_by_kind)
            .bind(new.added_by_id)
            .bind(at)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }
}
