//! Outgoing documents signed for real (ký số văn bản đi, NĐ 30/2020 Điều 14 and Phụ lục I).
//!
//! The leader signs the document as it will be printed, with the number and the date still
//! blank: the layout is rendered with its blanks, and the leader's personal key signs it with
//! the image of their handwritten signature between their title and name. After the clerk takes
//! the number, the seal signs an incremental update that stamps the number and the date of
//! issue into the very blanks of the leader's file and draws the seal over the left third of
//! the leader's image. Nothing before the seal's update changes, so the leader's signature stays
//! valid (with later additions) and the seal's covers the whole file.
//!
//! An installation without signing keys signs on paper: the commands only record who signed.

use super::*;
use crate::signatures::{PersonalKey, Seal};
use motcua_render::format::day_and_month;
use motcua_render::{Mark, MarkKind};
use motcua_signing::Image;
use motcua_signing::sign::{Appearance, SignRequest, Stamp, StandardFont, Visible};
use motcua_store::people::OfficialRow;
use serde::Deserialize;

/// A signed PDF already in the blob store, to be recorded in the command's transaction.
#[derive(Debug, Clone)]
pub(super) struct SignedPdf {
    pub sha256: String,
    pub size: i64,
    /// At the first signature: where the blanks and the signer's image are (JSON).
    pub layout: Option<String>,
}

/// Where the leader's file keeps its blanks, and where the signer's image was drawn (the seal
/// goes over its left third).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SignedLayout {
    marks: Vec<Mark>,
    /// `[x1, y1, x2, y2]` in points on the signature's page, when an image was drawn.
    signer_image: Option<[f64; 4]>,
}

impl SignedLayout {
    fn mark(&self, kind: MarkKind) -> Option<&Mark> {
        self.marks.iter().find(|m| m.kind == kind)
    }
}

/// The seal's diameter on the page: 36 mm, as the round seals of state bodies are drawn.
const SEAL_DIAMETER: f64 = 36.0 * 72.0 / 25.4;
/// The signer's image takes the signature room's height and at most this share of its width.
const SIGNER_IMAGE_SHARE: f64 = 0.8;

/// Where the seal goes: its right edge a third into the signer's image, centred on it
/// vertically; without an image, over the left part of the signature room.
fn seal_rect(signer_image: Option<[f64; 4]>, room: [f64; 4]) -> [f64; 4] {
    let (right, centre) = match signer_image {
        Some([x1, y1, x2, y2]) => (x1 + (x2 - x1) / 3.0, (y1 + y2) / 2.0),
        None => (
            room[0] + (room[2] - room[0]) * 0.45,
            (room[1] + room[3]) / 2.0,
        ),
    };
    let d = SEAL_DIAMETER;
    [right - d, centre - d / 2.0, right, centre + d / 2.0]
}

/// A visible signature showing `image` over the whole of `rect`.
fn image_signature(page: usize, rect: [f64; 4], image: &Image) -> Visible {
    let [x1, y1, x2, y2] = rect;
    Visible {
        page,
        rect,
        appearance: Appearance {
            content: image.fit_in("Im1", [0.0, 0.0, x2 - x1, y2 - y1]),
            images: vec![("Im1".to_owned(), image.clone())],
            ..Appearance::default()
        },
    }
}

/// How far above a blank's bottom edge the line's baseline runs (Typst sits an inline box on
/// the baseline).
const BLANK_BASELINE: f64 = 0.0;

/// The stamp writing `text` in the blank `mark`, in the size of the text around it.
fn blank_stamp(mark: &Mark, text: &str, size: f64) -> Option<Stamp> {
    let [x1, _, x2, _] = mark.rect;
    Some(Stamp {
        page: mark.page,
        rect: mark.rect,
        appearance: Appearance::centered_text(
            StandardFont::TimesRoman,
            size,
            text,
            x2 - x1,
            BLANK_BASELINE,
        )?,
        contents: Some(text.to_owned()),
    })
}

impl App {
    /// Whether outgoing documents are signed electronically: the installation has signing
    /// keys. Without, the leader's and the clerk's commands record a paper signature.
    pub fn signs_documents(&self) -> bool {
        !self.signatures.seals.is_empty() || !self.signatures.personal.is_empty()
    }

    fn personal_key(&self, username: &str) -> Option<PersonalKey> {
        self.signatures
            .personal
            .iter()
            .find(|p| p.username == username)
            .cloned()
    }

