//! Signing a PDF: the incremental update with a placeholder, the digest, the CMS.

use crate::cms_build;
use crate::keys::KeySource;
use crate::pdf::{self, Document, Obj, dict_get, dict_set};
use crate::tsa::Timestamper;
use crate::{KeyAlgorithm, SignError};
use der::asn1::SetOfVec;
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;

/// What to write into the signature dictionary.
#[derive(Debug, Clone)]
pub struct SignRequest {
    /// `/Reason` (any text, Vietnamese included).
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact: Option<String>,
    /// `/M`, the claimed signing time (shown with its offset, e.g. +07:00).
    pub signing_time: time::OffsetDateTime,
    /// The field name; `None` picks `Signature1`, `Signature2`… not yet in the file.
    pub field_name: Option<String>,
    /// A visible appearance; `None` signs invisibly (`/Rect [0 0 0 0]`).
    pub visible: Option<Visible>,
    /// `ETSI.CAdES.detached` (PAdES, the default) or `adbe.pkcs7.detached`.
    pub sub_filter: SubFilter,
    /// Annotations written in the same update, so this signature covers them: the number and
    /// date the clerk stamps on a document when sealing it (NĐ 30/2020 Phụ lục I).
    pub stamps: Vec<Stamp>,
}

impl SignRequest {
    pub fn new(signing_time: time::OffsetDateTime) -> Self {
        SignRequest {
            reason: None,
            location: None,
            contact: None,
            signing_time,
            field_name: None,
            visible: None,
            sub_filter: SubFilter::CadesDetached,
            stamps: Vec::new(),
        }
    }
}

/// The signature's `/SubFilter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubFilter {
    /// `ETSI.CAdES.detached` (PAdES baseline).
    CadesDetached,
    /// `adbe.pkcs7.detached` (ISO 32000-1; what most Vietnamese signing tools write).
    Pkcs7Detached,
}

/// A visible signature on a page (Decree 30: the signer's image with the red seal overlapping).
#[derive(Debug, Clone)]
pub struct Visible {
    /// Page index, from 0.
    pub page: usize,
    /// `[x1 y1 x2 y2]` in PDF points from the bottom-left corner.
    pub rect: [f64; 4],
    /// An appearance stream drawn in the box (PDF content operators), with its resources.
    pub appearance: Appearance,
}

/// A stamp annotation (`/Subtype /Stamp`, printed, locked) drawn with its own appearance.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// Page index, from 0.
    pub page: usize,
    /// `[x1 y1 x2 y2]` in PDF points from the bottom-left corner.
    pub rect: [f64; 4],
    pub appearance: Appearance,
    /// What it says, for readers that list annotations (`/Contents`).
    pub contents: Option<String>,
}

/// An appearance stream.
#[derive(Debug, Clone, Default)]
pub struct Appearance {
    /// Content stream operators.
    pub content: Vec<u8>,
    /// Images used by the content, by resource name (`/Im1` → an image XObject).
    pub images: Vec<(String, Image)>,
    /// Standard fonts used by the content, by resource name (`/F1` → Times-Roman).
    pub fonts: Vec<(String, StandardFont)>,
}

/// One of the PDF standard fonts every reader has, so nothing is embedded: enough for digits
/// and ASCII punctuation (a number, a date), not for Vietnamese text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandardFont {
    /// Times-Roman (Times New Roman is the font of NĐ 30/2020).
    TimesRoman,
    TimesBold,
}

impl StandardFont {
    fn base_font(self) -> &'static [u8] {
        match self {
            StandardFont::TimesRoman => b"Times-Roman",
            StandardFont::TimesBold => b"Times-Bold",
        }
    }

    /// The advance width in thousandths of the font size (the fonts' AFM metrics), for the
    /// characters a number or a date needs; `None` for any other.
    pub fn width(self, c: char) -> Option<u16> {
        match (self, c) {
            (_, '0'..='9') => Some(500),
            (_, ' ' | '.' | ',') => Some(250),
            (_, '/') => Some(278),
            (_, '-') => Some(333),
            (StandardFont::TimesRoman, ':') => Some(278),
            (StandardFont::TimesBold, ':') => Some(333),
            _ => None,
        }
    }
}

