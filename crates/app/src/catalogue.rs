//! The procedure catalogue (danh mục thủ tục hành chính) and public information portal:
//! search and read for everyone; drafts, versions, publishing and form schemas for
//! administrators holding [`Permission::CatalogueManage`].
//!
//! A procedure is never edited in place once published: a change is a new draft version, and
//! publishing it gives it an effective date. Public search and detail pages show the version in
//! force on the day asked for; old versions stay, because a dossier is judged by the version in
//! force when it was received. Import, export and the bundled catalogue are in
//! [`crate::catalogue_transfer`].

use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Access, Permission, Principal};
use motcua_domain::highlight::{Segment, highlight, snippet};
use motcua_domain::procedure::{FormValues, Procedure, ValidatedForm};
use motcua_domain::search::{MIN_TYPO_CHARS, SearchPlan, typo_candidates};
use motcua_domain::text;
use motcua_store::audit::AuditRow;
use motcua_store::catalogue::{
    CatalogueQuery, FacetCount, ProcedureRow, STATUS_DRAFT, STATUS_PUBLISHED,
};
use serde::Serialize;
use serde_json::json;
use time::Date;

/// Results per page of the public search.
pub const PER_PAGE: u32 = 20;
const MAX_PER_PAGE: u32 = 100;
const MAX_QUERY_CHARS: usize = 200;

/// What a citizen or another system asks the catalogue.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    pub q: String,
    pub sector: Option<String>,
    pub agency_kind: Option<String>,
    pub level: Option<String>,
    pub online_level: Option<String>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    /// The day whose versions count; today (Vietnam time) when absent.
    pub on: Option<Date>,
}

/// A published procedure version as the process keeps it, shared rather than copied: a
/// search page used to clone each hit's whole procedure (forms, fields, fees), a good part
/// of a search's allocations. Reads through it as a [`Procedure`].
#[derive(Debug, Clone)]
pub struct SharedProcedure(std::sync::Arc<ProcedureVersion>);

impl std::ops::Deref for SharedProcedure {
    type Target = Procedure;

    fn deref(&self) -> &Procedure {
        &self.0.procedure
    }
}

impl Serialize for SharedProcedure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.procedure.serialize(serializer)
    }
}

/// One result with its highlighted name and snippet.
#[derive(Debug, Clone, Serialize)]
pub struct SearchItem {
    pub procedure: SharedProcedure,
    pub name_match: bool,
    pub name: Vec<Segment>,
    pub snippet: Vec<Segment>,
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub items: Vec<SearchItem>,
}

impl SearchResult {
    pub fn pages(&self) -> u32 {
        let per_page = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per_page - 1) / per_page).unwrap_or(u32::MAX)
    }
}

/// A stored version with its parsed document.
#[derive(Debug, Clone)]
pub struct ProcedureVersion {
    pub row: ProcedureRow,
    pub procedure: Procedure,
}

fn version_of(row: ProcedureRow) -> AppResult<ProcedureVersion> {
    let procedure = row.procedure()?;
    Ok(ProcedureVersion { row, procedure })
}

/// `YYYY-MM-DD`, the stored date form.
pub fn iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Parses `YYYY-MM-DD`.
pub fn parse_iso_date(value: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value.trim(), &format).ok()
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Turns the domain's problems with an entry into field errors with catalogue codes.
pub fn procedure_problems(
    problems: Vec<motcua_domain::procedure::ProcedureProblem>,
) -> Vec<InvalidField> {
    problems
        .into_iter()
        .map(|p| InvalidField::new(&p.path, p.kind.as_str()))
        .collect()
}

impl App {
    /// Today in Vietnam (UTC+7): effective dates are Vietnamese calendar days.
    pub fn today(&self) -> Date {
        self.now().to_offset(time::macros::offset!(+7)).date()
    }

