//! Internal consistency of a catalogue entry: what an administrator (or a data file) got wrong.
//!
//! [`Procedure::validate`] runs on every import and in a test over the whole demo catalogue. It
//! reports every problem at once, each with a path into the entry and a stable kind, so an
//! editor can fix a file in one pass.

use super::form::{Field, FieldKind, FormSchema};
use super::{Channel, OnlineLevel, Procedure, TimeUnit};
use crate::text::nfc;
use serde::Serialize;
use std::collections::HashSet;

/// Longest field id accepted in a form schema.
const FIELD_ID_MAX: usize = 64;
/// Longest text field a schema may declare (a sanity bound, not a legal one).
const TEXT_MAX_LEN: u32 = 20_000;

/// One inconsistency in a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{path}: {}", kind.as_str())]
pub struct ProcedureProblem {
    /// Where: `code`, `fees[2].amount_vnd`, `form_schema.fields[3].kind.options`.
    pub path: String,
    pub kind: ProblemKind,
}

/// What is wrong. `as_str` gives a stable id for messages and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A text that must be filled in is empty.
    Empty,
    /// The national code is not `N.NNNNNN`.
    BadCode,
    /// The local code does not start with the national code.
    BadLocalCode,
    /// Text is not in Unicode NFC (it was typed or pasted decomposed).
    NotNfc,
    /// A list that must have at least one item is empty.
    NoItems,
    /// The same item appears twice in a list that should not repeat.
    Duplicate,
    /// The online level promises online submission but the online channel is missing.
    OnlineLevelWithoutChannel,
    /// A processing time of zero (other than "same day").
    ZeroTime,
    /// Two processing times for the same channel (or two for all channels).
    ConflictingTimes,
    /// A processing time or fee is given for a channel the procedure does not offer.
    ChannelNotOffered,
    NegativeAmount,
    /// A document count of zero.
    ZeroCount,
    /// The version number is zero (versions start at 1).
    ZeroVersion,
    /// A field id that is not `[a-z][a-z0-9_]*` of at most 64 characters.
    BadFieldId,
    /// A length limit of zero or above the sanity bound.
    BadLength,
    /// A minimum above its maximum, or a bound that is not a finite number.
    BadRange,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "procedure-empty",
            Self::BadCode => "procedure-bad-code",
            Self::BadLocalCode => "procedure-bad-local-code",
            Self::NotNfc => "procedure-not-nfc",
            Self::NoItems => "procedure-no-items",
            Self::Duplicate => "procedure-duplicate",
            Self::OnlineLevelWithoutChannel => "procedure-online-level-without-channel",
            Self::ZeroTime => "procedure-zero-time",
            Self::ConflictingTimes => "procedure-conflicting-times",
            Self::ChannelNotOffered => "procedure-channel-not-offered",
            Self::NegativeAmount => "procedure-negative-amount",
            Self::ZeroCount => "procedure-zero-count",
            Self::ZeroVersion => "procedure-zero-version",
            Self::BadFieldId => "procedure-bad-field-id",
            Self::BadLength => "procedure-bad-length",
            Self::BadRange => "procedure-bad-range",
        }
    }
}

/// Whether `code` is a national TTHC code: one digit, a dot, six digits (`1.001193`).
pub fn is_national_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 8
        && bytes[0].is_ascii_digit()
        && bytes[1] == b'.'
        && bytes[2..].iter().all(u8::is_ascii_digit)
}

/// Accumulates problems with their paths.
#[derive(Default)]
struct Report {
    problems: Vec<ProcedureProblem>,
}

impl Report {
    fn add(&mut self, path: impl Into<String>, kind: ProblemKind) {
        self.problems.push(ProcedureProblem {
            path: path.into(),
            kind,
        });
    }

    /// A display text: must be non-empty and NFC.
    fn text(&mut self, path: impl Into<String>, value: &str) {
        let path = path.into();
        if value.trim().is_empty() {
            self.add(path, ProblemKind::Empty);
        } else if nfc(value) != value {
            self.add(path, ProblemKind::NotNfc);
        }
    }

    fn optional_text(&mut self, path: impl Into<String>, value: Option<&str>) {
        if let Some(value) = value {
            self.text(path, value);
        }
    }

