//! The JSON shapes of the catalogue API. A procedure itself travels in the `data/catalogue`
//! format (documented in `data/catalogue/README.md`), so it appears here as an object.

use motcua_app::catalogue::{ProcedureVersion, SearchItem, SearchResult};
use motcua_app::views::FacetCount;
use motcua_domain::highlight::Segment;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Search and browse parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ApiSearchQuery {
    /// Free text, with or without diacritics; empty lists everything.
    pub q: Option<String>,
    /// Sector code (lĩnh vực), e.g. `ho-tich`.
    pub sector: Option<String>,
    /// Agency kind, e.g. `commune_committee`.
    pub agency: Option<String>,
    /// Implementing level: `province` or `commune` (`district` in old versions).
    pub level: Option<String>,
    /// Online level: `full` (toàn trình), `partial` (một phần) or `info`.
    pub online: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
    /// Results per page (default 20, at most 100).
    pub per_page: Option<u32>,
}

/// A piece of highlighted text: `mark` is true for words that matched the query.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiSegment {
    pub text: String,
    pub mark: bool,
}

fn segments(items: Vec<Segment>) -> Vec<ApiSegment> {
    items
        .into_iter()
        .map(|s| ApiSegment {
            text: s.text,
            mark: s.mark,
        })
        .collect()
}

/// One search result.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiProcedureSummary {
    /// National code, e.g. `1.000894`.
    pub code: String,
    pub version: u32,
    pub name: String,
    /// The name with matched words marked.
    pub name_highlighted: Vec<ApiSegment>,
    /// A passage of the description with matched words marked.
    pub snippet: Vec<ApiSegment>,
    /// True when every query word is in the name.
    pub name_match: bool,
    pub sector_code: String,
    pub sector_name: String,
    pub level: String,
    pub agency: String,
    pub agency_kind: String,
    pub online_level: String,
    /// `YYYY-MM-DD`.
    pub effective_from: String,
}

impl From<SearchItem> for ApiProcedureSummary {
    fn from(item: SearchItem) -> Self {
        let p = &item.procedure;
        ApiProcedureSummary {
            effective_from: motcua_app::catalogue::iso_date(p.effective_from),
            code: p.code.clone(),
            version: p.version,
            name: p.name.clone(),
            name_highlighted: segments(item.name),
            snippet: segments(item.snippet),
            name_match: item.name_match,
            sector_code: p.sector.code.clone(),
            sector_name: p.sector.name.clone(),
            level: p.level.as_str().to_owned(),
            agency: p.agency.clone(),
            agency_kind: p.agency_kind.as_str().to_owned(),
            online_level: p.online_level.as_str().to_owned(),
        }
    }
}

/// A page of search results.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiSearchResult {
    pub page: u32,
    pub per_page: u32,
    pub pages: u32,
    pub total: i64,
    pub items: Vec<ApiProcedureSummary>,
}

impl From<SearchResult> for ApiSearchResult {
    fn from(result: SearchResult) -> Self {
        ApiSearchResult {
            page: result.page,
            per_page: result.per_page,
            pages: result.pages(),
            total: result.total,
            items: result.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// One version of a procedure.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiProcedureVersion {
    pub code: String,
    pub version: i64,
    /// `draft` or `published`.
    pub status: String,
    /// `YYYY-MM-DD`.
    pub effective_from: String,
    /// The procedure in the `data/catalogue` format.
    #[schema(value_type = Object)]
    pub procedure: serde_json::Value,
}

impl From<ProcedureVersion> for ApiProcedureVersion {
    fn from(v: ProcedureVersion) -> Self {
        ApiProcedureVersion {
            code: v.row.code,
            version: v.row.version,
            status: v.row.status,
            effective_from: v.row.effective_from,
            procedure: serde_json::to_value(&v.procedure).unwrap_or_default(),
        }
    }
}

/// Which version of a procedure to read.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ApiVersionQuery {
    /// A specific version number (drafts only for catalogue managers).
    pub version: Option<i64>,
    /// The version in force on this day, `YYYY-MM-DD` (default: today).
    pub on: Option<String>,
}

/// A sector or agency kind with the number of procedures in force.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiFacet {
    pub key: String,
    pub label: String,
    pub count: i64,
}

impl From<FacetCount> for ApiFacet {
    fn from(f: FacetCount) -> Self {
        ApiFacet {
            key: f.key,
            label: f.label,
            count: f.count,
        }
    }
}

/// Browse lists: sectors (label = name) and agency kinds (label = level).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiSectors {
    pub sectors: Vec<ApiFacet>,
    pub agencies: Vec<ApiFacet>,
}

/// Publishing a draft.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiPublishInput {
    /// First day in force, `YYYY-MM-DD`, today or later.
    pub effective_from: String,
}

/// What a catalogue import did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiCatalogueImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Entries that differed from a published version and became new drafts.
    pub drafted: usize,
}

/// A form that passed validation, with its normalised values.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiFormValid {
    pub valid: bool,
    #[schema(value_type = Object)]
    pub values: serde_json::Value,
}