impl Appearance {
    /// One line of `text` (digits and the punctuation [`StandardFont::width`] knows) centred
    /// in a box `width` points wide, its baseline `baseline` points above the box's bottom,
    /// in black. `None` when the text has a character the font cannot measure.
    pub fn centered_text(
        font: StandardFont,
        size: f64,
        text: &str,
        width: f64,
        baseline: f64,
    ) -> Option<Appearance> {
        let units: u32 = text
            .chars()
            .map(|c| font.width(c).map(u32::from))
            .sum::<Option<u32>>()?;
        let text_width = f64::from(units) * size / 1000.0;
        let x = ((width - text_width) / 2.0).max(0.0);
        let content = format!(
            "BT /F1 {} Tf 0 g {} {} Td ({text}) Tj ET",
            fmt_num(size),
            fmt_num(x),
            fmt_num(baseline)
        );
        Some(Appearance {
            content: content.into_bytes(),
            images: Vec::new(),
            fonts: vec![("F1".to_owned(), font)],
        })
    }
}

/// An RGB image with an optional alpha channel, 8 bits per component.
#[derive(Debug, Clone)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// `width × height × 3` bytes.
    pub rgb: Vec<u8>,
    /// `width × height` bytes, or empty.
    pub alpha: Vec<u8>,
}

/// The largest side of an image we accept (a signer's image or a seal is a few hundred pixels).
const IMAGE_SIDE_MAX: u32 = 2_000;

impl Image {
    /// Decodes a PNG (any colour type and depth; NĐ 30/2020 asks for PNG with a transparent
    /// background for both the signer's image and the seal).
    pub fn from_png(bytes: &[u8]) -> Result<Image, SignError> {
        let bad = |e: &dyn std::fmt::Display| SignError::Image(e.to_string());
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(|e| bad(&e))?;
        let (width, height) = (reader.info().width, reader.info().height);
        if width == 0 || height == 0 || width > IMAGE_SIDE_MAX || height > IMAGE_SIDE_MAX {
            return Err(SignError::Image(format!(
                "{width}×{height} pixels: each side must be between 1 and {IMAGE_SIDE_MAX}"
            )));
        }
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| SignError::Image("too large".into()))?;
        let mut buffer = vec![0; size];
        let frame = reader.next_frame(&mut buffer).map_err(|e| bad(&e))?;
        let pixels = &buffer[..frame.buffer_size()];
        let count = (width * height) as usize;
        let mut rgb = Vec::with_capacity(count * 3);
        let mut alpha = Vec::new();
        match frame.color_type {
            png::ColorType::Rgb => rgb.extend_from_slice(pixels),
            png::ColorType::Rgba => {
                alpha.reserve(count);
                for p in pixels.chunks_exact(4) {
                    rgb.extend_from_slice(&p[..3]);
                    alpha.push(p[3]);
                }
            }
            png::ColorType::Grayscale => {
                for g in pixels {
                    rgb.extend_from_slice(&[*g, *g, *g]);
                }
            }
            png::ColorType::GrayscaleAlpha => {
                alpha.reserve(count);
                for p in pixels.chunks_exact(2) {
                    rgb.extend_from_slice(&[p[0], p[0], p[0]]);
                    alpha.push(p[1]);
                }
            }
            png::ColorType::Indexed => {
                return Err(SignError::Image("palette not expanded".into()));
            }
        }
        if rgb.len() != count * 3 {
            return Err(SignError::Image("truncated".into()));
        }
        Ok(Image {
            width,
            height,
            rgb,
            alpha,
        })
    }

    /// The rectangle this image takes when scaled to fit, centred, in `rect` (`[x1 y1 x2 y2]`).
    pub fn fitted(&self, rect: [f64; 4]) -> [f64; 4] {
        let [x1, y1, x2, y2] = rect;
        let (bw, bh) = ((x2 - x1).max(0.0), (y2 - y1).max(0.0));
        let scale = (bw / f64::from(self.width)).min(bh / f64::from(self.height));
        let (w, h) = (
            f64::from(self.width) * scale,
            f64::from(self.height) * scale,
        );
        let (x, y) = (x1 + (bw - w) / 2.0, y1 + (bh - h) / 2.0);
        [x, y, x + w, y + h]
    }

    /// The draw operators putting this image, scaled to fit and centred, in the box
    /// `[x1 y1 x2 y2]` (appearance coordinates), under resource name `name`.
    pub fn fit_in(&self, name: &str, rect: [f64; 4]) -> Vec<u8> {
        let [x, y, x2, y2] = self.fitted(rect);
        let (w, h) = (x2 - x, y2 - y);
        format!(
            "q {} 0 0 {} {} {} cm /{name} Do Q ",
            fmt_num(w),
            fmt_num(h),
            fmt_num(x),
            fmt_num(y)
        )
        .into_bytes()
    }
}

