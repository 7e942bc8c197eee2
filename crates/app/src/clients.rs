//! System clients (hệ thống kết nối): other systems that call the API with bearer tokens of
//! their own — the national portal connector, a postal operator's callback, a data-sharing
//! client. An administrator creates a client with a name, a set of permissions and a unit
//! whose subtree is its jurisdiction, then issues and revokes its tokens (shown once, only the
//! SHA-256 hash kept). Managing clients needs `RolesAssign` over the client's unit, like
//! granting a role: a client is given permissions the way an official is given a role.

use crate::security::{self, token_hash};
use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Access, Permission, Principal};
use motcua_domain::org::OrgPath;
use motcua_domain::text;
use motcua_store::StoreError;
use motcua_store::clients::{ClientTokenRow, SystemClientInput, SystemClientRow};
use serde_json::json;

/// What an administrator submits for a client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientForm {
    pub name: String,
    pub unit_id: i64,
    /// Permission names (`dossier_view`, …).
    pub permissions: Vec<String>,
    pub active: bool,
}

/// Parses stored or submitted permission names; unknown names are reported, not dropped.
fn parse_permissions(names: &[String]) -> Result<Vec<Permission>, String> {
    let mut permissions = Vec::new();
    for name in names {
        let permission = Permission::parse(name.trim()).ok_or_else(|| name.clone())?;
        if !permissions.contains(&permission) {
            permissions.push(permission);
        }
    }
    Ok(permissions)
}

/// The permissions a stored client holds (names the code no longer knows grant nothing).
pub fn client_permissions(row: &SystemClientRow) -> Vec<Permission> {
    row.permissions
        .split(',')
        .filter_map(|p| Permission::parse(p.trim()))
        .collect()
}

impl App {
    /// The clients whose unit lies within the caller's `RolesAssign` jurisdiction.
    pub async fn list_system_clients(&self, actor: &Actor) -> AppResult<Vec<SystemClientRow>> {
        actor.require(Access::Staff(Permission::RolesAssign))?;
        let rows = self.store.list_system_clients().await?;
        Ok(rows
            .into_iter()
            .filter(|row| {
                actor.principal.may_at(
                    Permission::RolesAssign,
                    &OrgPath::from_stored(row.unit_path.clone()),
                )
            })
            .collect())
    }