    /// Public search over the versions in force, name matches first, with highlighting.
    pub async fn search_procedures(&self, params: &SearchParams) -> AppResult<SearchResult> {
        let q: String = params.q.chars().take(MAX_QUERY_CHARS).collect();
        let terms = text::terms(&q);
        // Prefix matching on the last word helps while typing; a trailing space means the
        // word is complete.
        let prefix_last = !q.ends_with(char::is_whitespace)
            && terms.last().is_some_and(|t| t.chars().count() >= 2);
        let per_page = if params.per_page == 0 {
            PER_PAGE
        } else {
            params.per_page.min(MAX_PER_PAGE)
        };
        let page = params.page.max(1);
        let on = params.on.unwrap_or_else(|| self.today());
        let plan = self.search_plan(&terms, prefix_last).await?;
        let (marked, mark_prefix) = highlight_terms(&plan);
        let query = CatalogueQuery {
            terms: terms.clone(),
            prefix_last,
            plan: Some(plan),
            sector: non_empty(&params.sector),
            agency_kind: non_empty(&params.agency_kind),
            level: non_empty(&params.level),
            online_level: non_empty(&params.online_level),
            on: iso_date(on),
            limit: i64::from(per_page),
            offset: i64::from(page - 1) * i64::from(per_page),
        };
        // Hits are published versions, which never change: the search reads only their keys
        // and each document is read and parsed once per process (see `crate::versions`).
        let found = self
            .store
            .search_procedures_without_documents(&query)
            .await?;
        let mut items = Vec::with_capacity(found.hits.len());
        for hit in found.hits {
            let procedure = SharedProcedure(
                self.published_version(&hit.row.code, hit.row.version)
                    .await?,
            );
            let body = procedure
                .description
                .as_deref()
                .unwrap_or(procedure.result.as_str());
            items.push(SearchItem {
                name: highlight(&procedure.name, &marked, mark_prefix),
                snippet: snippet(body, &marked, mark_prefix, 40),
                name_match: hit.name_match,
                procedure,
            });
        }
        Ok(SearchResult {
            page,
            per_page,
            total: found.total,
            items,
        })
    }

    /// What a query means (see [`motcua_domain::search`]): the administrators' synonyms, the
    /// i/y twins, and for each long word the catalogue has never seen (nor, for the word being
    /// typed, any word starting with it), the catalogue's words one typo away.
    pub async fn search_plan(&self, terms: &[String], prefix_last: bool) -> AppResult<SearchPlan> {
        if terms.is_empty() {
            return Ok(SearchPlan::default());
        }
        let lexicon = self.search_lexicon().await?;
        let uncorrected = SearchPlan::build(terms, prefix_last, &lexicon.synonyms, &|_| Vec::new());
        let mut corrections: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for group in uncorrected.readings.iter().flat_map(|r| &r.groups) {
            let word = &group.spellings[0];
            if word.chars().count() < MIN_TYPO_CHARS
                || corrections.contains_key(word)
                || group.spellings.iter().any(|s| lexicon.knows(s))
                || (group.prefix && lexicon.knows_prefix(word))
            {
                continue;
            }
            let found = typo_candidates(word)
                .into_iter()
                .filter(|candidate| lexicon.knows(candidate))
                .collect();
            corrections.insert(word.clone(), found);
        }
        if corrections.is_empty() {
            return Ok(uncorrected);
        }
        Ok(SearchPlan::build(
            terms,
            prefix_last,
            &lexicon.synonyms,
            &|word| corrections.get(word).cloned().unwrap_or_default(),
        ))
    }

    /// The published version of `code` in force on `on` (today when absent).
    pub async fn procedure_in_force(
        &self,
        code: &str,
        on: Option<Date>,
    ) -> AppResult<ProcedureVersion> {
        Ok((*self.procedure_in_force_shared(code, on).await?).clone())
    }

    /// As [`App::procedure_in_force`], shared: which version is in force is read from the
    /// database every time (publishing is seen at once); the parsed version itself comes from
    /// the [`crate::versions`] cache, since a published version never changes.
    pub(crate) async fn procedure_in_force_shared(
        &self,
        code: &str,
        on: Option<Date>,
    ) -> AppResult<std::sync::Arc<ProcedureVersion>> {
        let on = on.unwrap_or_else(|| self.today());
        let version = self
            .store
            .procedure_version_in_force(code, &iso_date(on))
            .await?;
        self.published_version(code, version).await
    }