/// Bytes reserved for the CMS in `/Contents` (hex doubles it in the file).
const DEFAULT_RESERVED: usize = 20_000;
const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

/// Signs PDFs.
#[derive(Debug, Clone)]
pub struct PdfSigner {
    reserved: usize,
}

impl Default for PdfSigner {
    fn default() -> Self {
        PdfSigner {
            reserved: DEFAULT_RESERVED,
        }
    }
}

/// A PDF with its signature placeholder, waiting for the key's signature.
#[derive(Debug, Clone)]
pub struct PreparedSignature {
    pdf: Vec<u8>,
    /// Offsets of the hex digits between `<` and `>` of `/Contents`.
    contents: (usize, usize),
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
    algorithm: KeyAlgorithm,
    attrs: SetOfVec<Attribute>,
    to_sign: [u8; 32],
}

impl PdfSigner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves `bytes` for the CMS (default 20 000: a chain of three and a timestamp fit).
    pub fn with_reserved(bytes: usize) -> Self {
        PdfSigner { reserved: bytes }
    }

    /// Phase 1: the incremental update with the placeholder, and the digest the key must sign
    /// ([`PreparedSignature::digest_to_sign`]). `certificate` and `chain` are DER.
    pub fn prepare(
        &self,
        pdf: &[u8],
        request: &SignRequest,
        certificate: &[u8],
        chain: &[Vec<u8>],
    ) -> Result<PreparedSignature, SignError> {
        let algorithm = crate::keys::algorithm_of(certificate)?;
        let (out, contents) = self.placeholder(pdf, request)?;
        let digest = byte_range_digest(&out, contents);
        let attrs = cms_build::signed_attributes(cms_build::ID_DATA, &digest, certificate)?;
        let to_sign = cms_build::signed_attributes_digest(&attrs)?;
        Ok(PreparedSignature {
            pdf: out,
            contents,
            certificate: certificate.to_vec(),
            chain: chain.to_vec(),
            algorithm,
            attrs,
            to_sign,
        })
    }

    /// All three phases with a key at hand; a [`Timestamper`] makes it B-T.
    pub async fn sign(
        &self,
        pdf: &[u8],
        request: &SignRequest,
        key: &dyn KeySource,
        timestamper: Option<&dyn Timestamper>,
    ) -> Result<Vec<u8>, SignError> {
        let prepared = self.prepare(pdf, request, key.certificate(), key.chain())?;
        let signature = key.sign_digest(prepared.digest_to_sign()).await?;
        let token = match timestamper {
            Some(tsa) => Some(
                tsa.timestamp(cms_build::signature_value_digest(&signature))
                    .await?,
            ),
            None => None,
        };
        prepared.finish(signature, token)
    }

    /// PAdES B-LT: [`PdfSigner::sign`] with a timestamp, then an update adding to the DSS the
    /// certificates of the signer's and the timestamp authority's chains and, for each, the
    /// CRLs `revocation` gives.
    pub async fn sign_lt(
        &self,
        pdf: &[u8],
        request: &SignRequest,
        key: &dyn KeySource,
        timestamper: &dyn Timestamper,
        revocation: &dyn crate::ltv::RevocationSource,
    ) -> Result<Vec<u8>, SignError> {
        let prepared = self.prepare(pdf, request, key.certificate(), key.chain())?;
        let signature = key.sign_digest(prepared.digest_to_sign()).await?;
        let token = timestamper
            .timestamp(cms_build::signature_value_digest(&signature))
            .await?;
        let mut certs = vec![key.certificate().to_vec()];
        certs.extend(key.chain().iter().cloned());
        certs.extend(crate::verify::certificates_in_cms(&token));
        let signed = prepared.finish(signature, Some(token))?;
        let material = crate::ltv::ValidationMaterial::gather(certs, revocation).await?;
        crate::ltv::add_dss(&signed, &material)
    }

    fn placeholder(
        &self,
        pdf: &[u8],
        request: &SignRequest,
    ) -> Result<(Vec<u8>, (usize, usize)), SignError> {
        let doc = Document::parse(pdf)?;
        let root_ref = match dict_get(&doc.trailer, "Root") {
            Some(Obj::Ref(n, _)) => *n,
            _ => return Err(SignError::Pdf("no /Root in the trailer".into())),
        };
        let Obj::Dict(mut catalog) = doc.get(root_ref)? else {
            return Err(SignError::Pdf("the catalog is not a dictionary".into()));
        };
        let page_index = request.visible.as_ref().map_or(0, |v| v.page);
        let (page_num, page) = nth_page(&doc, &catalog, page_index)?;

        let mut next = doc.size();
        let mut alloc = || {
            next += 1;
            next - 1
        };
        let sig_num = alloc();
        let field_num = alloc();
        let mut objects: Vec<(u32, Vec<u8>)> = Vec::new();

        // The AcroForm: existing (indirect or inline) or new.
        let mut existing_names = Vec::new();
        let acroform = dict_get(&catalog, "AcroForm").cloned();
        let (mut form, form_num) = match &acroform {
            Some(Obj::Ref(n, _)) => match doc.get(*n)? {
                Obj::Dict(d) => (d, Some(*n)),
                _ => (pdf::Dict::new(), Some(*n)),
            },
            Some(Obj::Dict(d)) => (d.clone(), None),
            _ => (pdf::Dict::new(), None),
        };
        let mut fields = match dict_get(&form, "Fields").map(|f| doc.resolve(f)) {
            Some(Ok(Obj::Array(a))) => a,
            _ => Vec::new(),
        };
        for f in &fields {
            if let Ok(Obj::Dict(d)) = doc.resolve(f)
                && let Some(Obj::Str(t)) = dict_get(&d, "T")
            {
                existing_names.push(pdf::decode_text(t));
            }
        }
        let name = match &request.field_name {
            Some(n) => n.clone(),
            None => (1..)
                .map(|i| format!("Signature{i}"))
                .find(|n| !existing_names.contains(n))
                .unwrap_or_else(|| "Signature".into()),
        };
        if existing_names.contains(&name) {
            return Err(SignError::Pdf(format!("a field named {name} exists")));
        }
        fields.push(Obj::Ref(field_num, 0));
        dict_set(&mut form, "Fields", Obj::Array(fields));
        dict_set(&mut form, "SigFlags", Obj::Int(3));
        match form_num {
            Some(n) => objects.push((n, serialize(&Obj::Dict(form)))),
            None => {
                let n = alloc();
                objects.push((n, serialize(&Obj::Dict(form))));
                dict_set(&mut catalog, "AcroForm", Obj::Ref(n, 0));
                objects.push((root_ref, serialize(&Obj::Dict(catalog.clone()))));
            }
        }

        // The annotations each page gains: the signature's widget, and the stamps.
        let mut additions: Vec<(u32, pdf::Dict, Vec<u32>)> =
            vec![(page_num, page, vec![field_num])];
        for stamp in &request.stamps {
            let (stamp_page_num, stamp_page) = nth_page(&doc, &catalog, stamp.page)?;
            let annot_num = alloc();
            let ap = appearance_objects(stamp.rect, &stamp.appearance, &mut alloc, &mut objects);
            let mut annot = pdf::Dict::new();
            dict_set(&mut annot, "Type", Obj::Name(b"Annot".to_vec()));
            dict_set(&mut annot, "Subtype", Obj::Name(b"Stamp".to_vec()));
            let rect: Vec<Obj> = stamp.rect.iter().map(|x| Obj::Real(fmt_num(*x))).collect();
            dict_set(&mut annot, "Rect", Obj::Array(rect));
            // Print | Locked: printed with the page, not moved or deleted by a reader.
            dict_set(&mut annot, "F", Obj::Int(132));
            dict_set(&mut annot, "P", Obj::Ref(stamp_page_num, 0));
            if let Some(text) = &stamp.contents {
                dict_set(&mut annot, "Contents", pdf::text_string(text));
            }
            let mut apd = pdf::Dict::new();
            dict_set(&mut apd, "N", Obj::Ref(ap, 0));
            dict_set(&mut annot, "AP", Obj::Dict(apd));
            objects.push((annot_num, serialize(&Obj::Dict(annot))));
            match additions.iter_mut().find(|(n, _, _)| *n == stamp_page_num) {
                Some((_, _, refs)) => refs.push(annot_num),
                None => additions.push((stamp_page_num, stamp_page, vec![annot_num])),
            }
        }
        for (num, mut page, refs) in additions {
            let refs: Vec<Obj> = refs.into_iter().map(|r| Obj::Ref(r, 0)).collect();
            match dict_get(&page, "Annots").cloned() {
                Some(Obj::Ref(n, _)) => {
                    let mut annots = match doc.get(n)? {
                        Obj::Array(a) => a,
                        _ => Vec::new(),
                    };
                    annots.extend(refs);
                    objects.push((n, serialize(&Obj::Array(annots))));
                }
                Some(Obj::Array(mut a)) => {
                    a.extend(refs);
                    dict_set(&mut page, "Annots", Obj::Array(a));
                    objects.push((num, serialize(&Obj::Dict(page))));
                }
                _ => {
                    dict_set(&mut page, "Annots", Obj::Array(refs));
                    objects.push((num, serialize(&Obj::Dict(page))));
                }
            }
        }

        // The field and its widget (merged).
        let mut widget = pdf::Dict::new();
        dict_set(&mut widget, "Type", Obj::Name(b"Annot".to_vec()));
        dict_set(&mut widget, "Subtype", Obj::Name(b"Widget".to_vec()));
        dict_set(&mut widget, "FT", Obj::Name(b"Sig".to_vec()));
        dict_set(&mut widget, "T", pdf::text_string(&name));
        dict_set(&mut widget, "V", Obj::Ref(sig_num, 0));
        dict_set(&mut widget, "F", Obj::Int(132));
        dict_set(&mut widget, "P", Obj::Ref(page_num, 0));
        match &request.visible {
            None => dict_set(
                &mut widget,
                "Rect",
                Obj::Array(vec![Obj::Int(0), Obj::Int(0), Obj::Int(0), Obj::Int(0)]),
            ),
            Some(v) => {
                let rect: Vec<Obj> = v.rect.iter().map(|x| Obj::Real(fmt_num(*x))).collect();
                dict_set(&mut widget, "Rect", Obj::Array(rect));
                let ap = appearance_objects(v.rect, &v.appearance, &mut alloc, &mut objects);
                let mut apd = pdf::Dict::new();
                dict_set(&mut apd, "N", Obj::Ref(ap, 0));
                dict_set(&mut widget, "AP", Obj::Dict(apd));
            }
        }
        objects.push((field_num, serialize(&Obj::Dict(widget))));

        // The signature dictionary, with placeholders patched afterwards.
        let mut sig = Vec::new();
        sig.extend_from_slice(b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter ");
        sig.extend_from_slice(match request.sub_filter {
            SubFilter::CadesDetached => b"/ETSI.CAdES.detached",
            SubFilter::Pkcs7Detached => b"/adbe.pkcs7.detached",
        });
        sig.extend_from_slice(b" /M ");
        pdf::write_obj(
            &mut sig,
            &Obj::Str(pdf_date(request.signing_time).into_bytes()),
        );
        for (key, value) in [
            ("Reason", &request.reason),
            ("Location", &request.location),
            ("ContactInfo", &request.contact),
        ] {
            if let Some(text) = value {
                sig.extend_from_slice(format!(" /{key} ").as_bytes());
                pdf::write_obj(&mut sig, &pdf::text_string(text));
            }
        }
        sig.extend_from_slice(b" /ByteRange ");
        sig.extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
        sig.extend_from_slice(b" /Contents <");
        sig.extend(std::iter::repeat_n(b'0', self.reserved * 2));
        sig.extend_from_slice(b">>>");
        objects.push((sig_num, sig));

        let size = next;
        let mut out = pdf::incremental_update(&doc, &objects, size);

        // Find our placeholders (in the appended part only).
        let tail = pdf.len();
        let br_at = tail
            + pdf::find_first(&out[tail..], BYTE_RANGE_PLACEHOLDER.as_bytes())
                .ok_or_else(|| SignError::Pdf("lost the /ByteRange placeholder".into()))?;
        // The signature dictionary is the last object written, after any stamp's own
        // `/Contents`.
        let c_at = tail
            + pdf::find_last(&out[tail..], b"/Contents <")
                .ok_or_else(|| SignError::Pdf("lost the /Contents placeholder".into()))?
            + b"/Contents ".len();
        let c_end = c_at + self.reserved * 2 + 2; // with the brackets
        let ranges = format!("[0 {:010} {:010} {:010}]", c_at, c_end, out.len() - c_end);
        debug_assert_eq!(ranges.len(), BYTE_RANGE_PLACEHOLDER.len());
        out[br_at..br_at + ranges.len()].copy_from_slice(ranges.as_bytes());
        Ok((out, (c_at + 1, c_end - 1)))
    }
}