    /// One client and its tokens (never the tokens themselves).
    pub async fn system_client(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(SystemClientRow, Vec<ClientTokenRow>)> {
        let row = self.store.get_system_client(id).await?;
        actor.require_at(Permission::RolesAssign, &row.unit_path)?;
        let tokens = self.store.client_tokens(id).await?;
        Ok((row, tokens))
    }

    async fn client_input(&self, actor: &Actor, form: &ClientForm) -> AppResult<SystemClientInput> {
        let mut problems = Vec::new();
        let name = text::clean(&form.name);
        if name.is_empty() || name.chars().count() > 200 {
            problems.push(InvalidField::new("name", "error-name"));
        }
        let permissions = match parse_permissions(&form.permissions) {
            Ok(p) if p.is_empty() => {
                problems.push(InvalidField::new(
                    "permissions",
                    "error-client-no-permission",
                ));
                p
            }
            Ok(p) => p,
            Err(_) => {
                problems.push(InvalidField::new("permissions", "error-client-permission"));
                Vec::new()
            }
        };
        let unit = match self.store.get_unit(form.unit_id).await {
            Ok(unit) => Some(unit),
            Err(StoreError::NotFound) => {
                problems.push(InvalidField::new("unit_id", "error-parent"));
                None
            }
            Err(other) => return Err(other.into()),
        };
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        if let Some(unit) = &unit {
            actor.require_at(Permission::RolesAssign, &unit.path)?;
        }
        Ok(SystemClientInput {
            name,
            unit_id: form.unit_id,
            permissions: permissions
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(","),
            active: form.active,
        })
    }

    /// Creates a system client.
    pub async fn create_system_client(&self, actor: &Actor, form: &ClientForm) -> AppResult<i64> {
        actor.require(Access::Staff(Permission::RolesAssign))?;
        let input = self.client_input(actor, form).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_system_client(&input, now)
            .await
            .map_err(duplicate_name)?;
        tx.append_audit(
            &actor.audit(
                "client.create",
                Some(format!("client:{id}")),
                json!({ "name": input.name, "unit_id": input.unit_id,
                        "permissions": input.permissions, "active": input.active }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a client's name, unit, permissions or activity; the caller needs jurisdiction
    /// over both the old and the new unit. A deactivated client's tokens stop working at once.
    pub async fn update_system_client(
        &self,
        actor: &Actor,
        id: i64,
        form: &ClientForm,
    ) -> AppResult<()> {
        let existing = self.store.get_system_client(id).await?;
        actor.require_at(Permission::RolesAssign, &existing.unit_path)?;
        let input = self.client_input(actor, form).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.update_system_client(id, &input, now)
            .await
            .map_err(duplicate_name)?;
        tx.append_audit(
            &actor.audit(
                "client.update",
                Some(format!("client:{id}")),
                json!({ "name": input.name, "unit_id": input.unit_id,
                        "permissions": input.permissions, "active": input.active }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues a token for a client; the token is returned once and only its hash is kept.
    pub async fn issue_client_token(
        &self,
        actor: &Actor,
        client_id: i64,
        name: &str,
        days: Option<i64>,
    ) -> AppResult<(i64, String)> {
        let client = self.store.get_system_client(client_id).await?;
        actor.require_at(Permission::RolesAssign, &client.unit_path)?;
        let name = text::clean(name);
        if name.is_empty() {
            return Err(AppError::invalid("token_name", "error-required"));
        }
        if days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(AppError::invalid("days", "error-token-days"));
        }
        let token = security::random_token();
        let now = self.now_micros();
        let expires = days.map(|d| now + d * 86_400_000_000);
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_client_token(&token_hash(&token), client_id, &name, expires, now)
            .await?;
        tx.append_audit(
            &actor.audit(
                "client_token.issue",
                Some(format!("client:{client_id}")),
                json!({ "token_id": id, "name": name, "client": client.name }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((id, token))
    }

    /// Revokes one token of a client; it is refused from the next request on.
    pub async fn revoke_client_token(
        &self,
        actor: &Actor,
        client_id: i64,
        token_id: i64,
    ) -> AppResult<()> {
        let client = self.store.get_system_client(client_id).await?;
        actor.require_at(Permission::RolesAssign, &client.unit_path)?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.revoke_client_token(client_id, token_id, now).await?;
        tx.append_audit(
            &actor.audit(
                "client_token.revoke",
                Some(format!("client:{client_id}")),
                json!({ "token_id": token_id, "client": client.name }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The principal of a live client token: not revoked, not expired, client active.
    pub async fn resolve_client_token(&self, token: &str) -> AppResult<Option<Principal>> {
        let row = match self.store.get_client_token(&token_hash(token)).await {
            Ok(row) => row,
            Err(StoreError::NotFound) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        let now = self.now_micros();
        if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let client = match self.store.get_system_client(row.client_id).await {
            Ok(client) => client,
            Err(StoreError::NotFound) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        if !client.active {
            return Ok(None);
        }
        Ok(Some(Principal::Client {
            client_id: client.id,
            permissions: client_permissions(&client),
            jurisdiction: OrgPath::from_stored(client.unit_path),
            name: client.name,
        }))
    }

    /// Records one API request of a system client (reads included): what another system
    /// fetched is personal data leaving the platform, so every call is in the audit log under
    /// the client's name, whatever the answer was.
    pub async fn audit_client_request(
        &self,
        actor: &Actor,
        method: &str,
        path: &str,
        status: u16,
    ) -> AppResult<()> {
        if !matches!(actor.principal, Principal::Client { .. }) {
            return Ok(());
        }
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.append_audit(
            &actor.audit(
                "client.request",
                Some(path.chars().take(500).collect()),
                json!({ "method": method, "status": status }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn duplicate_name(error: StoreError) -> AppError {
    match error {
        StoreError::Conflict(_) => AppError::Conflict("error-duplicate-client-name"),
        other => other.into(),
    }
}

impl App {
    /// Subscribes a client's webhook to the status changes of the dossiers in its jurisdiction
    /// (it must hold `dossier_view`), or removes it (`url` `None`). Returns the new signing
    /// secret, shown this once: the receiver checks every event with it.
    pub async fn set_client_webhook(
        &self,
        actor: &Actor,
        id: i64,
        url: Option<&str>,
    ) -> AppResult<Option<String>> {
        actor.require(Access::Staff(Permission::RolesAssign))?;
        let row = self.store.get_system_client(id).await?;
        actor.require_at(Permission::RolesAssign, &row.unit_path)?;
        let url = url.map(str::trim).filter(|u| !u.is_empty());
        if let Some(url) = url {
            if url.len() > 2000 || !motcua_channels::webhook::acceptable_url(url) {
                return Err(AppError::invalid("url", "error-webhook-url"));
            }
            if !client_permissions(&row).contains(&Permission::DossierView) {
                return Err(AppError::invalid("url", "error-webhook-permission"));
            }
        }
        let secret = url.map(|_| {
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        });
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        tx.set_client_webhook(id, url, secret.as_deref(), now)
            .await?;
        tx.append_audit(
            &actor.audit(
                "client.webhook",
                Some(format!("client:{id}")),
                json!({ "url": url }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Delivers one webhook row: the event as the client's URL and secret now stand (a client
    /// that unsubscribed meanwhile is not called, and the row is done).
    pub(crate) async fn deliver_webhook(
        &self,
        outbox_id: i64,
        payload: &str,
    ) -> anyhow::Result<()> {
        let value: serde_json::Value = serde_json::from_str(payload)?;
        let client_id = value["client_id"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("webhook row without a client"))?;
        let event = value["event"].as_str().unwrap_or("dossier.status");
        let Some((url, secret)) = self.store.client_webhook(client_id).await? else {
            tracing::info!(
                outbox_id,
                client_id,
                "webhook no longer subscribed; event dropped"
            );
            return Ok(());
        };
        let body = json!({ "event": event, "delivery": outbox_id, "data": value["data"] });
        motcua_channels::webhook::deliver(
            &url,
            &secret,
            event,
            outbox_id,
            body.to_string().as_bytes(),
            self.now().unix_timestamp(),
        )
        .await
        .map_err(anyhow::Error::new)
    }
}
