//! The citizen's dossiers and the back office's work queues (hàng đợi).

use super::*;
use motcua_store::dossiers::{DossierCursor, DossierOrder};

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

    /// An official's work queue within their jurisdiction (see [`QUEUES`]): its first 200
    /// dossiers, most urgent first. Lists that page use [`App::dossier_queue_page`].
    pub async fn dossier_queue(&self, actor: &Actor, queue: &str) -> AppResult<Vec<DossierView>> {
        let page = self
            .dossier_queue_page(actor, Some(queue), &QueueFilters::default(), None, 200)
            .await?;
        Ok(page.items)
    }

    /// One page of a work queue (or, with `queue` `None`, of every filed dossier in the
    /// caller's jurisdiction), narrowed by `filters`, after `cursor` (from the previous page's
    /// [`QueuePage::next_cursor`]), with the number of dossiers the whole list holds.
    pub async fn dossier_queue_page(
        &self,
        actor: &Actor,
        queue: Option<&str>,
        filters: &QueueFilters,
        cursor: Option<&str>,
        limit: u32,
    ) -> AppResult<QueuePage> {
        let Some(filter) = self.queue_filter(actor, queue, filters).await? else {
            return Ok(QueuePage::default());
        };
        let after = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(
                DossierCursor::parse(text)
                    .filter(|c| {
                        matches!(
                            (c, filter.order),
                            (DossierCursor::Due { .. }, DossierOrder::Due)
                                | (DossierCursor::Updated { .. }, DossierOrder::Updated)
                        )
                    })
                    .ok_or_else(|| AppError::invalid("cursor", "error-cursor"))?,
            ),
        };
        let limit = i64::from(limit.clamp(1, MAX_PAGE));
        // One row more than the page tells whether another page follows.
        let mut rows = self
            .store
            .list_dossiers(&DossierFilter {
                after,
                limit: limit + 1,
                ..filter.clone()
            })
            .await?;
        let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_cursor = if more {
            rows.last()
                .map(|row| DossierCursor::of(row, filter.order).encode())
        } else {
            None
        };
        let total = self.store.count_dossiers(&filter).await?;
        Ok(QueuePage {
            items: DossierView::from_rows(&rows)?,
            next_cursor,
            total,
        })
    }

    /// How many dossiers each work queue holds for the caller, with the same filters: the
    /// counts on the queue tabs.
    pub async fn dossier_queue_totals(
        &self,
        actor: &Actor,
        filters: &QueueFilters,
    ) -> AppResult<Vec<(&'static str, i64)>> {
        let mut totals = Vec::with_capacity(QUEUES.len());
        for queue in QUEUES {
            let count = match self.queue_filter(actor, Some(queue), filters).await {
                Ok(Some(filter)) => self.store.count_dossiers(&filter).await?,
                // A queue that is not the caller's (an official's own, for a system client)
                // counts nothing for them.
                Ok(None) | Err(AppError::Forbidden) => 0,
                Err(error) => return Err(error),
            };
            totals.push((queue, count));
        }
        Ok(totals)
    }

    /// The store filter of a queue for the caller: `None` when the queue is empty by
    /// definition for them (the "mine" queue of an official without roles).
    async fn queue_filter(
        &self,
        actor: &Actor,
        queue: Option<&str>,
        filters: &QueueFilters,
    ) -> AppResult<Option<DossierFilter>> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::DossierView))?;
        let paths: Option<Vec<String>> = actor
            .principal
            .jurisdictions(Permission::DossierView)
            .map(|ps| ps.into_iter().map(|p| p.as_str().to_owned()).collect());
        let now = self.now_micros();
        let open = vec![2, 4, 5, 6];
        let filter = match queue {
            None => DossierFilter {
                submitted_only: true,
                ..Default::default()
            },
            Some("receive") => DossierFilter {
                statuses: vec![1],
                by_desk: true,
                ..Default::default()
            },
            Some("mine") => {
                let roles: Vec<String> = match &actor.principal {
                    Principal::Official { assignments, .. } => assignments
                        .iter()
                        .map(|a| a.role.as_str().to_owned())
                        .collect(),
                    _ => Vec::new(),
                };
                if roles.is_empty() {
                    return Ok(None);
                }
                DossierFilter {
                    statuses: vec![2, 4],
                    step_roles: roles,
                    ..Default::default()
                }
            }
            // The personal queues are an official's: a system client is refused.
            Some("assigned") => DossierFilter {
                statuses: open.clone(),
                assignee_id: Some(actor.principal.official_id().ok_or(AppError::Forbidden)?),
                ..Default::default()
            },
            Some("unit") => DossierFilter {
                statuses: open,
                ..Default::default()
            },
            Some("due-soon") => {
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
            Some("overdue") => DossierFilter {
                statuses: vec![2, 4],
                due_before: Some(now),
                ..Default::default()
            },
            Some("resolved") => DossierFilter {
                statuses: vec![9],
                by_desk: true,
                ..Default::default()
            },
            Some(_) => return Err(AppError::invalid("queue", "error-choice")),
        };
        let mut filter = DossierFilter {
            agency_paths: paths,
            ..filter
        };
        let problems = filters.apply(&mut filter, now);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        Ok(Some(filter))
    }
}

