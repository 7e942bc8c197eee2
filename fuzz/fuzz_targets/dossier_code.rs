//! Dossier codes as typed on the lookup page, scanned from a QR code or sent to the API:
//! parsing never panics, and whatever parses prints back to a code that parses to the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_domain::dossier::DossierCode;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = DossierCode::parse(text) {
        let printed = code.to_string();
        let again = DossierCode::parse(&printed).expect("a printed code parses");
        assert_eq!(again, code, "round trip of {printed}");
        assert_eq!(again.to_string(), printed);
    }
});
