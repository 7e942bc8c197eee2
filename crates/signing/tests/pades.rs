//! Signing a PDF from our renderer and checking it three ways: our verifier, poppler's `pdfsig`
//! and pyHanko (both installed by `.ci/setup-test-tools`; missing is a failure, not a skip).

#[path = "../../render/tests/samples/mod.rs"]
mod samples;

use motcua_render::{DocumentRenderer, TypstRenderer};
use motcua_signing::simulator::gateway::{GatewayConfig, GatewaySimulator, GatewayUser};
use motcua_signing::simulator::oracle::{
    Raster, assert_pyhanko_valid, pdfsig, pyhanko, rasterize_first_page, save, tool_missing,
    work_dir,
};
use motcua_signing::simulator::pki::{TestPki, pem};
use motcua_signing::simulator::tsa::TsaSimulator;
use motcua_signing::tsa::TsaClient;
use motcua_signing::verify::{Trust, TrustStore, verify_pdf};
use motcua_signing::{KeySource, PdfSigner, SignRequest};
use std::process::Command;
use std::sync::OnceLock;

fn pki() -> &'static TestPki {
    static P: OnceLock<TestPki> = OnceLock::new();
    P.get_or_init(TestPki::generate)
}

/// A Mẫu 05 notice rendered by Typst (PDF/A), what the product signs.
fn typst_pdf() -> &'static [u8] {
    static P: OnceLock<Vec<u8>> = OnceLock::new();
    P.get_or_init(|| {
        TypstRenderer::new()
            .render(&samples::stop_notice())
            .expect("render")
    })
}

fn trust() -> TrustStore {
    let mut t = TrustStore::new();
    t.add_der(&pki().root.cert).expect("root");
    t
}

fn request(reason: &str) -> SignRequest {
    let mut r =
        SignRequest::new(time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)));
    r.reason = Some(reason.into());
    r.location = Some("Phường Ninh Kiều, thành phố Cần Thơ".into());
    r
}

fn flip_byte(pdf: &[u8]) -> Vec<u8> {
    // A byte of the original document's content, well inside the first signed range.
    let mut bad = pdf.to_vec();
    let at = bad.len() / 3;
    bad[at] ^= 0x01;
    bad
}

// --- tests ---

