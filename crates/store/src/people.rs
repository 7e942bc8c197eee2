//! Officials (the civil-servant registry), their role assignments, and citizens.

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};
use serde::{Deserialize, Serialize};

/// An official as stored (without secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OfficialRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub position_id: Option<i64>,
    pub position_name: Option<String>,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub employed_from: Option<String>,
    pub employed_to: Option<String>,
    pub totp_enabled: bool,
    pub active: bool,
}

/// What is needed to register or change an official.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialInput {
    pub username: String,
    pub full_name: String,
    pub position_id: Option<i64>,
    pub unit_id: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub employed_from: Option<String>,
    pub employed_to: Option<String>,
    pub active: bool,
}

/// The secrets needed to check an official's sign-in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfficialCredentials {
    pub id: i64,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    /// A replacement secret being enrolled; the one in force stays until it is confirmed.
    pub totp_pending_secret: Option<String>,
    pub active: bool,
}

/// A role held by an official, with the unit it is scoped to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct RoleAssignmentRow {
    pub id: i64,
    pub official_id: i64,
    pub role: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
}

/// A citizen account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CitizenRow {
    pub id: i64,
    pub personal_id: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub verified_at: Option<i64>,
    /// When the personal identification number was proven (provider sign-in or ID card seen at
    /// the counter); `None` for a number that was only typed in at sign-up.
    pub id_proven_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CitizenCredentials {
    pub id: i64,
    pub password_hash: String,
    pub verified_at: Option<i64>,
    pub id_proven_at: Option<i64>,
}

/// One row of [`Store::official_access`]: active, then role, unit id and unit path (absent for
/// an official without any role).
type AccessRow = (bool, Option<String>, Option<i64>, Option<String>);

impl Store {
    /// Officials working in the subtree at `path_prefix` (all when `None`), by name.
    pub async fn list_officials(&self, path_prefix: Option<&str>) -> StoreResult<Vec<OfficialRow>> {
        let prefix = path_prefix.unwrap_or("/").to_owned();
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, OfficialRow>(
                "SELECT o.id, o.username, o.full_name, o.position_id, p.name AS position_name, o.unit_id, \
                 u.name AS unit_name, u.path AS unit_path, o.email, o.phone, o.employed_from, o.employed_to, \
                 o.totp_enabled, o.active \
                 FROM officials o JOIN org_units u ON u.id = o.unit_id LEFT JOIN positions p ON p.id = o.position_id \
                 WHERE substr(u.path, 1, length($1)) = $1 ORDER BY o.full_name, o.id",
            )
            .bind(&prefix)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn get_official(&self, id: i64) -> StoreResult<OfficialRow> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, OfficialRow>(
                "SELECT o.id, o.username, o.full_name, o.position_id, p.name AS position_name, o.unit_id, \
                 u.name AS unit_name, u.path AS unit_path, o.email, o.phone, o.employed_from, o.employed_to, \
                 o.totp_enabled, o.active \
                 FROM officials o JOIN org_units u ON u.id = o.unit_id LEFT JOIN positions p ON p.id = o.position_id \
                 WHERE o.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn official_credentials(&self, username: &str) -> StoreResult<OfficialCredentials> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, OfficialCredentials>(
                "SELECT id, password_hash, totp_secret, totp_enabled, totp_pending_secret, active FROM officials WHERE username = $1",
            )
            .bind(username)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn official_credentials_by_id(&self, id: i64) -> StoreResult<OfficialCredentials> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, OfficialCredentials>(
                "SELECT id, password_hash, totp_secret, totp_enabled, totp_pending_secret, active FROM officials WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// What an official may do, in one statement: `None` when there is no such official,
    /// otherwise whether the account is active and each role with its unit's id and path.
    /// Read on every signed-in official's request, hence one query rather than two.
    pub async fn official_access(
        &self,
        official_id: i64,
    ) -> StoreResult<Option<(bool, Vec<(String, i64, String)>)>> {
        let rows: Vec<AccessRow> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT o.active, r.role, r.unit_id, u.path FROM officials o \
                     LEFT JOIN role_assignments r ON r.official_id = o.id \
                     LEFT JOIN org_units u ON u.id = r.unit_id \
                     WHERE o.id = $1 ORDER BY r.role, u.path",
            )
            .bind(official_id)
            .fetch_all(pool)
            .await?
        });
        let Some((active, ..)) = rows.first() else {
            return Ok(None);
        };
        let active = *active;
        let roles = rows
            .into_iter()
            .filter_map(|(_, role, unit_id, path)| Some((role?, unit_id?, path?)))
            .collect();
        Ok(Some((active, roles)))
    }

    /// The roles of one official, each with the path of its unit.
    pub async fn roles_of(&self, official_id: i64) -> StoreResult<Vec<RoleAssignmentRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, RoleAssignmentRow>(
                "SELECT r.id, r.official_id, r.role, r.unit_id, u.name AS unit_name, u.path AS unit_path \
                 FROM role_assignments r JOIN org_units u ON u.id = r.unit_id \
                 WHERE r.official_id = $1 ORDER BY r.role, u.path",
            )
            .bind(official_id)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn count_officials(&self) -> StoreResult<i64> {
        let (count,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM officials")
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }

    pub async fn get_citizen(&self, id: i64) -> StoreResult<CitizenRow> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, CitizenRow>(
                "SELECT id, personal_id, full_name, email, phone, verified_at, id_proven_at FROM citizens WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn citizen_credentials(&self, personal_id: &str) -> StoreResult<CitizenCredentials> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, CitizenCredentials>(
                "SELECT id, password_hash, verified_at, id_proven_at FROM citizens WHERE personal_id = $1",
            )
            .bind(personal_id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The account holding `personal_id`, only when that account has proven the number: the
    /// one a dossier registered at the counter for this number may be linked to.
    pub async fn proven_citizen(&self, personal_id: &str) -> StoreResult<Option<i64>> {
        let row: Option<(i64,)> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT id FROM citizens WHERE personal_id = $1 AND id_proven_at IS NOT NULL",
            )
            .bind(personal_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(id,)| id))
    }
}