fn fmt_num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn serialize(obj: &Obj) -> Vec<u8> {
    let mut out = Vec::new();
    pdf::write_obj(&mut out, obj);
    out
}

/// `D:YYYYMMDDHHmmSS+07'00'`.
pub(crate) fn pdf_date(at: time::OffsetDateTime) -> String {
    let off = at.offset();
    let (h, m, _) = off.as_hms();
    let sign = if off.is_negative() { '-' } else { '+' };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}{}{:02}'{:02}'",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        sign,
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

/// The page at `index` (walking the page tree) and its number.
fn nth_page(
    doc: &Document<'_>,
    catalog: &pdf::Dict,
    index: usize,
) -> Result<(u32, pdf::Dict), SignError> {
    let Some(Obj::Ref(mut node_num, _)) = dict_get(catalog, "Pages").cloned() else {
        return Err(SignError::Pdf("no page tree".into()));
    };
    let mut remaining = index;
    for _ in 0..64 {
        let Obj::Dict(node) = doc.get(node_num)? else {
            return Err(SignError::Pdf(
                "a page-tree node is not a dictionary".into(),
            ));
        };
        if dict_get(&node, "Type") == Some(&Obj::Name(b"Page".to_vec())) {
            return Ok((node_num, node));
        }
        let Some(Ok(Obj::Array(kids))) = dict_get(&node, "Kids").map(|k| doc.resolve(k)) else {
            return Err(SignError::Pdf("a page-tree node without /Kids".into()));
        };
        let mut descended = false;
        for kid in kids {
            let Obj::Ref(kid_num, _) = kid else { continue };
            let Obj::Dict(k) = doc.get(kid_num)? else {
                continue;
            };
            let count = if dict_get(&k, "Type") == Some(&Obj::Name(b"Page".to_vec())) {
                1
            } else {
                match dict_get(&k, "Count") {
                    Some(Obj::Int(c)) => *c as usize,
                    _ => 1,
                }
            };
            if remaining < count {
                node_num = kid_num;
                descended = true;
                break;
            }
            remaining -= count;
        }
        if !descended {
            return Err(SignError::Pdf(format!(
                "the document has no page {}",
                index + 1
            )));
        }
    }
    Err(SignError::Pdf("the page tree is too deep".into()))
}

