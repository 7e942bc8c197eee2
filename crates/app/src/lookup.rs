//! Tra cứu hồ sơ: anyone with a dossier code (printed with a QR code on the receipt) sees its
//! procedure, status, appointment, the day to supplement by while papers are awaited, and
//! public timeline.
//!
//! A code is short and partly guessable (agency, day, counter), so the lookup is built not to be
//! a directory of who applied for what: each client address gets [`LOOKUPS_PER_MINUTE`] lookups a
//! minute, and the applicant's (masked) name appears only to a visitor who also gives something
//! only the applicant knows — the phone number on the dossier or the last digits (at least
//! [`MIN_ID_SUFFIX`]) of the personal identification number, as provincial portals ask. Proofs
//! for one code are limited too, so the suffix cannot be guessed from many addresses.

use crate::dossiers::{mask_name, rfc3339};
use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::Principal;
use motcua_domain::dossier::{CommandKind, DossierCode, DossierStatus};
use motcua_domain::identity::Phone;
use motcua_store::dossiers::DossierRow;
use serde::Serialize;

/// Lookups per client address and minute: a person checks a few codes, a scraper thousands.
pub const LOOKUPS_PER_MINUTE: u32 = 30;

/// The fewest trailing digits of a personal identification number accepted as proof.
pub const MIN_ID_SUFFIX: usize = 4;

/// What the visitor gave to see the applicant's masked name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupProof {
    /// Nothing: no name is shown.
    NotGiven,
    /// The phone number or the personal-id suffix of the applicant.
    Matched,
    /// Something that is neither (no name is shown; the page says so).
    Mismatch,
}

/// What the public lookup shows: no personal data, except the masked name after a proof.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStatus {
    pub code: String,
    pub procedure_code: String,
    pub status_code: Option<u8>,
    pub status: String,
    /// "Nguyễn V. H.", only when [`PublicStatus::proof`] is [`LookupProof::Matched`].
    pub applicant: Option<String>,
    pub proof: LookupProof,
    pub appointment: Option<String>,
    pub timeline: Vec<PublicStep>,
    /// The result's parcel when it was returned by post: tracking number and where it is.
    pub postal: Option<crate::postal::PublicPostal>,
    /// Hạn bổ sung (ISO date) while the dossier waits for papers (status 5) and the request
    /// gave a day to supplement by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplement_due: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicStep {
    pub at: String,
    pub action: String,
    pub status: Option<String>,
}

/// Whether `proof` is the applicant's phone (any of `phones`, compared as parsed numbers) or the
/// last digits of their personal identification number (at least [`MIN_ID_SUFFIX`]).
pub fn proof_matches(proof: &str, personal_id: Option<&str>, phones: &[String]) -> bool {
    if let Ok(given) = Phone::parse(proof.trim())
        && phones
            .iter()
            .any(|phone| Phone::parse(phone).is_ok_and(|known| known == given))
    {
        return true;
    }
    let digits: String = proof.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() >= MIN_ID_SUFFIX
        && digits.chars().all(|c| c.is_ascii_digit())
        && personal_id.is_some_and(|id| id.len() >= digits.len() && id.ends_with(&digits))
}

