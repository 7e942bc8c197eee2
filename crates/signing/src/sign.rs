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

/// An appearance stream.
#[derive(Debug, Clone, Default)]
pub struct Appearance {
    /// Content stream operators.
    pub content: Vec<u8>,
    /// Images used by the content, by resource name (`/Im1` → an image XObject).
    pub images: Vec<(String, Image)>,
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
        let (page_num, mut page) = nth_page(&doc, &catalog, page_index)?;

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

        // The page's /Annots.
        match dict_get(&page, "Annots").cloned() {
            Some(Obj::Ref(n, _)) => {
                let mut annots = match doc.get(n)? {
                    Obj::Array(a) => a,
                    _ => Vec::new(),
                };
                annots.push(Obj::Ref(field_num, 0));
                objects.push((n, serialize(&Obj::Array(annots))));
            }
            Some(Obj::Array(mut a)) => {
                a.push(Obj::Ref(field_num, 0));
                dict_set(&mut page, "Annots", Obj::Array(a));
                objects.push((page_num, serialize(&Obj::Dict(page))));
            }
            _ => {
                dict_set(
                    &mut page,
                    "Annots",
                    Obj::Array(vec![Obj::Ref(field_num, 0)]),
                );
                objects.push((page_num, serialize(&Obj::Dict(page))));
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
                let ap = crate::sign::appearance_objects(v, &mut alloc, &mut objects);
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
        let c_at = tail
            + pdf::find_first(&out[tail..], b"/Contents <")
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
    visible: &Visible,
    alloc: &mut dyn FnMut() -> u32,
    objects: &mut Vec<(u32, Vec<u8>)>,
) -> u32 {
    let [x1, y1, x2, y2] = visible.rect;
    let mut xobjects = pdf::Dict::new();
    for (name, image) in &visible.appearance.images {
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
            let n = alloc();
            objects.push((n, serialize(&Obj::Stream(m, image.alpha.clone()))));
            dict_set(&mut d, "SMask", Obj::Ref(n, 0));
        }
        let n = alloc();
        objects.push((n, serialize(&Obj::Stream(d, image.rgb.clone()))));
        xobjects.push((name.as_bytes().to_vec(), Obj::Ref(n, 0)));
    }
    let mut resources = pdf::Dict::new();
    dict_set(&mut resources, "XObject", Obj::Dict(xobjects));
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
    objects.push((
        n,
        serialize(&Obj::Stream(form, visible.appearance.content.clone())),
    ));
    n
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