/// SHA-256 of everything but the `/Contents` string (`contents` are the hex digits' offsets).
fn byte_range_digest(pdf: &[u8], contents: (usize, usize)) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&pdf[..contents.0 - 1]);
    h.update(&pdf[contents.1 + 1..]);
    h.finalize().into()
}

/// Writes the appearance XObject (and its images) and returns its object number.
pub(crate) fn appearance_objects(
    rect: [f64; 4],
    appearance: &Appearance,
    alloc: &mut dyn FnMut() -> u32,
    objects: &mut Vec<(u32, Vec<u8>)>,
) -> u32 {
    let [x1, y1, x2, y2] = rect;
    let mut xobjects = pdf::Dict::new();
    for (name, image) in &appearance.images {
        let mut d = pdf::Dict::new();
        dict_set(&mut d, "Type", Obj::Name(b"XObject".to_vec()));
        dict_set(&mut d, "Subtype", Obj::Name(b"Image".to_vec()));
        dict_set(&mut d, "Width", Obj::Int(i64::from(image.width)));
        dict_set(&mut d, "Height", Obj::Int(i64::from(image.height)));
        dict_set(&mut d, "ColorSpace", Obj::Name(b"DeviceRGB".to_vec()));
        dict_set(&mut d, "BitsPerComponent", Obj::Int(8));
        if !image.alpha.is_empty() {
            let mut m = pdf::Dict::new();
            dict_set(&mut m, "Type", Obj::Name(b"XObject".to_vec()));
            dict_set(&mut m, "Subtype", Obj::Name(b"Image".to_vec()));
            dict_set(&mut m, "Width", Obj::Int(i64::from(image.width)));
            dict_set(&mut m, "Height", Obj::Int(i64::from(image.height)));
            dict_set(&mut m, "ColorSpace", Obj::Name(b"DeviceGray".to_vec()));
            dict_set(&mut m, "BitsPerComponent", Obj::Int(8));
            dict_set(&mut m, "Filter", Obj::Name(b"FlateDecode".to_vec()));
            let n = alloc();
            objects.push((n, serialize(&Obj::Stream(m, deflate(&image.alpha)))));
            dict_set(&mut d, "SMask", Obj::Ref(n, 0));
        }
        dict_set(&mut d, "Filter", Obj::Name(b"FlateDecode".to_vec()));
        let n = alloc();
        objects.push((n, serialize(&Obj::Stream(d, deflate(&image.rgb)))));
        xobjects.push((name.as_bytes().to_vec(), Obj::Ref(n, 0)));
    }
    let mut fonts = pdf::Dict::new();
    for (name, font) in &appearance.fonts {
        let mut f = pdf::Dict::new();
        dict_set(&mut f, "Type", Obj::Name(b"Font".to_vec()));
        dict_set(&mut f, "Subtype", Obj::Name(b"Type1".to_vec()));
        dict_set(&mut f, "BaseFont", Obj::Name(font.base_font().to_vec()));
        dict_set(&mut f, "Encoding", Obj::Name(b"WinAnsiEncoding".to_vec()));
        fonts.push((name.as_bytes().to_vec(), Obj::Dict(f)));
    }
    let mut resources = pdf::Dict::new();
    dict_set(&mut resources, "XObject", Obj::Dict(xobjects));
    if !fonts.is_empty() {
        dict_set(&mut resources, "Font", Obj::Dict(fonts));
    }
    let mut form = pdf::Dict::new();
    dict_set(&mut form, "Type", Obj::Name(b"XObject".to_vec()));
    dict_set(&mut form, "Subtype", Obj::Name(b"Form".to_vec()));
    dict_set(
        &mut form,
        "BBox",
        Obj::Array(vec![
            Obj::Int(0),
            Obj::Int(0),
            Obj::Real(fmt_num(x2 - x1)),
            Obj::Real(fmt_num(y2 - y1)),
        ]),
    );
    dict_set(&mut form, "Resources", Obj::Dict(resources));
    let n = alloc();
    objects.push((n, serialize(&Obj::Stream(form, appearance.content.clone()))));
    n
}