impl App {
    /// Public status by code (web page, QR, API). `proof` is the phone number or personal-id
    /// suffix the visitor typed, if any; the API never passes one and never shows a name.
    /// Refused with [`AppError::RateLimited`] past [`LOOKUPS_PER_MINUTE`] per client address (not
    /// for signed-in officials), and
    /// past 10 proofs for one code in 5 minutes.
    pub async fn lookup_dossier(
        &self,
        actor: &Actor,
        code: &str,
        proof: Option<&str>,
    ) -> AppResult<PublicStatus> {
        let now = self.now();
        let client = format!("lookup:{}", actor.ip.as_deref().unwrap_or("-"));
        // Officials are accountable and work behind one office address (a busy desk scans
        // many receipts); everyone else counts per address.
        let accountable = matches!(actor.principal, Principal::Official { .. });
        if !accountable && !self.lookup_limiter.allow(&client, now) {
            return Err(AppError::RateLimited);
        }
        let code = DossierCode::parse(code.trim())
            .map_err(|_| AppError::invalid("code", "error-dossier-code"))?
            .to_string();
        let proof = proof.map(str::trim).filter(|p| !p.is_empty());
        if proof.is_some() && !self.limiter.allow(&format!("lookup-proof:{code}"), now) {
            return Err(AppError::RateLimited);
        }
        let row = self.store.get_dossier_by_code(&code).await?;
        let proof = match proof {
            None => LookupProof::NotGiven,
            Some(proof) => {
                let (personal_id, phones) = self.applicant_contacts(&row).await?;
                if proof_matches(proof, personal_id.as_deref(), &phones) {
                    LookupProof::Matched
                } else {
                    LookupProof::Mismatch
                }
            }
        };
        let state = row.dossier()?;
        let events: Vec<_> = self
            .store
            .dossier_events(row.id)
            .await?
            .iter()
            .filter_map(|e| e.event().ok())
            .collect();
        let supplement_due = (state.status == Some(DossierStatus::SupplementRequested))
            .then(|| {
                events
                    .iter()
                    .rfind(|e| e.kind == CommandKind::RequestSupplement)
                    .and_then(|e| e.data.get("due_by").cloned())
            })
            .flatten();
        let timeline = events
            .iter()
            .map(|e| PublicStep {
                at: rfc3339(e.at),
                action: e.kind.as_str().to_owned(),
                status: e.to_status.map(|s| s.vietnamese().to_owned()),
            })
            .collect();
        Ok(PublicStatus {
            code,
            procedure_code: row.procedure_code.clone(),
            status_code: state.status.map(DossierStatus::national_code),
            status: state
                .status
                .map(DossierStatus::vietnamese)
                .unwrap_or_default()
                .to_owned(),
            applicant: (proof == LookupProof::Matched).then(|| mask_name(&row.applicant_name)),
            proof,
            appointment: state.appointment.map(|a| rfc3339(a.due())),
            timeline,
            postal: self.public_postal(row.id).await?,
            supplement_due,
        })
    }

    /// The applicant's personal identification number and phone numbers: the dossier's own,
    /// the phone fields of its form, and the account's.
    async fn applicant_contacts(
        &self,
        row: &DossierRow,
    ) -> AppResult<(Option<String>, Vec<String>)> {
        let mut personal_id = row.applicant_personal_id.clone();
        let mut phones: Vec<String> = serde_json::from_str::<serde_json::Value>(&row.form)
            .ok()
            .and_then(|form| form.as_object().cloned())
            .map(|form| {
                form.iter()
                    .filter(|(key, _)| key.contains("dien_thoai"))
                    .filter_map(|(_, value)| value.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(citizen_id) = row.citizen_id {
            let citizen = self.store.get_citizen(citizen_id).await?;
            phones.extend(citizen.phone);
            if personal_id.is_none() {
                personal_id = Some(citizen.personal_id);
            }
        }
        Ok((personal_id, phones))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_is_the_phone_or_the_last_digits_of_the_personal_id() {
        let phones = ["0912 345 678".to_owned()];
        let id = Some("092095001234");
        for good in [
            "0912345678",
            "+84 912 345 678",
            "1234",
            "01234",
            "092095001234",
        ] {
            assert!(proof_matches(good, id, &phones), "{good}");
        }
        for bad in [
            "",
            "234",
            "4321",
            "0912345679",
            "x1234",
            "1092095001234",
            "12 34x",
        ] {
            assert!(!proof_matches(bad, id, &phones), "{bad}");
        }
        assert!(!proof_matches("1234", None, &[]), "nothing to compare with");
    }
}
