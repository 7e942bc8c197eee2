//! Checks the demo catalogue in `data/catalogue/`: every file parses in the published format,
//! every entry passes [`Procedure::validate`], and the catalogue covers what the spec promises
//! (at least 60 procedures in at least 10 sectors, including every procedure the seed article
//! names).

use super::*;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use time::macros::date;

fn catalogue_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/catalogue")
}

/// Every procedure of every `*.json` file, with the file it came from.
fn load() -> Vec<(String, Procedure)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(catalogue_dir())
        .expect("data/catalogue exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no catalogue files found");
    let mut all = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).expect("readable catalogue file");
        let procedures: Vec<Procedure> = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{name} is not a list of procedures: {error}"));
        assert!(!procedures.is_empty(), "{name} is empty");
        all.extend(procedures.into_iter().map(|p| (name.clone(), p)));
    }
    all
}

#[test]
fn every_catalogue_entry_is_consistent() {
    let mut failures = Vec::new();
    for (file, procedure) in load() {
        if let Err(problems) = procedure.validate() {
            for problem in problems {
                failures.push(format!(
                    "{file} {} ({}): {problem}",
                    procedure.code, procedure.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn catalogue_is_big_enough_and_codes_are_unique() {
    let all = load();
    assert!(all.len() >= 60, "only {} procedures", all.len());
    let sectors: HashSet<&str> = all.iter().map(|(_, p)| p.sector.code.as_str()).collect();
    assert!(sectors.len() >= 10, "only {} sectors", sectors.len());
    let mut seen = HashSet::new();
    for (file, procedure) in &all {
        assert!(
            seen.insert(procedure.code.as_str()),
            "{file}: code {} appears twice",
            procedure.code
        );
    }
}

#[test]
fn one_sector_per_file_and_one_name_per_sector_code() {
    let all = load();
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, procedure) in &all {
        let stem = file.trim_end_matches(".json");
        assert_eq!(
            stem, procedure.sector.code,
            "{file}: {} is in the wrong file",
            procedure.code
        );
        let name = names
            .entry(procedure.sector.code.as_str())
            .or_insert(procedure.sector.name.as_str());
        assert_eq!(*name, procedure.sector.name, "sector {stem} has two names");
    }
}

#[test]
fn the_procedures_named_in_the_seed_article_are_present() {
    let all = load();
    let find = |query: &str| {
        all.iter()
            .filter(|(_, p)| p.match_rank(query) == Some(MatchRank::Name))
            .map(|(_, p)| p.name.clone())
            .collect::<Vec<_>>()
    };
    for query in [
        "đăng ký khai sinh",
        "dang ky ket hon",
        "chuyển nhượng quyền sử dụng đất",
        "đăng ký biến động",
    ] {
        assert!(!find(query).is_empty(), "nothing named like {query:?}");
    }
    let codes: HashSet<&str> = all.iter().map(|(_, p)| p.code.as_str()).collect();
    for code in ["1.001193", "1.000894"] {
        assert!(codes.contains(code), "{code} missing");
    }
}

#[test]
fn catalogue_describes_current_law() {
    // Every entry is in force under the two-tier local government (from 01/7/2025) and is not
    // dated in the future of the demo; no entry is implemented by a district.
    for (file, procedure) in load() {
        assert!(
            procedure.effective_from >= date!(2025 - 07 - 01)
                && procedure.effective_from <= date!(2026 - 12 - 31),
            "{file} {}: effective_from {}",
            procedure.code,
            procedure.effective_from
        );
        assert_ne!(
            procedure.level,
            GovLevel::District,
            "{file} {}: no districts since 01/7/2025",
            procedure.code
        );
    }
}

#[test]
fn main_procedures_have_detailed_forms() {
    // The forms the spec calls out are rendered field by field, with repeating groups where
    // the official form has them.
    let all = load();
    let schema = |code: &str| {
        all.iter()
            .find(|(_, p)| p.code == code)
            .map(|(_, p)| p.form_schema.clone())
            .unwrap_or_else(|| panic!("{code} missing"))
    };
    for code in ["1.001193", "1.000894"] {
        assert!(schema(code).fields.len() >= 12, "{code} form too thin");
    }
    let has_group = |fields: &[Field]| {
        fields
            .iter()
            .any(|f| matches!(f.kind, FieldKind::Group { .. }))
    };
    let groups = all
        .iter()
        .filter(|(_, p)| has_group(&p.form_schema.fields))
        .count();
    assert!(groups >= 5, "only {groups} forms use repeating groups");
}

fn procedure(code: &str) -> Procedure {
    load()
        .into_iter()
        .map(|(_, p)| p)
        .find(|p| p.code == code)
        .unwrap_or_else(|| panic!("{code} missing"))
}

fn submit(code: &str, json: serde_json::Value) -> Result<ValidatedForm, Vec<FieldError>> {
    let values: FormValues = serde_json::from_value(json).expect("form JSON");
    procedure(code)
        .form_schema
        .validate(&values, date!(2026 - 11 - 24))
}

#[test]
fn a_realistic_birth_registration_passes_the_catalogue_form() {
    let address =
        serde_json::json!({"street": "45 đường 30/4", "province": "92", "commune": "31117"});
    let form = submit(
        "1.001193",
        serde_json::json!({
            "nguoi_yeu_cau_ho_ten": "Trần Văn Bình",
            "nguoi_yeu_cau_so_dinh_danh": "092090123456",
            "nguoi_yeu_cau_noi_cu_tru": address,
            "nguoi_yeu_cau_quan_he": "Cha",
            "so_dien_thoai": "0912 345 678",
            "tre_ho_ten": "Trần Ngọc Anh",
            "tre_ngay_sinh": "02/11/2026",
            "tre_gioi_tinh": "nu",
            "tre_dan_toc": "Kinh",
            "tre_quoc_tich": "Việt Nam",
            "tre_noi_sinh": "Bệnh viện Phụ sản thành phố Cần Thơ",
            "tre_que_quan": "Thành phố Cần Thơ",
            "me_ho_ten": "Lê Thị Hoa",
            "me_nam_sinh": 1995,
            "me_dan_toc": "Kinh",
            "me_quoc_tich": "Việt Nam",
            "me_noi_cu_tru": address,
            "cha_ho_ten": "Trần Văn Bình",
            "cha_nam_sinh": "1993",
            "loai_giay_chung_sinh": "giay_chung_sinh",
            "cha_me_da_ket_hon": "co",
            "so_ban_sao": "2",
            "hinh_thuc_nhan_ket_qua": "truc_tuyen",
            "cam_doan": "on",
        }),
    )
    .expect("valid birth registration");
    assert_eq!(form.text("tre_ngay_sinh"), Some("2026-11-02"));
    assert_eq!(form.text("so_dien_thoai"), Some("0912345678"));
}

#[test]
fn the_marriage_form_reports_every_missing_answer() {
    let errors = submit(
        "1.000894",
        serde_json::json!({"ben_nu_ho_ten": "Lê Thị Hoa"}),
    )
    .expect_err("incomplete");
    let paths: HashSet<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for path in [
        "ben_nu_ngay_sinh",
        "ben_nam_ho_ten",
        "tu_nguyen",
        "cam_doan",
    ] {
        assert!(paths.contains(path), "{path} not reported in {errors:?}");
    }
    assert!(!paths.contains("ben_nu_ho_ten"));
}
