//! The organisation tree and positions.

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};
use serde::{Deserialize, Serialize};

/// A stored node of the organisation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrgUnitRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub level: String,
    pub name: String,
    pub short_name: Option<String>,
    pub code: Option<String>,
    pub path: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub sort_order: i64,
}

/// What is needed to create or change a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnitInput {
    pub parent_id: Option<i64>,
    pub kind: String,
    pub level: String,
    pub name: String,
    pub short_name: Option<String>,
    pub code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub sort_order: i64,
}

/// A position (chức vụ) an official can hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PositionRow {
    pub id: i64,
    pub name: String,
    pub rank: i64,
}

impl Store {
    /// Every node, ordered so that a parent comes before its children.
    pub async fn list_units(&self) -> StoreResult<Vec<OrgUnitRow>> {
        let rows = on_backend!(self, |pool| {
            sqlx::query_as::<_, OrgUnitRow>(
                "SELECT id, parent_id, kind, level, name, short_name, code, path, address, phone, email, sort_order \
                 FROM org_units ORDER BY path",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    pub async fn get_unit(&self, id: i64) -> StoreResult<OrgUnitRow> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, OrgUnitRow>(
                "SELECT id, parent_id, kind, level, name, short_name, code, path, address, phone, email, sort_order \
                 FROM org_units WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn get_unit_by_code(&self, code: &str) -> StoreResult<OrgUnitRow> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, OrgUnitRow>(
                "SELECT id, parent_id, kind, level, name, short_name, code, path, address, phone, email, sort_order \
                 FROM org_units WHERE code = $1",
            )
            .bind(code)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn list_positions(&self) -> StoreResult<Vec<PositionRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, PositionRow>(
                "SELECT id, name, rank FROM positions ORDER BY rank, name",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn count_units(&self) -> StoreResult<i64> {
        let (count,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM org_units")
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }
}

impl StoreTx {
    /// Creates a node under `input.parent_id` (or a root) and returns it with its path.
    pub async fn insert_unit(&mut self, input: &OrgUnitInput, at: i64) -> StoreResult<OrgUnitRow> {
        let parent_path: Option<String> = match input.parent_id {
            Some(parent) => {
                let row: Option<(String,)> = on_tx!(self, |conn| {
                    sqlx::query_as("SELECT path FROM org_units WHERE id = $1")
                        .bind(parent)
                        .fetch_optional(&mut *conn)
                        .await?
                });
                Some(row.ok_or(StoreError::NotFound)?.0)
            }
            None => None,
        };
        // The path needs the id, which the database assigns: insert with a unique placeholder
        // path, then set the real one in the same transaction.
        let placeholder = format!("pending:{at}:{}", input.name);
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO org_units (parent_id, kind, level, name, short_name, code, path, address, phone, email, sort_order, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            )
            .bind(input.parent_id)
            .bind(&input.kind)
            .bind(&input.level)
            .bind(&input.name)
            .bind(&input.short_name)
            .bind(&input.code)
            .bind(&placeholder)
            .bind(&input.address)
            .bind(&input.phone)
            .bind(&input.email)
            .bind(input.sort_order)
            .bind(at)
            .fetch_one(&mut *conn)
            .await?
        });
        let path = match parent_path {
            Some(parent) => format!("{parent}{id}/"),
            None => format!("/{id}/"),
        };
        on_tx!(self, |conn| {
            sqlx::query("UPDATE org_units SET path = $1 WHERE id = $2")
                .bind(&path)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        self.get_unit(id).await
    }

    pub async fn get_unit(&mut self, id: i64) -> StoreResult<OrgUnitRow> {
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, OrgUnitRow>(
                "SELECT id, parent_id, kind, level, name, short_name, code, path, address, phone, email, sort_order \
                 FROM org_units WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Changes a node; when the parent changes, the paths of the whole subtree move with it.
    pub async fn update_unit(
        &mut self,
        id: i64,
        input: &OrgUnitInput,
        at: i64,
    ) -> StoreResult<OrgUnitRow> {
        let current = self.get_unit(id).await?;
        let new_path = match input.parent_id {
            Some(parent) => {
                let parent_row = self.get_unit(parent).await?;
                if parent_row.path.starts_with(&current.path) {
                    return Err(StoreError::Conflict(
                        "a unit cannot move under itself".into(),
                    ));
                }
                format!("{}{id}/", parent_row.path)
            }
            None => format!("/{id}/"),
        };
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE org_units SET parent_id = $1, kind = $2, level = $3, name = $4, short_name = $5, code = $6, \
                 address = $7, phone = $8, email = $9, sort_order = $10, updated_at = $11 WHERE id = $12",
            )
            .bind(input.parent_id)
            .bind(&input.kind)
            .bind(&input.level)
            .bind(&input.name)
            .bind(&input.short_name)
            .bind(&input.code)
            .bind(&input.address)
            .bind(&input.phone)
            .bind(&input.email)
            .bind(input.sort_order)
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        });
        if new_path != current.path {
            let old_len = i32::try_from(current.path.chars().count()).unwrap_or(i32::MAX);
            on_tx!(self, |conn| {
                sqlx::query(
                    "UPDATE org_units SET path = $1 || substr(path, $2 + 1) \
                     WHERE substr(path, 1, $2) = $3",
                )
                .bind(&new_path)
                .bind(old_len)
                .bind(&current.path)
                .execute(&mut *conn)
                .await?;
            });
        }
        self.get_unit(id).await
    }

    /// Deletes a leaf node that nobody works in.
    pub async fn delete_unit(&mut self, id: i64) -> StoreResult<()> {
        let (children, officials): (i64, i64) = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM org_units WHERE parent_id = $1), \
                        (SELECT COUNT(*) FROM officials WHERE unit_id = $1)",
            )
            .bind(id)
            .fetch_one(&mut *conn)
            .await?
        });
        if children > 0 || officials > 0 {
            return Err(StoreError::Conflict(
                "unit has sub-units or officials".into(),
            ));
        }
        let done = on_tx!(self, |conn| {
            sqlx::query("DELETE FROM role_assignments WHERE unit_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM org_units WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Finds or creates a position by name.
    pub async fn ensure_position(&mut self, name: &str, rank: i64) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO positions (name, rank) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET rank = excluded.rank RETURNING id",
            )
            .bind(name)
            .bind(rank)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }
}