/// The most dossiers one page holds.
pub const MAX_PAGE: u32 = 200;

/// What a list of dossiers is narrowed to, as the official or the calling system gave it.
/// Every field is optional; a value that cannot be understood is refused with its field named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilters {
    /// National procedure code.
    pub procedure: Option<String>,
    /// National status code (1–10) within the queue's own.
    pub status: Option<String>,
    /// `online`, `counter` or `postal`.
    pub channel: Option<String>,
    /// Filed from this day on (`YYYY-MM-DD`, Vietnam time) …
    pub from: Option<String>,
    /// … up to and including this day.
    pub to: Option<String>,
    /// Only those past their appointment.
    pub overdue: bool,
    /// The official it is assigned to.
    pub assignee: Option<String>,
    /// A dossier code, personal id, phone number or words of the applicant's name.
    pub text: Option<String>,
    /// Changed at or after this instant (RFC 3339); lists by last change.
    pub updated_since: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Midnight at the start of `day` in Vietnam (UTC+7), as unix micros.
fn vietnam_midnight(day: time::Date) -> i64 {
    motcua_store::micros(
        day.midnight()
            .assume_offset(time::macros::offset!(+7))
            .to_offset(time::UtcOffset::UTC),
    )
}

impl QueueFilters {
    /// Narrows `filter`; returns the fields that could not be understood.
    fn apply(&self, filter: &mut DossierFilter, now: i64) -> Vec<InvalidField> {
        let mut problems = Vec::new();
        if let Some(code) = given(&self.procedure) {
            filter.procedure_code = Some(code.to_owned());
        }
        if let Some(status) = given(&self.status) {
            match status.parse::<i64>() {
                Ok(code) if (1..=10).contains(&code) => {
                    if filter.statuses.is_empty() || filter.statuses.contains(&code) {
                        filter.statuses = vec![code];
                    } else {
                        // A status outside the queue: nothing in the queue has it.
                        filter.statuses = vec![code];
                        filter.agency_paths = Some(Vec::new());
                    }
                }
                _ => problems.push(InvalidField::new("status", "error-choice")),
            }
        }
        if let Some(channel) = given(&self.channel) {
            if ["online", "counter", "postal"].contains(&channel) {
                filter.channel = Some(channel.to_owned());
            } else {
                problems.push(InvalidField::new("channel", "error-choice"));
            }
        }
        for (field, value, end) in [("from", &self.from, false), ("to", &self.to, true)] {
            if let Some(text) = given(value) {
                match crate::catalogue::parse_iso_date(text) {
                    Some(day) if end => {
                        filter.created_before = day.next_day().map(vietnam_midnight);
                    }
                    Some(day) => filter.created_from = Some(vietnam_midnight(day)),
                    None => problems.push(InvalidField::new(field, "error-date")),
                }
            }
        }
        if let (Some(from), Some(before)) = (filter.created_from, filter.created_before)
            && from >= before
        {
            problems.push(InvalidField::new("to", "error-date-order"));
        }
        if self.overdue {
            filter.statuses.retain(|s| [2, 4].contains(s));
            if filter.statuses.is_empty() {
                filter.statuses = vec![2, 4];
            }
            filter.due_before = Some(filter.due_before.map_or(now, |due| due.min(now)));
        }
        if let Some(assignee) = given(&self.assignee) {
            match assignee.parse::<i64>() {
                Ok(id) => filter.assignee_id = Some(id),
                Err(_) => problems.push(InvalidField::new("assignee", "error-choice")),
            }
        }
        if let Some(text) = given(&self.text) {
            filter.text = Some(text.chars().take(100).collect());
        }
        if let Some(since) = given(&self.updated_since) {
            match time::OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339)
            {
                Ok(at) => {
                    filter.updated_since = Some(motcua_store::micros(at));
                    filter.order = DossierOrder::Updated;
                }
                Err(_) => problems.push(InvalidField::new("updated_since", "error-date")),
            }
        }
        problems
    }
}

/// One page of a list of dossiers.
#[derive(Debug, Clone, Default)]
pub struct QueuePage {
    pub items: Vec<DossierView>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// How many dossiers the whole list holds.
    pub total: i64,
}
