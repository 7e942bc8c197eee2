//! The citizen's dossiers and the back office's work queues (hàng đợi).

use super::*;

impl App {
    /// The name of the procedure each dossier was submitted under (tên thủ tục, from the
    /// published version it names), for lists that would otherwise show a bare code. A
    /// version that cannot be read falls back to its code.
    pub async fn procedure_names(
        &self,
        dossiers: &[DossierView],
    ) -> std::collections::HashMap<(String, i64), String> {
        let mut names = std::collections::HashMap::new();
        for dossier in dossiers {
            let key = (dossier.procedure_code.clone(), dossier.procedure_version);
            if names.contains_key(&key) {
                continue;
            }
            let name = match self.published_version(&key.0, key.1).await {
                Ok(version) => version.procedure.name.clone(),
                Err(_) => key.0.clone(),
            };
            names.insert(key, name);
        }
        names
    }

    /// A citizen's own dossiers, newest first.
    pub async fn my_dossiers(&self, actor: &Actor) -> AppResult<Vec<DossierView>> {
        let citizen_id = actor.principal.citizen_id().ok_or(AppError::Forbidden)?;
        let mut rows = self
            .store
            .list_dossiers(&DossierFilter {
                citizen_id: Some(citizen_id),
                limit: 200,
                ..Default::default()
            })
            .await?;
        rows.sort_by_key(|row| std::cmp::Reverse(row.updated_at));
        DossierView::from_rows(&rows)
    }

    /// An official's work queue within their jurisdiction (see [`QUEUES`]).
    pub async fn dossier_queue(&self, actor: &Actor, queue: &str) -> AppResult<Vec<DossierView>> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::DossierView))?;
        let paths: Option<Vec<String>> = actor
            .principal
            .jurisdictions(Permission::DossierView)
            .map(|ps| ps.into_iter().map(|p| p.as_str().to_owned()).collect());
        let now = self.now_micros();
        let open = vec![2, 4, 5, 6];
        let filter = match queue {
            "receive" => DossierFilter {
                statuses: vec![1],
                by_desk: true,
                ..Default::default()
            },
            "mine" => {
                let roles: Vec<String> = match &actor.principal {
                    Principal::Official { assignments, .. } => assignments
                        .iter()
                        .map(|a| a.role.as_str().to_owned())
                        .collect(),
                    _ => Vec::new(),
                };
                if roles.is_empty() {
                    return Ok(Vec::new());
                }
                DossierFilter {
                    statuses: vec![2, 4],
                    step_roles: roles,
                    ..Default::default()
                }
            }
            "assigned" => DossierFilter {
                statuses: open.clone(),
                assignee_id: Some(actor.principal.official_id().ok_or(AppError::Forbidden)?),
                ..Default::default()
            },
            "unit" => DossierFilter {
                statuses: open,
                ..Default::default()
            },
            "due-soon" => {
                // Due within one working day of now, by the national working calendar. A
                // paused dossier (5, 6) has a frozen due time and is neither due nor late.
                let within = self
                    .calendar_due(None, self.now(), ProcessingTime::WorkingDays(1))
                    .await
                    .map(motcua_store::micros)
                    .unwrap_or(now + 86_400_000_000);
                DossierFilter {
                    statuses: vec![2, 4],
                    due_before: Some(within),
                    ..Default::default()
                }
            }
            "overdue" => DossierFilter {
                statuses: vec![2, 4],
                due_before: Some(now),
                ..Default::default()
            },
            "resolved" => DossierFilter {
                statuses: vec![9],
                by_desk: true,
                ..Default::default()
            },
            _ => return Err(AppError::invalid("queue", "error-choice")),
        };
        let rows = self
            .store
            .list_dossiers(&DossierFilter {
                agency_paths: paths,
                limit: 200,
                ..filter
            })
            .await?;
        DossierView::from_rows(&rows)
    }
}