    fn non_empty<T>(&mut self, path: &str, items: &[T]) {
        if items.is_empty() {
            self.add(path, ProblemKind::NoItems);
        }
    }

    fn unique<T: PartialEq>(&mut self, path: &str, items: &[T]) {
        let repeated = items
            .iter()
            .enumerate()
            .any(|(index, item)| items[..index].contains(item));
        if repeated {
            self.add(path, ProblemKind::Duplicate);
        }
    }
}

impl Procedure {
    /// Checks the entry for internal consistency.
    ///
    /// # Errors
    /// Every problem found, with its path.
    pub fn validate(&self) -> Result<(), Vec<ProcedureProblem>> {
        let mut report = Report::default();
        self.check_identity(&mut report);
        self.check_channels(&mut report);
        self.check_documents(&mut report);
        self.check_times(&mut report);
        self.check_fees(&mut report);
        self.check_legal_basis(&mut report);
        check_schema(&self.form_schema, "form_schema", &mut report);
        if report.problems.is_empty() {
            Ok(())
        } else {
            Err(report.problems)
        }
    }

    fn check_identity(&self, report: &mut Report) {
        if self.code.trim().is_empty() {
            report.add("code", ProblemKind::Empty);
        } else if !is_national_code(&self.code) {
            report.add("code", ProblemKind::BadCode);
        }
        if let Some(local) = &self.local_code {
            let follows = local
                .strip_prefix(&self.code)
                .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1);
            if !follows {
                report.add("local_code", ProblemKind::BadLocalCode);
            }
        }
        report.text("name", &self.name);
        report.optional_text("description", self.description.as_deref());
        report.text("sector.code", &self.sector.code);
        report.text("sector.name", &self.sector.name);
        report.text("agency", &self.agency);
        report.text("result", &self.result);
        report.optional_text("fee_note", self.fee_note.as_deref());
        report.non_empty("applicant_types", &self.applicant_types);
        report.unique("applicant_types", &self.applicant_types);
        report.non_empty("steps", &self.steps);
        for (index, step) in self.steps.iter().enumerate() {
            report.text(format!("steps[{index}]"), step);
        }
        for (index, condition) in self.conditions.iter().enumerate() {
            report.text(format!("conditions[{index}]"), condition);
        }
        if self.version == 0 {
            report.add("version", ProblemKind::ZeroVersion);
        }
    }

    fn check_channels(&self, report: &mut Report) {
        report.non_empty("channels", &self.channels);
        report.unique("channels", &self.channels);
        let online = self.channels.contains(&Channel::Online);
        let promises_online = matches!(self.online_level, OnlineLevel::Full | OnlineLevel::Partial);
        if promises_online && !online {
            report.add("online_level", ProblemKind::OnlineLevelWithoutChannel);
        }
    }

    fn check_documents(&self, report: &mut Report) {
        for (index, document) in self.required_documents.iter().enumerate() {
            let path = format!("required_documents[{index}]");
            report.text(format!("{path}.name"), &document.name);
            report.optional_text(format!("{path}.template"), document.template.as_deref());
            report.optional_text(format!("{path}.note"), document.note.as_deref());
            if document.count == 0 {
                report.add(format!("{path}.count"), ProblemKind::ZeroCount);
            }
        }
    }

    fn check_times(&self, report: &mut Report) {
        let limits = &self.processing_time.limits;
        report.non_empty("processing_time.limits", limits);
        for (index, limit) in limits.iter().enumerate() {
            let path = format!("processing_time.limits[{index}]");
            if limit.value == 0 && limit.unit != TimeUnit::SameDay {
                report.add(format!("{path}.value"), ProblemKind::ZeroTime);
            }
            if limits[..index]
                .iter()
                .any(|other| other.channel == limit.channel)
            {
                report.add(format!("{path}.channel"), ProblemKind::ConflictingTimes);
            }
            if let Some(channel) = limit.channel
                && !self.channels.contains(&channel)
            {
                report.add(format!("{path}.channel"), ProblemKind::ChannelNotOffered);
            }
        }
        report.optional_text("processing_time.note", self.processing_time.note.as_deref());
    }

    fn check_fees(&self, report: &mut Report) {
        for (index, fee) in self.fees.iter().enumerate() {
            let path = format!("fees[{index}]");
            report.text(format!("{path}.name"), &fee.name);
            if fee.amount_vnd < 0 {
                report.add(format!("{path}.amount_vnd"), ProblemKind::NegativeAmount);
            }
            if let Some(channel) = fee.channel
                && !self.channels.contains(&channel)
            {
                report.add(format!("{path}.channel"), ProblemKind::ChannelNotOffered);
            }
            report.optional_text(format!("{path}.per"), fee.per.as_deref());
            report.optional_text(format!("{path}.note"), fee.note.as_deref());
            for (number, exemption) in fee.exemptions.iter().enumerate() {
                report.text(format!("{path}.exemptions[{number}]"), exemption);
            }
        }
    }

    fn check_legal_basis(&self, report: &mut Report) {
        report.non_empty("legal_basis", &self.legal_basis);
        for (index, citation) in self.legal_basis.iter().enumerate() {
            let path = format!("legal_basis[{index}]");
            report.text(format!("{path}.number"), &citation.number);
            report.text(format!("{path}.title"), &citation.title);
            report.text(format!("{path}.issuer"), &citation.issuer);
        }
    }
}