#[tokio::test(flavor = "multi_thread")]
async fn rsa_b_b_on_a_typst_pdf_is_valid_for_us_pdfsig_and_pyhanko() {
    let key = pki().key(&pki().rsa_signer);
    let signed = PdfSigner::new()
        .sign(typst_pdf(), &request("Phê duyệt kết quả"), &key, None)
        .await
        .expect("sign");
    assert!(signed.starts_with(typst_pdf()), "an incremental update");

    let reports = verify_pdf(&signed, &trust());
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert!(r.is_valid(), "{r:?}");
    assert!(r.covers_whole_file);
    assert_eq!(r.sub_filter, "ETSI.CAdES.detached");
    assert_eq!(r.reason.as_deref(), Some("Phê duyệt kết quả"));
    assert_eq!(
        r.location.as_deref(),
        Some("Phường Ninh Kiều, thành phố Cần Thơ")
    );
    let signer = r.signer.as_ref().expect("signer");
    assert_eq!(signer.common_name, "Nguyen Van An");
    assert_eq!(signer.serial, "1001");
    assert!(r.claimed_time.is_some());
    assert!(matches!(&r.trust, Trust::Trusted { path } if path.len() == 3));

    let path = save("rsa-bb.pdf", &signed);
    let out = pdfsig(&path, &pki().root.cert);
    assert!(out.contains("Signature is Valid"), "{out}");
    assert!(out.contains("Total document signed"), "{out}");
    assert!(out.contains("Certificate is Trusted"), "{out}");
    assert!(out.contains("Nguyen Van An"), "{out}");
    let lines = pyhanko(&path, &pki().root.cert);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_pyhanko_valid(&lines[0]);
    assert!(lines[0].contains("coverage=ENTIRE_FILE"), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_changed_byte_breaks_it_for_all_three() {
    let key = pki().key(&pki().p256_signer);
    let signed = PdfSigner::new()
        .sign(typst_pdf(), &request("Đóng dấu"), &key, None)
        .await
        .expect("sign");
    let bad = flip_byte(&signed);
    let reports = verify_pdf(&bad, &trust());
    assert_eq!(reports.len(), 1);
    assert!(!reports[0].intact, "{:?}", reports[0]);
    assert!(!reports[0].is_valid());

    let path = save("tampered.pdf", &bad);
    let out = pdfsig(&path, &pki().root.cert);
    assert!(!out.contains("Signature is Valid"), "{out}");
    assert!(
        out.contains("Digest Mismatch") || out.contains("Invalid"),
        "pdfsig: {out}"
    );
    let lines = pyhanko(&path, &pki().root.cert);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("intact=False") || lines[0].contains("error="),
        "pyHanko: {lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn personal_then_seal_both_valid_with_timestamps() {
    let tsa = TsaSimulator::start(pki().key(&pki().tsa))
        .await
        .expect("TSA");
    let client = TsaClient::new(tsa.url()).expect("client");
    let personal = pki().key(&pki().rsa_signer);
    let seal = pki().key(&pki().p256_signer);
    let signer = PdfSigner::new();
    let once = signer
        .sign(typst_pdf(), &request("Ký duyệt"), &personal, Some(&client))
        .await
        .expect("first signature");
    let twice = signer
        .sign(&once, &request("Đóng dấu cơ quan"), &seal, Some(&client))
        .await
        .expect("second signature");
    assert!(twice.starts_with(&once));
    assert_eq!(tsa.granted(), 2);

    let reports = verify_pdf(&twice, &trust());
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert!(r.is_valid(), "{r:?}");
        let ts = r.timestamp.as_ref().expect("B-T");
        assert!(ts.valid && ts.trusted, "{ts:?}");
        assert_eq!(ts.authority, "Motcua Test TSA");
    }
    assert!(!reports[0].covers_whole_file, "the seal came after");
    assert!(reports[1].covers_whole_file);
    assert_eq!(reports[0].field.as_deref(), Some("Signature1"));
    assert_eq!(reports[1].field.as_deref(), Some("Signature2"));
    assert_eq!(
        reports[1].signer.as_ref().map(|s| s.common_name.as_str()),
        Some("UBND Phuong Ben Nghe")
    );

    let path = save("two-signatures.pdf", &twice);
    let out = pdfsig(&path, &pki().root.cert);
    assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    assert_eq!(out.matches("Certificate is Trusted").count(), 2, "{out}");
    let lines = pyhanko(&path, &pki().root.cert);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        assert_pyhanko_valid(line);
        assert!(line.contains("timestamp=True"), "{line}");
    }
    // Tampering the first revision breaks both.
    let bad = flip_byte(&twice);
    assert!(verify_pdf(&bad, &trust()).iter().all(|r| !r.intact));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_root_is_reported_untrusted() {
    let key = pki().key(&pki().rsa_signer);
    let signed = PdfSigner::new()
        .sign(typst_pdf(), &request("x"), &key, None)
        .await
        .expect("sign");
    let reports = verify_pdf(&signed, &TrustStore::new());
    assert!(reports[0].intact && reports[0].signature_valid);
    assert!(matches!(reports[0].trust, Trust::Untrusted(_)));
    assert!(!reports[0].is_valid());
}

#[tokio::test(flavor = "multi_thread")]
async fn remote_gateway_three_phases_with_confirmation() {
    let gw = GatewaySimulator::start(GatewayConfig {
        sp_id: "motcua".into(),
        sp_password: "s3cret".into(),
        users: vec![GatewayUser {
            user_id: "092080000123".into(),
            ca_name: "MOTCUA-TEST-CA".into(),
            key: pki().key(&pki().rsa_signer),
        }],
        pending_polls: 2,
        refuse: false,
    })
    .await
    .expect("gateway");
    let client =
        motcua_signing::remote::RemoteSigningClient::new(gw.base_url(), "motcua", "s3cret")
            .expect("client")
            .with_polling(
                std::time::Duration::from_millis(20),
                std::time::Duration::from_secs(5),
            );
    let key = client.key("092080000123").await.expect("certificate");
    assert_eq!(key.serial_number(), "1001");
    // Phase by phase.
    let prepared = PdfSigner::new()
        .prepare(
            typst_pdf(),
            &request("Ký số từ xa"),
            key.certificate(),
            key.chain(),
        )
        .expect("prepare");
    let digest = prepared.digest_to_sign();
    let sigs = client
        .sign_hashes(
            &key,
            "tx-0001",
            &[("kq-1".into(), "ket-qua.pdf".into(), digest)],
        )
        .await
        .expect("signed remotely");
    let signed = prepared
        .finish(sigs.into_iter().next().expect("one"), None)
        .expect("finish");
    let reports = verify_pdf(&signed, &trust());
    assert!(reports[0].is_valid(), "{:?}", reports[0]);
    let requests = gw.sign_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].transaction_id, "tx-0001");
    assert_eq!(requests[0].sign_files[0].hash_algorithm, "SHA-256");
    // A reused transaction id is refused.
    let again = client
        .sign_hashes(&key, "tx-0001", &[("kq-1".into(), "x.pdf".into(), digest)])
        .await;
    assert!(again.is_err());
    // Through the KeySource trait in one call.
    let signed = PdfSigner::new()
        .sign(typst_pdf(), &request("Ký số từ xa"), &key, None)
        .await
        .expect("sign remotely");
    assert!(verify_pdf(&signed, &trust())[0].is_valid());
    // Wrong credentials.
    let wrong = motcua_signing::remote::RemoteSigningClient::new(gw.base_url(), "motcua", "nope")
        .expect("client");
    assert!(wrong.key("092080000123").await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn remote_refusal_and_wrong_signature_are_errors() {
    let gw = GatewaySimulator::start(GatewayConfig {
        sp_id: "motcua".into(),
        sp_password: "s3cret".into(),
        users: vec![GatewayUser {
            user_id: "1".into(),
            ca_name: "CA".into(),
            key: pki().key(&pki().p256_signer),
        }],
        pending_polls: 0,
        refuse: true,
    })
    .await
    .expect("gateway");
    let client =
        motcua_signing::remote::RemoteSigningClient::new(gw.base_url(), "motcua", "s3cret")
            .expect("client");
    let key = client.key("1").await.expect("certificate");
    let err = PdfSigner::new()
        .sign(typst_pdf(), &request("x"), &key, None)
        .await;
    assert!(err.is_err());
    // A signature from another key is refused at phase 3.
    let prepared = PdfSigner::new()
        .prepare(typst_pdf(), &request("x"), key.certificate(), key.chain())
        .expect("prepare");
    let other = pki().key(&pki().rsa_signer);
    let sig = other
        .sign_digest_now(&prepared.digest_to_sign())
        .expect("sig");
    assert!(prepared.finish(sig, None).is_err());
}

#[test]
fn pkcs12_from_openssl_3_defaults_loads_and_signs() {
    let dir = work_dir();
    let key_pem = save(
        "signer-key.pem",
        pem("PRIVATE KEY", &pki().rsa_signer.key_pkcs8).as_bytes(),
    );
    let cert_pem = save(
        "signer.pem",
        pem("CERTIFICATE", &pki().rsa_signer.cert).as_bytes(),
    );
    let chain_pem = save(
        "chain.pem",
        pem("CERTIFICATE", &pki().intermediate.cert).as_bytes(),
    );
    let p12 = dir.join(format!("signer-{}.p12", std::process::id()));
    let status = Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:mật khẩu"])
        .arg("-inkey")
        .arg(&key_pem)
        .arg("-in")
        .arg(&cert_pem)
        .arg("-certfile")
        .arg(&chain_pem)
        .arg("-out")
        .arg(&p12)
        .status()
        .unwrap_or_else(|_| tool_missing("openssl"));
    assert!(status.success());
    let bytes = std::fs::read(&p12).expect("p12");
    let key = motcua_signing::keys::SoftwareKey::from_pkcs12(&bytes, "mật khẩu").expect("load");
    assert_eq!(key.certificate(), pki().rsa_signer.cert.as_slice());
    assert_eq!(key.chain(), &[pki().intermediate.cert.clone()]);
    assert!(matches!(
        motcua_signing::keys::SoftwareKey::from_pkcs12(&bytes, "sai"),
        Err(motcua_signing::SignError::WrongPassword)
    ));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let signed = rt
        .block_on(PdfSigner::new().sign(typst_pdf(), &request("p12"), &key, None))
        .expect("sign");
    assert!(verify_pdf(&signed, &trust())[0].is_valid());
}

#[tokio::test(flavor = "multi_thread")]
async fn adbe_pkcs7_detached_is_accepted_too() {
    let key = pki().key(&pki().p256_signer);
    let mut req = request("pkcs7");
    req.sub_filter = motcua_signing::sign::SubFilter::Pkcs7Detached;
    let signed = PdfSigner::new()
        .sign(typst_pdf(), &req, &key, None)
        .await
        .expect("sign");
    let reports = verify_pdf(&signed, &trust());
    assert_eq!(reports[0].sub_filter, "adbe.pkcs7.detached");
    assert!(reports[0].is_valid(), "{:?}", reports[0]);
    let path = save("pkcs7.pdf", &signed);
    assert!(pdfsig(&path, &pki().root.cert).contains("Signature is Valid"));
    assert_pyhanko_valid(&pyhanko(&path, &pki().root.cert)[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_visible_signature_with_an_image_is_valid_too() {
    use motcua_signing::sign::{Appearance, Image, Visible};
    // A 2×2 blue "signer image" and a red square overlapping its left third (the seal).
    let image = Image {
        width: 2,
        height: 2,
        rgb: [0u8, 0, 200].repeat(4),
        alpha: vec![255, 128, 128, 255],
    };
    let mut req = request("Ký duyệt (hiển thị)");
    req.visible = Some(Visible {
        page: 0,
        rect: [300.0, 100.0, 420.0, 160.0],
        appearance: Appearance {
            content: b"q 120 0 0 60 0 0 cm /Im1 Do Q q 1 0 0 rg 0 10 40 40 re f Q".to_vec(),
            images: vec![("Im1".into(), image)],
            ..Appearance::default()
        },
    });
    let key = pki().key(&pki().rsa_signer);
    let signed = PdfSigner::new()
        .sign(typst_pdf(), &req, &key, None)
        .await
        .expect("sign");
    assert!(verify_pdf(&signed, &trust())[0].is_valid());
    let path = save("visible.pdf", &signed);
    assert!(pdfsig(&path, &pki().root.cert).contains("Signature is Valid"));
    assert_pyhanko_valid(&pyhanko(&path, &pki().root.cert)[0]);
    // Poppler draws the appearance where it was put: the seal's red in the box's left third,
    // the signer image's blue to its right, and neither outside the box.
    let page = rasterize_first_page(&path);
    let red = |p: [u8; 3]| p[0] > 200 && p[1] < 80 && p[2] < 80;
    let blue = |p: [u8; 3]| p[2] > 120 && p[0] < 80 && p[1] < 80;
    assert!(red(page.at_points(320.0, 130.0)), "the seal is drawn");
    assert!(
        blue(page.at_points(400.0, 130.0)),
        "the signer image is drawn"
    );
    assert!(!red(page.at_points(200.0, 130.0)) && !blue(page.at_points(200.0, 130.0)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seal_over_a_signature_stamps_the_number_and_both_signatures_hold() {
    use motcua_signing::sign::{Appearance, Stamp, StandardFont, Visible};
    use motcua_signing::simulator::images;
    // The leader signs visibly (the blue image), then the seal signs over its left third and
    // stamps the number in a blank elsewhere on the page, in the same update.
    let signer = images::signature(240, 96, 7);
    let mut personal = request("Ký ban hành");
    personal.visible = Some(Visible {
        page: 0,
        rect: [250.0, 100.0, 400.0, 160.0],
        appearance: Appearance {
            content: signer.fit_in("Im1", [0.0, 0.0, 150.0, 60.0]),
            images: vec![("Im1".into(), signer)],
            ..Appearance::default()
        },
    });
    let key = pki().key(&pki().rsa_signer);
    let signed = PdfSigner::new()
        .sign(typst_pdf(), &personal, &key, None)
        .await
        .expect("personal signature");
    let seal_image = images::seal(120);
    let mut seal = request("Đóng dấu, cấp số");
    seal.visible = Some(Visible {
        page: 0,
        rect: [220.0, 90.0, 300.0, 170.0],
        appearance: Appearance {
            content: seal_image.fit_in("Im1", [0.0, 0.0, 80.0, 80.0]),
            images: vec![("Im1".into(), seal_image)],
            ..Appearance::default()
        },
    });
    seal.stamps.push(Stamp {
        page: 0,
        rect: [60.0, 450.0, 120.0, 464.0],
        appearance: Appearance::centered_text(StandardFont::TimesRoman, 13.0, "05", 60.0, 3.0)
            .expect("digits are measured"),
        contents: Some("05".into()),
    });
    let sealed = PdfSigner::new()
        .sign(&signed, &seal, &pki().key(&pki().p256_signer), None)
        .await
        .expect("seal");
    let reports = verify_pdf(&sealed, &trust());
    assert_eq!(reports.len(), 2);
    assert!(reports[0].intact && reports[0].signature_valid && !reports[0].covers_whole_file);
    assert!(reports[1].is_valid() && reports[1].covers_whole_file);
    let path = save("sealed-over-signature.pdf", &sealed);
    let pdfsig_out = pdfsig(&path, &pki().root.cert);
    assert_eq!(
        pdfsig_out.matches("Signature is Valid").count(),
        2,
        "{pdfsig_out}"
    );
    let before = rasterize_first_page(&save("signed-before-seal.pdf", &signed));
    let page = rasterize_first_page(&path);
    let red = |p: [u8; 3]| p[0] > 180 && p[1] < 90 && p[2] < 90;
    let dark = |p: [u8; 3]| p[0] < 100 && p[1] < 100 && p[2] < 100;
    // The number is drawn in its blank: the seal's update darkened it.
    let inked = |raster: &Raster| {
        (60..120)
            .flat_map(|x| (450..464).map(move |y| (x, y)))
            .filter(|&(x, y)| dark(raster.at_points(f64::from(x), f64::from(y))))
            .count()
    };
    assert!(
        inked(&page) > inked(&before) + 10,
        "the stamped number is drawn ({} dark points, {} before)",
        inked(&page),
        inked(&before)
    );
    // The seal's ring is red where it was put.
    let reddish = (220..300)
        .flat_map(|x| (90..170).map(move |y| (x, y)))
        .filter(|&(x, y)| red(page.at_points(f64::from(x), f64::from(y))))
        .count();
    assert!(reddish > 50, "the seal is drawn ({reddish} red points)");
    // Text the standard fonts cannot measure is refused rather than drawn wrong.
    assert!(Appearance::centered_text(StandardFont::TimesRoman, 13.0, "số 5", 60.0, 3.0).is_none());
}

#[test]
fn png_images_decode_with_their_transparency() {
    use motcua_signing::sign::Image;
    // A 2×1 RGBA PNG: an opaque red pixel, a transparent one.
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, 2, 1);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        writer
            .write_image_data(&[255, 0, 0, 255, 0, 0, 0, 0])
            .expect("data");
    }
    let image = Image::from_png(&bytes).expect("decodes");
    assert_eq!((image.width, image.height), (2, 1));
    assert_eq!(image.rgb, vec![255, 0, 0, 0, 0, 0]);
    assert_eq!(image.alpha, vec![255, 0]);
    assert!(matches!(
        Image::from_png(b"not a png"),
        Err(motcua_signing::SignError::Image(_))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn b_lt_embeds_the_chains_and_crls_so_pyhanko_validates_offline() {
    use motcua_signing::ltv::{Revocation, StaticCrls};
    use motcua_signing::simulator::oracle::pyhanko_ltv;
    use motcua_signing::simulator::pki::crl;
    let tsa = TsaSimulator::start(pki().key(&pki().tsa))
        .await
        .expect("TSA");
    let client = TsaClient::new(tsa.url()).expect("client");
    // The issuing CA's CRL covers the signer and the TSA; the root's covers the issuing CA.
    let good = StaticCrls(vec![crl(&pki().intermediate, &[]), crl(&pki().root, &[])]);
    let signed = PdfSigner::new()
        .sign_lt(
            typst_pdf(),
            &request("Ký số B-LT"),
            &pki().key(&pki().rsa_signer),
            &client,
            &good,
        )
        .await
        .expect("B-LT");
    let reports = verify_pdf(&signed, &trust());
    assert_eq!(reports.len(), 1);
    assert!(reports[0].is_valid(), "{:?}", reports[0]);
    assert_eq!(reports[0].revocation, Revocation::Good);
    assert!(
        !reports[0].covers_whole_file,
        "the DSS comes after the signature"
    );
    let path = save("b-lt.pdf", &signed);
    let lines = pyhanko_ltv(&path, &pki().root.cert);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_pyhanko_valid(&lines[0]);
    assert!(pdfsig(&path, &pki().root.cert).contains("Signature is Valid"));
    // Without the CRLs in the file, pyHanko's offline B-LT validation fails: the test above
    // depends on them.
    let bare = PdfSigner::new()
        .sign(
            typst_pdf(),
            &request("Ký số B-T"),
            &pki().key(&pki().rsa_signer),
            Some(&client),
        )
        .await
        .expect("B-T");
    let path = save("b-t-only.pdf", &bare);
    let lines = pyhanko_ltv(&path, &pki().root.cert);
    assert!(
        lines.iter().all(|l| !l.contains("bottom_line=True")),
        "{lines:?}"
    );
    assert_eq!(
        verify_pdf(&bare, &trust())[0].revocation,
        Revocation::Unknown
    );

    // A signer whose certificate the CA revoked: our verifier says so and does not trust it.
    let serial = rsa_signer_serial();
    let revoked = StaticCrls(vec![
        crl(&pki().intermediate, &[serial]),
        crl(&pki().root, &[]),
    ]);
    let signed = PdfSigner::new()
        .sign_lt(
            typst_pdf(),
            &request("Ký số B-LT"),
            &pki().key(&pki().rsa_signer),
            &client,
            &revoked,
        )
        .await
        .expect("B-LT");
    let report = &verify_pdf(&signed, &trust())[0];
    assert_eq!(report.revocation, Revocation::Revoked);
    assert!(!report.is_valid());
}

/// The RSA signer's serial number (the test PKI numbers its certificates itself).
fn rsa_signer_serial() -> u32 {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(&pki().rsa_signer.cert).expect("certificate");
    cert.tbs_certificate
        .serial_number
        .as_bytes()
        .iter()
        .fold(0u32, |n, b| (n << 8) | u32::from(*b))
}