    /// The leader's personal signature on the document as it will print with them as the
    /// signer. Reads and writes blobs only: call before the command's transaction. `None` on
    /// an installation that signs on paper.
    pub(super) async fn sign_document_personally(
        &self,
        row: &DocumentRow,
        signer: &OfficialRow,
        position: Option<String>,
    ) -> AppResult<Option<SignedPdf>> {
        if !self.signs_documents() {
            return Ok(None);
        }
        let key = self
            .personal_key(&signer.username)
            .ok_or(AppError::Conflict("document-sign-no-personal-key"))?;
        let mut document = self.official_document_of(row).await?;
        document.signature.name = Some(signer.full_name.clone());
        document.signature.position = position;
        document.number = None;
        document.date = None;
        let place = document.place.clone();
        let rendered = self
            .render_marked(FormDocument::OfficialDocument(document))
            .await?;
        let room = rendered
            .marks
            .iter()
            .find(|m| m.kind == MarkKind::Signature)
            .copied();
        let mut request = SignRequest::new(
            self.now()
                .to_offset(motcua_domain::calendar::VIETNAM_OFFSET),
        );
        request.reason = Some(format!("Ký ban hành văn bản: {}", row.subject));
        request.location = Some(place);
        let mut signer_image = None;
        if let (Some(image), Some(room)) = (key.image.as_deref(), room) {
            let [x1, y1, x2, y2] = room.rect;
            let margin = (x2 - x1) * (1.0 - SIGNER_IMAGE_SHARE) / 2.0;
            let rect = image.fitted([x1 + margin, y1, x2 - margin, y2]);
            signer_image = Some(rect);
            request.visible = Some(image_signature(room.page, rect, image));
        }
        let signed = self
            .sign_pdf(&rendered.pdf, &request, key.key.as_ref())
            .await
            .map_err(|e| {
                crate::signatures::signing_error("the personal signature on a document", e)
            })?;
        let layout = serde_json::to_string(&SignedLayout {
            marks: rendered.marks,
            signer_image,
        })
        .map_err(|e| AppError::Internal(e.into()))?;
        self.keep_signed(signed, Some(layout)).await.map(Some)
    }

