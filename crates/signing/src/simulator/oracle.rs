//! The independent judges of our signatures in tests: poppler's `pdfsig` and pyHanko, both
//! installed by `.ci/setup-test-tools` (missing is a failure, not a skip). Each is told to
//! trust one root, as a relying party configured with the test PKI would be.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Where the judges' files go (`target/signing-tests`).
pub fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/signing-tests");
    std::fs::create_dir_all(&dir).expect("work dir");
    dir
}

/// Writes `bytes` to `name` in [`work_dir`].
/// Written whole then renamed, so a judge running at the same time in another test never reads
/// a half-written file.
pub fn save(name: &str, bytes: &[u8]) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = work_dir().join(name);
    let partial = work_dir().join(format!(
        ".{name}.{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&partial, bytes).expect("write");
    std::fs::rename(&partial, &path).expect("rename");
    path
}

/// Fails the test naming the missing tool and how to install it.
pub fn tool_missing(tool: &str) -> ! {
    panic!(
        "{tool} is missing: run `.ci/setup-test-tools` (as root) — it installs poppler-utils, \
         libnss3-tools and pyHanko (target/test-tools/pyhanko)"
    )
}

/// A short tag of a root certificate, to name its files.
fn tag(root_der: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(root_der);
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// An NSS database trusting `root_der`, for pdfsig (one per root and process).
fn nss_db(root_der: &[u8]) -> PathBuf {
    static DBS: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut dbs = DBS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let tag = tag(root_der);
    if let Some(dir) = dbs.get(&tag) {
        return dir.clone();
    }
    let dir = work_dir().join(format!("nssdb-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("nss dir");
    let db = format!("sql:{}", dir.display());
    let st = Command::new("certutil")
        .args(["-N", "-d", &db, "--empty-password"])
        .status()
        .unwrap_or_else(|_| tool_missing("certutil"));
    assert!(st.success(), "certutil -N");
    let root = save(
        &format!("root-{tag}.pem"),
        super::pki::pem("CERTIFICATE", root_der).as_bytes(),
    );
    let st = Command::new("certutil")
        .args([
            "-A",
            "-d",
            &db,
            "-n",
            "motcua-test-root",
            "-t",
            "CT,C,C",
            "-i",
        ])
        .arg(&root)
        .status()
        .expect("certutil -A");
    assert!(st.success(), "certutil -A");
    dbs.insert(tag, dir.clone());
    dir
}

/// What `pdfsig` prints for the file, trusting `root_der`.
pub fn pdfsig(path: &Path, root_der: &[u8]) -> String {
    let out = Command::new("pdfsig")
        .arg("-nssdir")
        .arg(format!("sql:{}", nss_db(root_der).display()))
        .arg(path)
        .output()
        .unwrap_or_else(|_| tool_missing("pdfsig"));
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn pyhanko_python() -> PathBuf {
    if let Some(p) = std::env::var_os("MOTCUA_PYHANKO_PYTHON") {
        return PathBuf::from(p);
    }
    let venv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-tools/pyhanko/bin/python");
    if venv.is_file() {
        return venv;
    }
    tool_missing("pyHanko")
}

const PYHANKO_SCRIPT: &str = r#"
import sys
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko.keys import load_cert_from_pemder
root = load_cert_from_pemder(sys.argv[2])
vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode='soft-fail')
with open(sys.argv[1], 'rb') as f:
    r = PdfFileReader(f, strict=False)
    for sig in r.embedded_signatures:
        try:
            st = validate_pdf_signature(sig, vc)
            ts = st.timestamp_validity
            print(f"{sig.field_name} intact={st.intact} valid={st.valid} trusted={st.trusted} "
                  f"coverage={st.coverage.name} bottom_line={st.bottom_line} "
                  f"timestamp={'none' if ts is None else (ts.intact and ts.valid and ts.trusted)}")
        except Exception as e:
            print(f"{sig.field_name} error={type(e).__name__}: {e}")
"#;

/// pyHanko's verdict, one line per signature: `name intact=… valid=… trusted=… coverage=…
/// bottom_line=… timestamp=…`, trusting `root_der`.
pub fn pyhanko(path: &Path, root_der: &[u8]) -> Vec<String> {
    let script = save("validate.py", PYHANKO_SCRIPT.as_bytes());
    let root = save(
        &format!("root-{}.pem", tag(root_der)),
        super::pki::pem("CERTIFICATE", root_der).as_bytes(),
    );
    let out = Command::new(pyhanko_python())
        .arg(&script)
        .arg(path)
        .arg(&root)
        .output()
        .expect("run pyHanko");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pyHanko failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

const PYHANKO_LTV_SCRIPT: &str = r#"
import sys
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko.keys import load_cert_from_pemder
root = load_cert_from_pemder(sys.argv[2])
kwargs = {'trust_roots': [root], 'allow_fetching': False, 'revocation_mode': 'hard-fail'}
with open(sys.argv[1], 'rb') as f:
    r = PdfFileReader(f, strict=False)
    try:
        vc = DocumentSecurityStore.read_dss(r).as_validation_context(kwargs)
    except Exception:
        vc = ValidationContext(crls=[], ocsps=[], **kwargs)
    for sig in r.embedded_signatures:
        try:
            st = validate_pdf_signature(sig, vc)
            print(f"{sig.field_name} intact={st.intact} valid={st.valid} trusted={st.trusted} "
                  f"coverage={st.coverage.name} bottom_line={st.bottom_line}")
        except Exception as e:
            print(f"{sig.field_name} error={type(e).__name__}: {e}")
"#;

/// pyHanko's verdict with revocation checking required (hard-fail) and nothing fetched: the
/// certificates name CRL distribution points, so the CRLs must come from the document's DSS
/// (B-LT). One line per signature, trusting `root_der`.
pub fn pyhanko_ltv(path: &Path, root_der: &[u8]) -> Vec<String> {
    let script = save("validate-ltv.py", PYHANKO_LTV_SCRIPT.as_bytes());
    let root = save(
        &format!("root-{}.pem", tag(root_der)),
        super::pki::pem("CERTIFICATE", root_der).as_bytes(),
    );
    let out = Command::new(pyhanko_python())
        .arg(&script)
        .arg(path)
        .arg(&root)
        .output()
        .expect("run pyHanko");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pyHanko failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

/// A pyHanko line of a sound, intact, trusted signature.
pub fn assert_pyhanko_valid(line: &str) {
    assert!(
        line.contains("intact=True")
            && line.contains("valid=True")
            && line.contains("trusted=True")
            && line.contains("bottom_line=True"),
        "pyHanko: {line}"
    );
}

/// A page rendered by poppler at 72 dpi (one pixel per point), as RGB.
pub struct Raster {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl Raster {
    /// The pixel at `(x, y)` in PDF points from the bottom-left corner.
    pub fn at_points(&self, x: f64, y: f64) -> [u8; 3] {
        let column = (x.round() as usize).min(self.width - 1);
        let row = self.height - 1 - (y.round() as usize).min(self.height - 1);
        let at = (row * self.width + column) * 3;
        [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
    }
}

pub fn rasterize_first_page(pdf: &std::path::Path) -> Raster {
    let out = Command::new("pdftoppm")
        .args(["-r", "72", "-f", "1", "-l", "1"])
        .arg(pdf)
        .output()
        .unwrap_or_else(|_| tool_missing("pdftoppm"));
    assert!(out.status.success(), "pdftoppm");
    // Binary PPM: "P6", width, height, 255, then the samples.
    let data = out.stdout;
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while data[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !data[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P6");
    let width: usize = fields[1].parse().expect("width");
    let height: usize = fields[2].parse().expect("height");
    Raster {
        width,
        height,
        rgb: data[at + 1..].to_vec(),
    }
}