/// Image samples compressed (a signer's image raw is hundreds of kilobytes).
fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

impl PreparedSignature {
    /// Phase 2's input: SHA-256 of the signed attributes, to be signed by the key (PKCS#1
    /// v1.5 or ECDSA over this digest).
    pub fn digest_to_sign(&self) -> [u8; 32] {
        self.to_sign
    }

    /// The signer's certificate the signed attributes name.
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// Phase 3: the CMS with the key's `signature` (and an RFC 3161 token over it, B-T) into
    /// `/Contents`; returns the signed PDF.
    pub fn finish(
        self,
        signature: Vec<u8>,
        timestamp_token: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, SignError> {
        // Refuse a signature that does not verify: a wrong key or a confused gateway.
        let cert = crate::x509::parse(&self.certificate)?;
        let sig_alg = match self.algorithm {
            KeyAlgorithm::RsaPkcs1Sha256 => crate::x509::SHA256_WITH_RSA,
            KeyAlgorithm::EcdsaP256Sha256 => crate::x509::ECDSA_SHA256,
        };
        if !crate::x509::verify_prehashed(
            &cert.tbs_certificate.subject_public_key_info,
            &sig_alg,
            &crate::x509::SHA256,
            &self.to_sign,
            &signature,
        ) {
            return Err(SignError::Key(
                "the signature returned for the document does not verify with the certificate"
                    .into(),
            ));
        }
        let cms = cms_build::assemble(
            &self.certificate,
            &self.chain,
            self.algorithm,
            cms_build::ID_DATA,
            None,
            self.attrs,
            signature,
            timestamp_token,
        )?;
        let reserved = (self.contents.1 - self.contents.0) / 2;
        if cms.len() > reserved {
            return Err(SignError::TooLarge {
                needed: cms.len(),
                reserved,
            });
        }
        let mut pdf = self.pdf;
        let hex: Vec<u8> = cms
            .iter()
            .flat_map(|b| format!("{b:02X}").into_bytes())
            .collect();
        pdf[self.contents.0..self.contents.0 + hex.len()].copy_from_slice(&hex);
        Ok(pdf)
    }
}