    /// A version that is known to be published (in force, or referenced by a dossier), through
    /// the cache.
    pub(crate) async fn published_version(
        &self,
        code: &str,
        version: i64,
    ) -> AppResult<std::sync::Arc<ProcedureVersion>> {
        if let Some(cached) = self.versions.procedure(code, version) {
            return Ok(cached);
        }
        let found = std::sync::Arc::new(version_of(
            self.store.procedure_version(code, version).await?,
        )?);
        self.versions.keep_procedure(&found);
        Ok(found)
    }

    /// One version; drafts only for catalogue managers (they are not public yet).
    pub async fn procedure_version(
        &self,
        actor: &Actor,
        code: &str,
        version: i64,
    ) -> AppResult<ProcedureVersion> {
        if let Some(cached) = self.versions.procedure(code, version) {
            return Ok((*cached).clone());
        }
        let row = self.store.procedure_version(code, version).await?;
        if !row.is_published()
            && actor
                .require(Access::Staff(Permission::CatalogueManage))
                .is_err()
        {
            return Err(AppError::NotFound);
        }
        let found = version_of(row)?;
        if found.row.is_published() {
            self.versions
                .keep_procedure(&std::sync::Arc::new(found.clone()));
        }
        Ok(found)
    }

    /// Every version of one procedure, newest first (administration).
    pub async fn procedure_history(
        &self,
        actor: &Actor,
        code: &str,
    ) -> AppResult<(Vec<ProcedureRow>, Vec<AuditRow>)> {
        actor.require(Access::Staff(Permission::CatalogueManage))?;
        let versions = self.store.procedure_versions(code).await?;
        if versions.is_empty() {
            return Err(AppError::NotFound);
        }
        let audit = self.store.procedure_audit(code).await?;
        Ok((versions, audit))
    }

    /// Every version of every procedure (administration list).
    pub async fn list_procedure_versions(&self, actor: &Actor) -> AppResult<Vec<ProcedureRow>> {
        actor.require(Access::Staff(Permission::CatalogueManage))?;
        Ok(self.store.list_procedure_versions().await?)
    }

    /// Sectors with the number of procedures in force.
    pub async fn catalogue_sectors(&self, on: Option<Date>) -> AppResult<Vec<FacetCount>> {
        let on = on.unwrap_or_else(|| self.today());
        Ok(self.store.sector_counts(&iso_date(on)).await?)
    }

    /// Agency kinds (label = level) with the number of procedures in force.
    pub async fn catalogue_agencies(&self, on: Option<Date>) -> AppResult<Vec<FacetCount>> {
        let on = on.unwrap_or_else(|| self.today());
        Ok(self.store.agency_counts(&iso_date(on)).await?)
    }

    /// Requires `CatalogueManage` at the scope that owns the catalogue's procedures and their
    /// workflows. Every procedure is the province's — the provincial People's Committee
    /// publishes the list, commune-level procedures included, and every agency uses the same
    /// version and workflow — so the owner is the root of the tree: an administrator of one
    /// ward reads the catalogue but changing it would change it for every ward. Reads stay open
    /// to any catalogue manager. Should procedures ever belong to one agency, this is the one
    /// place that learns it.
    pub(crate) async fn require_catalogue_owner(&self, actor: &Actor) -> AppResult<()> {
        self.require_over_whole_tree(actor, Permission::CatalogueManage)
            .await
    }

