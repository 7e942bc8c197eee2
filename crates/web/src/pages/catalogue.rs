//! Public catalogue pages: search and browse (`/procedures`, a plain GET form that works
//! without JavaScript) and the printable detail page of one procedure (`/procedures/{code}`)
//! showing everything the law requires to be public.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::i18n::{self, Lang};
use crate::pages::layout::{Page, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use motcua_app::catalogue::{SearchItem, SearchParams, parse_iso_date};
use motcua_app::views::FacetCount;
use motcua_domain::highlight::Segment;
use motcua_domain::procedure::{AgencyKind, OnlineLevel, Procedure, TimeLimit, TimeUnit};
use serde::Deserialize;

/// The search form's fields (all optional; unknown ones are ignored so old links keep working).
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub online: String,
    pub page: Option<u32>,
}

impl SearchForm {
    /// The query string of this search on another page.
    fn link(&self, page: u32) -> String {
        let pairs = [
            ("q", self.q.as_str()),
            ("sector", self.sector.as_str()),
            ("agency", self.agency.as_str()),
            ("level", self.level.as_str()),
            ("online", self.online.as_str()),
        ];
        let mut query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        query.push(format!("page={page}"));
        format!("/procedures?{}", query.join("&"))
    }
}

fn urlencode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn opt(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// One result row.
pub struct ResultView {
    pub code: String,
    pub name: Vec<Segment>,
    pub snippet: Vec<Segment>,
    pub sector: String,
    pub agency: String,
    pub level_key: String,
    pub online_key: String,
}

impl From<SearchItem> for ResultView {
    fn from(item: SearchItem) -> Self {
        let p = &item.procedure;
        ResultView {
            level_key: format!("level-{}", p.level.as_str()),
            online_key: format!("online-{}", p.online_level.as_str()),
            code: p.code.clone(),
            name: item.name,
            snippet: item.snippet,
            sector: p.sector.name.clone(),
            agency: p.agency.clone(),
        }
    }
}

/// A choice in a filter select box.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "catalogue/search.html")]
struct SearchPage {
    page: Page,
    form: SearchForm,
    results: Vec<ResultView>,
    total: i64,
    current: u32,
    pages: u32,
    previous: Option<String>,
    next: Option<String>,
    sectors: Vec<Choice>,
    agencies: Vec<Choice>,
    levels: Vec<Choice>,
    onlines: Vec<Choice>,
    sector_links: Vec<FacetCount>,
}

fn choices(lang: Lang, values: Vec<(String, String)>, selected: &str) -> Vec<Choice> {
    let mut list = vec![Choice {
        value: String::new(),
        label: i18n::t(lang, "catalogue-any"),
        selected: selected.is_empty(),
    }];
    list.extend(values.into_iter().map(|(value, label)| Choice {
        selected: value == selected,
        value,
        label,
    }));
    list
}

pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(form): Query<SearchForm>,
) -> WebResult<Response> {
    let params = SearchParams {
        q: form.q.clone(),
        sector: opt(&form.sector),
        agency_kind: opt(&form.agency),
        level: opt(&form.level),
        online_level: opt(&form.online),
        page: form.page.unwrap_or(1),
        per_page: 0,
        on: None,
    };
    let result = state.app.search_procedures(&params).await.ctx(&ctx)?;
    let sectors = state.app.catalogue_sectors(None).await.ctx(&ctx)?;
    let agencies = state.app.catalogue_agencies(None).await.ctx(&ctx)?;
    let lang = ctx.lang;
    let pages = result.pages();
    let current = result.page;
    let page = Page::new(&ctx, "catalogue-title");
    let sector_choices = choices(
        lang,
        sectors
            .iter()
            .map(|s| (s.key.clone(), format!("{} ({})", s.label, s.count)))
            .collect(),
        &form.sector,
    );
    let agency_choices = choices(
        lang,
        agencies
            .iter()
            .map(|a| {
                let label = AgencyKind::parse(&a.key)
                    .map(|k| i18n::t(lang, &format!("agency-{}", k.as_str())))
                    .unwrap_or_else(|| a.key.clone());
                (a.key.clone(), format!("{label} ({})", a.count))
            })
            .collect(),
        &form.agency,
    );
    let level_choices = choices(
        lang,
        ["province", "commune"]
            .into_iter()
            .map(|l| (l.to_owned(), i18n::t(lang, &format!("level-{l}"))))
            .collect(),
        &form.level,
    );
    let online_choices = choices(
        lang,
        OnlineLevel::ALL
            .into_iter()
            .map(|o| {
                (
                    o.as_str().to_owned(),
                    i18n::t(lang, &format!("online-{}", o.as_str())),
                )
            })
            .collect(),
        &form.online,
    );
    Ok(render(&SearchPage {
        page,
        previous: (current > 1).then(|| form.link(current - 1)),
        next: (current < pages).then(|| form.link(current + 1)),
        results: result.items.into_iter().map(Into::into).collect(),
        total: result.total,
        current,
        pages,
        sectors: sector_choices,
        agencies: agency_choices,
        levels: level_choices,
        onlines: online_choices,
        sector_links: sectors,
        form,
    }))
}