    /// The clerk's seal on an issued document: the number and the date of issue stamped into
    /// the blanks of the leader's file, the seal's image over the left third of the leader's,
    /// the whole signed with the seal of the body (or of the nearest unit above it with one).
    /// A document the leader signed on paper is rendered anew, number and date printed, and
    /// sealed. Call before the command's transaction; `None` on an installation that signs on
    /// paper.
    pub(super) async fn seal_document(&self, row: &DocumentRow) -> AppResult<Option<SignedPdf>> {
        if !self.signs_documents() {
            return Ok(None);
        }
        let seal: Seal = self
            .seal_for(&row.body_path)
            .await?
            .ok_or(AppError::Conflict("document-sign-no-seal"))?;
        let number = row
            .number
            .and_then(|n| u32::try_from(n).ok())
            .map(document::format_number)
            .ok_or(AppError::Conflict("document-not-allowed-in-state"))?;
        let issued_on = row
            .issued_date
            .as_deref()
            .and_then(parse_day)
            .ok_or(AppError::Conflict("document-not-allowed-in-state"))?;
        let code = row.code_number.clone().unwrap_or_default();
        let document = self.official_document_of(row).await?;
        let place = document.place.clone();
        let (pdf, layout, fresh) = match (&row.signed_pdf, &row.signed_marks) {
            (Some(sha256), Some(marks)) => {
                let bytes = self.blobs.get(sha256).await.map_err(|e| {
                    AppError::Internal(anyhow::Error::new(e).context("the signed document"))
                })?;
                let layout: SignedLayout = serde_json::from_str(marks)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("signed_marks: {e}")))?;
                (bytes.to_vec(), layout, false)
            }
            _ => {
                let rendered = self
                    .render_marked(FormDocument::OfficialDocument(document))
                    .await?;
                let layout = SignedLayout {
                    marks: rendered.marks,
                    signer_image: None,
                };
                (rendered.pdf, layout, true)
            }
        };
        let mut request = SignRequest::new(
            self.now()
                .to_offset(motcua_domain::calendar::VIETNAM_OFFSET),
        );
        request.reason = Some(format!("Ban hành văn bản số {code}"));
        request.location = Some(place);
        if !fresh {
            let (day, month) = day_and_month(issued_on);
            let year = issued_on.year().to_string();
            for (kind, text, size) in [
                (MarkKind::Number, number.as_str(), 13.0),
                (MarkKind::Day, day.as_str(), 14.0),
                (MarkKind::Month, month.as_str(), 14.0),
                (MarkKind::Year, year.as_str(), 14.0),
            ] {
                let stamp = layout
                    .mark(kind)
                    .and_then(|mark| blank_stamp(mark, text, size))
                    .ok_or_else(|| {
                        AppError::Internal(anyhow::anyhow!(
                            "the signed document {} has no {kind:?} blank",
                            row.id
                        ))
                    })?;
                request.stamps.push(stamp);
            }
        }
        if let (Some(image), Some(room)) = (seal.image.as_deref(), layout.mark(MarkKind::Signature))
        {
            let rect = seal_rect(layout.signer_image, room.rect);
            request.visible = Some(image_signature(room.page, rect, image));
        }
        let signed = self
            .sign_pdf(&pdf, &request, seal.key.as_ref())
            .await
            .map_err(|e| crate::signatures::signing_error("the seal on a document", e))?;
        let layout = if fresh {
            Some(serde_json::to_string(&layout).map_err(|e| AppError::Internal(e.into()))?)
        } else {
            None
        };
        self.keep_signed(signed, layout).await.map(Some)
    }

    async fn keep_signed(&self, signed: Vec<u8>, layout: Option<String>) -> AppResult<SignedPdf> {
        let (sha256, size) = self.keep_signed_pdf(signed).await?;
        Ok(SignedPdf {
            sha256,
            size,
            layout,
        })
    }

    /// The signatures on a document's file as a person reads them, for whoever may read the
    /// document; empty while it is not signed electronically.
    pub async fn document_signatures(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<Vec<crate::signatures::SignatureView>> {
        let row = self.readable_document(actor, id).await?;
        Ok(match self.signed_document_pdf(&row).await? {
            Some(pdf) => self.check_signatures(&pdf),
            None => Vec::new(),
        })
    }

    /// The signed file of a document, when it was signed electronically.
    pub(super) async fn signed_document_pdf(
        &self,
        row: &DocumentRow,
    ) -> AppResult<Option<Vec<u8>>> {
        let Some(sha256) = &row.signed_pdf else {
            return Ok(None);
        };
        let bytes = self.blobs.get(sha256).await.map_err(|e| {
            AppError::Internal(anyhow::Error::new(e).context("the signed document"))
        })?;
        Ok(Some(bytes.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: u32, height: u32) -> Image {
        Image {
            width,
            height,
            rgb: vec![0; (width * height * 3) as usize],
            alpha: Vec::new(),
        }
    }

    #[test]
    fn a_wide_image_fits_the_room_by_its_width_centred() {
        let rect = image(200, 50).fitted([100.0, 100.0, 300.0, 200.0]);
        assert_eq!(rect, [100.0, 125.0, 300.0, 175.0]);
        let rect = image(50, 100).fitted([0.0, 0.0, 200.0, 100.0]);
        assert_eq!(rect, [75.0, 0.0, 125.0, 100.0]);
    }

    #[test]
    fn the_seal_covers_the_left_third_of_the_signers_image() {
        let signer = [300.0, 100.0, 420.0, 160.0];
        let [x1, y1, x2, y2] = seal_rect(Some(signer), [250.0, 90.0, 500.0, 170.0]);
        assert!(
            (x2 - 340.0).abs() < 1e-9,
            "right edge a third into the image"
        );
        assert!((x2 - x1 - SEAL_DIAMETER).abs() < 1e-9);
        assert!(
            ((y1 + y2) / 2.0 - 130.0).abs() < 1e-9,
            "centred on the image"
        );
        // Without an image, the seal stays inside the room's left half.
        let [x1, _, x2, _] = seal_rect(None, [250.0, 90.0, 500.0, 170.0]);
        assert!(x2 <= 250.0 + 250.0 * 0.5 && x1 >= 250.0 - SEAL_DIAMETER);
    }

    #[test]
    fn layouts_read_back_what_was_written() {
        let layout = SignedLayout {
            marks: vec![Mark {
                kind: MarkKind::Number,
                page: 0,
                rect: [1.0, 2.0, 3.0, 4.0],
            }],
            signer_image: Some([5.0, 6.0, 7.0, 8.0]),
        };
        let json = serde_json::to_string(&layout).expect("json");
        let back: SignedLayout = serde_json::from_str(&json).expect("back");
        assert_eq!(
            back.mark(MarkKind::Number).map(|m| m.rect),
            Some([1.0, 2.0, 3.0, 4.0])
        );
        assert!(back.mark(MarkKind::Day).is_none());
        assert_eq!(back.signer_image, Some([5.0, 6.0, 7.0, 8.0]));
    }
}