impl StoreTx {
    pub async fn insert_official(
        &mut self,
        input: &OfficialInput,
        password_hash: &str,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO officials (username, full_name, position_id, unit_id, email, phone, employed_from, employed_to, \
                 password_hash, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(&input.username)
            .bind(&input.full_name)
            .bind(input.position_id)
            .bind(input.unit_id)
            .bind(&input.email)
            .bind(&input.phone)
            .bind(&input.employed_from)
            .bind(&input.employed_to)
            .bind(password_hash)
            .bind(input.active)
            .bind(at)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    pub async fn update_official(
        &mut self,
        id: i64,
        input: &OfficialInput,
        at: i64,
    ) -> StoreResult<()> {
        let changed = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE officials SET username = $1, full_name = $2, position_id = $3, unit_id = $4, email = $5, \
                 phone = $6, employed_from = $7, employed_to = $8, active = $9, updated_at = $10 WHERE id = $11",
            )
            .bind(&input.username)
            .bind(&input.full_name)
            .bind(input.position_id)
            .bind(input.unit_id)
            .bind(&input.email)
            .bind(&input.phone)
            .bind(&input.employed_from)
            .bind(&input.employed_to)
            .bind(input.active)
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn set_official_password(
        &mut self,
        id: i64,
        password_hash: &str,
        at: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("UPDATE officials SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Stores a TOTP secret; `enabled` is set once the official has proven they hold it.
    pub async fn set_official_totp(
        &mut self,
        id: i64,
        secret: Option<&str>,
        enabled: bool,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE officials SET totp_secret = $1, totp_enabled = $2, totp_pending_secret = NULL WHERE id = $3",
            )
                .bind(secret)
                .bind(enabled)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Stores a TOTP secret being enrolled, leaving the one in force untouched.
    pub async fn set_official_totp_pending(&mut self, id: i64, secret: &str) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("UPDATE officials SET totp_pending_secret = $1 WHERE id = $2")
                .bind(secret)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Grants a role on a unit; granting one that is already held changes nothing.
    pub async fn assign_role(
        &mut self,
        official_id: i64,
        role: &str,
        unit_id: i64,
        granted_by: Option<i64>,
        at: i64,
    ) -> StoreResult<bool> {
        let inserted = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO role_assignments (official_id, role, unit_id, granted_by, granted_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (official_id, role, unit_id) DO NOTHING",
            )
            .bind(official_id)
            .bind(role)
            .bind(unit_id)
            .bind(granted_by)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(inserted > 0)
    }

    pub async fn revoke_role(&mut self, assignment_id: i64) -> StoreResult<RoleAssignmentRow> {
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, RoleAssignmentRow>(
                "SELECT r.id, r.official_id, r.role, r.unit_id, u.name AS unit_name, u.path AS unit_path \
                 FROM role_assignments r JOIN org_units u ON u.id = r.unit_id WHERE r.id = $1",
            )
            .bind(assignment_id)
            .fetch_optional(&mut *conn)
            .await?
        })
        .ok_or(StoreError::NotFound)?;
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM role_assignments WHERE id = $1")
                .bind(assignment_id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(row)
    }

    pub async fn insert_citizen(
        &mut self,
        personal_id: &str,
        full_name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        password_hash: &str,
        at: i64,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO citizens (personal_id, full_name, email, phone, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(personal_id)
            .bind(full_name)
            .bind(email)
            .bind(phone)
            .bind(password_hash)
            .bind(at)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Records that the citizen's personal identification number is proven (`by`: `oidc` or
    /// `id_card`) and links the counter dossiers registered for that number that no account
    /// holds yet. Returns how many dossiers were linked.
    pub async fn mark_citizen_id_proven(
        &mut self,
        id: i64,
        personal_id: &str,
        by: &str,
        at: i64,
    ) -> StoreResult<u64> {
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE citizens SET id_proven_at = $1, id_proven_by = $2, \
                 verified_at = COALESCE(verified_at, $1) WHERE id = $3",
            )
            .bind(at)
            .bind(by)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        });
        Ok(on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE dossiers SET citizen_id = $1 \
                 WHERE applicant_personal_id = $2 AND citizen_id IS NULL AND channel = 'counter'",
            )
            .bind(id)
            .bind(personal_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        }))
    }

    /// Hands an account whose number was only claimed to the person the identity provider
    /// proved: the password and contact the claimant set stop working.
    pub async fn take_over_citizen(
        &mut self,
        id: i64,
        full_name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        password_hash: &str,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE citizens SET full_name = $1, email = $2, phone = $3, password_hash = $4 WHERE id = $5",
            )
            .bind(full_name)
            .bind(email)
            .bind(phone)
            .bind(password_hash)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    pub async fn mark_citizen_verified(&mut self, id: i64, at: i64) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("UPDATE citizens SET verified_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }
}

impl Store {
    /// One role assignment by id.
    pub async fn roles_of_assignment(&self, assignment_id: i64) -> StoreResult<RoleAssignmentRow> {
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, RoleAssignmentRow>(
                "SELECT r.id, r.official_id, r.role, r.unit_id, u.name AS unit_name, u.path AS unit_path \
                 FROM role_assignments r JOIN org_units u ON u.id = r.unit_id WHERE r.id = $1",
            )
            .bind(assignment_id)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }
}