impl FormSchema {
    /// Checks the schema itself (ids, labels, bounds), independent of any submission.
    ///
    /// # Errors
    /// Every problem found, with paths starting at `fields`.
    pub fn check(&self) -> Result<(), Vec<ProcedureProblem>> {
        let mut report = Report::default();
        check_fields(&self.fields, "fields", &mut report);
        if report.problems.is_empty() {
            Ok(())
        } else {
            Err(report.problems)
        }
    }
}

fn check_schema(schema: &FormSchema, path: &str, report: &mut Report) {
    report.non_empty(&format!("{path}.fields"), &schema.fields);
    check_fields(&schema.fields, &format!("{path}.fields"), report);
}

/// Whether `id` is `[a-z][a-z0-9_]*` and not too long.
fn is_field_id(id: &str) -> bool {
    id.len() <= FIELD_ID_MAX
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_fields(fields: &[Field], path: &str, report: &mut Report) {
    let mut seen = HashSet::new();
    for (index, field) in fields.iter().enumerate() {
        let here = format!("{path}[{index}]");
        if !is_field_id(&field.id) {
            report.add(format!("{here}.id"), ProblemKind::BadFieldId);
        }
        if !seen.insert(field.id.as_str()) {
            report.add(format!("{here}.id"), ProblemKind::Duplicate);
        }
        report.text(format!("{here}.label"), &field.label);
        report.optional_text(format!("{here}.help"), field.help.as_deref());
        check_kind(&field.kind, &format!("{here}.kind"), report);
    }
}

fn check_kind(kind: &FieldKind, path: &str, report: &mut Report) {
    match kind {
        FieldKind::Text { max_len, .. } | FieldKind::LongText { max_len } => {
            if *max_len == 0 || *max_len > TEXT_MAX_LEN {
                report.add(format!("{path}.max_len"), ProblemKind::BadLength);
            }
        }
        FieldKind::Number { min, max, .. } => {
            let finite = min.is_none_or(f64::is_finite) && max.is_none_or(f64::is_finite);
            let ordered = match (min, max) {
                (Some(min), Some(max)) => min <= max,
                _ => true,
            };
            if !finite || !ordered {
                report.add(path, ProblemKind::BadRange);
            }
        }
        FieldKind::Choice { options, .. } => {
            report.non_empty(&format!("{path}.options"), options);
            let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
            report.unique(&format!("{path}.options"), &values);
            for (index, option) in options.iter().enumerate() {
                report.text(format!("{path}.options[{index}].value"), &option.value);
                report.text(format!("{path}.options[{index}].label"), &option.label);
            }
        }
        FieldKind::Group { fields, min, max } => {
            report.non_empty(&format!("{path}.fields"), fields);
            if *max == 0 || min > max {
                report.add(path, ProblemKind::BadRange);
            }
            check_fields(fields, &format!("{path}.fields"), report);
        }
        FieldKind::Date { .. }
        | FieldKind::PersonalId
        | FieldKind::Phone
        | FieldKind::Email
        | FieldKind::Address { .. }
        | FieldKind::Checkbox => {}
    }
}