    /// Creates the next draft version of `procedure.code` (a new procedure starts at 1). The
    /// version and effective date in the input are replaced: the number is the next free one
    /// and the date is set when publishing.
    pub async fn create_procedure_draft(
        &self,
        actor: &Actor,
        procedure: &Procedure,
    ) -> AppResult<ProcedureVersion> {
        self.require_catalogue_owner(actor).await?;
        let mut procedure = procedure.clone();
        procedure.version = 1;
        procedure
            .validate()
            .map_err(|p| AppError::Invalid(procedure_problems(p)))?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let next = tx.max_procedure_version(&procedure.code).await? + 1;
        procedure.version =
            u32::try_from(next).map_err(|_| AppError::Conflict("error-conflict"))?;
        let id = tx
            .insert_procedure(&procedure, STATUS_DRAFT, actor.id(), now)
            .await?;
        tx.append_audit(
            &actor.audit(
                "catalogue.create",
                Some(format!("procedure:{}", procedure.code)),
                json!({ "version": next, "name": procedure.name }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.search_lexicon.invalidate();
        let row = self.store.procedure_version(&procedure.code, next).await?;
        debug_assert_eq!(row.id, id);
        version_of(row)
    }

    /// Replaces the content of a draft; published versions are never changed.
    pub async fn update_procedure_draft(
        &self,
        actor: &Actor,
        code: &str,
        version: i64,
        procedure: &Procedure,
    ) -> AppResult<ProcedureVersion> {
        self.require_catalogue_owner(actor).await?;
        let mut procedure = procedure.clone();
        procedure.version = u32::try_from(version).map_err(|_| AppError::NotFound)?;
        if procedure.code != code {
            return Err(AppError::invalid("code", "catalogue-code-changed"));
        }
        procedure
            .validate()
            .map_err(|p| AppError::Invalid(procedure_problems(p)))?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let row = tx.procedure_version(code, version).await?;
        if row.is_published() {
            return Err(AppError::Conflict("catalogue-already-published"));
        }
        tx.update_procedure(row.id, &procedure, STATUS_DRAFT, None)
            .await?;
        tx.append_audit(
            &actor.audit(
                "catalogue.update",
                Some(format!("procedure:{code}")),
                json!({ "version": version, "name": procedure.name }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.search_lexicon.invalidate();
        version_of(self.store.procedure_version(code, version).await?)
    }

    /// Publishes a draft, in force from `effective_from`. Only the operator (system) may
    /// publish with a date in the past: it would change how received dossiers are judged.
    pub async fn publish_procedure(
        &self,
        actor: &Actor,
        code: &str,
        version: i64,
        effective_from: Date,
    ) -> AppResult<ProcedureVersion> {
        self.require_catalogue_owner(actor).await?;
        if effective_from < self.today() && actor.principal != Principal::System {
            return Err(AppError::invalid(
                "effective_from",
                "catalogue-date-in-past",
            ));
        }
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let row = tx.procedure_version(code, version).await?;
        if row.is_published() {
            return Err(AppError::Conflict("catalogue-already-published"));
        }
        let mut procedure = row.procedure()?;
        procedure.effective_from = effective_from;
        procedure
            .validate()
            .map_err(|p| AppError::Invalid(procedure_problems(p)))?;
        tx.update_procedure(row.id, &procedure, STATUS_PUBLISHED, Some(now))
            .await?;
        tx.append_audit(
            &actor.audit(
                "catalogue.publish",
                Some(format!("procedure:{code}")),
                json!({ "version": version, "effective_from": iso_date(effective_from) }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.search_lexicon.invalidate();
        version_of(self.store.procedure_version(code, version).await?)
    }

    /// Checks an applicant's answers against the form schema of the version of `code` in force
    /// on `on` (today when absent). The dossier module calls this before accepting a dossier.
    pub async fn validate_procedure_form(
        &self,
        code: &str,
        on: Option<Date>,
        values: &FormValues,
    ) -> AppResult<ValidatedForm> {
        let version = self.procedure_in_force_shared(code, on).await?;
        self.validate_form_of(&version, values)
    }

    /// Checks an applicant's answers against the form schema of one version.
    pub fn validate_form_of(
        &self,
        version: &ProcedureVersion,
        values: &FormValues,
    ) -> AppResult<ValidatedForm> {
        version
            .procedure
            .form_schema
            .validate(values, self.today())
            .map_err(|errors| {
                AppError::Invalid(
                    errors
                        .into_iter()
                        .map(|e| InvalidField::new(&e.path, e.code.as_str()))
                        .collect(),
                )
            })
    }
}

/// The words to mark in results: every spelling the plan looks for, the one still being typed
/// last (the highlighter treats only the last as a prefix).
fn highlight_terms(plan: &SearchPlan) -> (Vec<String>, bool) {
    let mut marked = Vec::new();
    let mut prefix = None;
    for group in plan.readings.iter().flat_map(|r| &r.groups) {
        for spelling in &group.spellings {
            if group.prefix {
                prefix.get_or_insert_with(|| spelling.clone());
            } else if !marked.contains(spelling) {
                marked.push(spelling.clone());
            }
        }
    }
    let has_prefix = prefix.is_some();
    marked.extend(prefix);
    (marked, has_prefix)
}