/// Which version to show on the detail page.
#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub version: Option<i64>,
    pub on: Option<String>,
}

/// A processing-time limit in words.
pub struct LimitView {
    pub value: u32,
    pub unit_key: String,
    pub channel_key: Option<String>,
}

impl From<&TimeLimit> for LimitView {
    fn from(limit: &TimeLimit) -> Self {
        LimitView {
            value: limit.value,
            unit_key: format!("unit-{}", limit.unit.as_str()),
            channel_key: limit.channel.map(|c| format!("channel-{}", c.as_str())),
        }
    }
}

impl LimitView {
    pub fn same_day(&self) -> bool {
        self.unit_key == format!("unit-{}", TimeUnit::SameDay.as_str())
    }
}

#[derive(Template)]
#[template(path = "catalogue/detail.html")]
struct DetailPage {
    page: Page,
    p: Procedure,
    version: i64,
    status: String,
    effective: String,
    level_key: String,
    online_key: String,
    agency_kind_key: String,
    limits: Vec<LimitView>,
    can_manage: bool,
    /// The procedure takes online submissions (its published version).
    online: bool,
}

impl DetailPage {
    /// The translated name of an enumerated value, e.g. `label("channel", "online")`.
    fn label(&self, prefix: &str, value: &str) -> String {
        i18n::t(self.page.lang, &format!("{prefix}-{value}"))
    }

    fn money(&self, amount: &i64) -> String {
        i18n::format_money(*amount)
    }

    fn date(&self, date: &time::Date) -> String {
        i18n::format_date(*date)
    }
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<DetailQuery>,
) -> WebResult<Response> {
    let version = match query.version {
        Some(version) => {
            state
                .app
                .procedure_version(&ctx.actor(), &code, version)
                .await
        }
        None => {
            let on = query.on.as_deref().and_then(parse_iso_date);
            state.app.procedure_in_force(&code, on).await
        }
    }
    .ctx(&ctx)?;
    let p = version.procedure;
    let status_is_published = version.row.status == "published";
    let mut page = Page::new(&ctx, "catalogue-detail-title");
    page.title = p.name.clone();
    let can_manage = ctx.principal.check(motcua_domain::authz::Access::Staff(
        motcua_domain::authz::Permission::CatalogueManage,
    )) == motcua_domain::authz::Decision::Allow;
    Ok(render(&DetailPage {
        page,
        version: version.row.version,
        status: version.row.status,
        effective: i18n::format_date(p.effective_from),
        level_key: format!("level-{}", p.level.as_str()),
        online_key: format!("online-{}", p.online_level.as_str()),
        agency_kind_key: format!("agency-{}", p.agency_kind.as_str()),
        limits: p.processing_time.limits.iter().map(Into::into).collect(),
        can_manage,
        online: status_is_published
            && p.channels
                .contains(&motcua_domain::procedure::Channel::Online),
        p,
    }))
}
