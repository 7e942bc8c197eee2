//! Tests of catalogue-entry checks, version selection, search ranking and the JSON format.

use super::*;
use time::macros::date;
use unicode_normalization::UnicodeNormalization;

fn sample() -> Procedure {
    Procedure {
        code: "1.000894".into(),
        local_code: Some("1.000894.000.00.00.H13".into()),
        name: "Đăng ký kết hôn".into(),
        description: Some("Hai bên nam, nữ đăng ký kết hôn tại UBND cấp xã".into()),
        sector: Sector {
            code: "ho-tich".into(),
            name: "Hộ tịch".into(),
        },
        level: GovLevel::Commune,
        agency: "UBND cấp xã".into(),
        agency_kind: AgencyKind::CommuneCommittee,
        applicant_types: vec![ApplicantType::Citizen],
        steps: vec!["Nộp hồ sơ".into(), "Trả kết quả".into()],
        channels: vec![Channel::Counter, Channel::Online],
        online_level: OnlineLevel::Partial,
        required_documents: vec![RequiredDocument {
            name: "Tờ khai đăng ký kết hôn".into(),
            form: DocumentForm::Original,
            count: 1,
            template: Some("Tờ khai đăng ký kết hôn (TT 04/2024/TT-BTP)".into()),
            required: true,
            note: None,
        }],
        processing_time: ProcessingTime {
            limits: vec![
                TimeLimit {
                    value: 0,
                    unit: TimeUnit::SameDay,
                    channel: None,
                },
                TimeLimit {
                    value: 5,
                    unit: TimeUnit::WorkingDays,
                    channel: Some(Channel::Online),
                },
            ],
            note: None,
        },
        fees: vec![Fee {
            name: "Lệ phí đăng ký kết hôn".into(),
            amount_vnd: 0,
            kind: FeeKind::Charge,
            per: None,
            channel: None,
            note: None,
            exemptions: vec!["Công dân Việt Nam cư trú ở trong nước".into()],
            conditional: false,
        }],
        fee_note: None,
        pay_at_submission: false,
        result: "Giấy chứng nhận kết hôn".into(),
        legal_basis: vec![LegalCitation {
            number: "60/2014/QH13".into(),
            title: "Luật Hộ tịch".into(),
            issuer: "Quốc hội".into(),
            date: Some(date!(2014 - 11 - 20)),
        }],
        conditions: vec![],
        form_schema: FormSchema {
            fields: vec![Field {
                id: "husband_name".into(),
                label: "Họ tên chồng".into(),
                kind: FieldKind::Text {
                    max_len: 100,
                    pattern: None,
                },
                required: true,
                help: None,
            }],
        },
        effective_from: date!(2025 - 07 - 01),
        version: 2,
        verify: false,
    }
}

fn kinds(procedure: &Procedure) -> Vec<(String, ProblemKind)> {
    match procedure.validate() {
        Ok(()) => Vec::new(),
        Err(problems) => problems.into_iter().map(|p| (p.path, p.kind)).collect(),
    }
}

#[test]
fn a_consistent_procedure_passes() {
    assert_eq!(kinds(&sample()), vec![]);
}

#[test]
fn national_codes_have_one_digit_a_dot_and_six_digits() {
    for good in ["1.001193", "2.000635", "3.000182"] {
        assert!(is_national_code(good), "{good}");
    }
    for bad in [
        "",
        "1001193",
        "1.00119",
        "1.0011930",
        "a.001193",
        "1,001193",
        "１.001193",
    ] {
        assert!(!is_national_code(bad), "{bad}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut broken = sample();
    broken.code = "1.1193".into();
    broken.local_code = Some("2.000635.000.00.00.H13".into());
    broken.name = " ".into();
    broken.steps.push("Tra\u{301} kết quả".nfd().collect());
    broken.channels = vec![Channel::Counter, Channel::Counter];
    broken.required_documents[0].count = 0;
    broken.processing_time.limits.push(TimeLimit {
        value: 0,
        unit: TimeUnit::WorkingDays,
        channel: Some(Channel::Postal),
    });
    broken.fees[0].amount_vnd = -1;
    broken.legal_basis.clear();
    broken.version = 0;
    broken
        .form_schema
        .fields
        .push(broken.form_schema.fields[0].clone());
    broken.form_schema.fields.push(Field {
        id: "Bad-Id".into(),
        label: String::new(),
        kind: FieldKind::Choice {
            options: vec![],
            multiple: false,
        },
        required: false,
        help: None,
    });
    let found = kinds(&broken);
    let expect = [
        ("code", ProblemKind::BadCode),
        ("local_code", ProblemKind::BadLocalCode),
        ("name", ProblemKind::Empty),
        ("steps[2]", ProblemKind::NotNfc),
        ("version", ProblemKind::ZeroVersion),
        ("channels", ProblemKind::Duplicate),
        ("online_level", ProblemKind::OnlineLevelWithoutChannel),
        ("required_documents[0].count", ProblemKind::ZeroCount),
        ("processing_time.limits[2].value", ProblemKind::ZeroTime),
        (
            "processing_time.limits[2].channel",
            ProblemKind::ChannelNotOffered,
        ),
        ("fees[0].amount_vnd", ProblemKind::NegativeAmount),
        ("legal_basis", ProblemKind::NoItems),
        ("form_schema.fields[1].id", ProblemKind::Duplicate),
        ("form_schema.fields[2].id", ProblemKind::BadFieldId),
        ("form_schema.fields[2].label", ProblemKind::Empty),
        ("form_schema.fields[2].kind.options", ProblemKind::NoItems),
    ];
    for (path, kind) in expect {
        assert!(
            found.contains(&(path.to_owned(), kind)),
            "missing {path} {kind:?} in {found:?}"
        );
    }
}

#[test]
fn conflicting_times_and_bad_bounds_are_found() {
    let mut broken = sample();
    broken.processing_time.limits.push(TimeLimit {
        value: 3,
        unit: TimeUnit::WorkingDays,
        channel: None,
    });
    broken.processing_time.limits.clear();
    let found = kinds(&broken);
    assert!(found.contains(&("processing_time.limits".into(), ProblemKind::NoItems)));

    let mut broken = sample();
    broken.processing_time.limits.push(TimeLimit {
        value: 3,
        unit: TimeUnit::WorkingDays,
        channel: None,
    });
    broken.form_schema.fields = vec![
        Field {
            id: "area".into(),
            label: "Diện tích".into(),
            kind: FieldKind::Number {
                min: Some(10.0),
                max: Some(1.0),
                integer: false,
            },
            required: false,
            help: None,
        },
        Field {
            id: "owners".into(),
            label: "Chủ sử dụng".into(),
            kind: FieldKind::Group {
                fields: vec![],
                min: 3,
                max: 2,
            },
            required: false,
            help: None,
        },
        Field {
            id: "note".into(),
            label: "Ghi chú".into(),
            kind: FieldKind::LongText { max_len: 0 },
            required: false,
            help: None,
        },
    ];
    let found = kinds(&broken);
    for (path, kind) in [
        (
            "processing_time.limits[2].channel",
            ProblemKind::ConflictingTimes,
        ),
        ("form_schema.fields[0].kind", ProblemKind::BadRange),
        ("form_schema.fields[1].kind.fields", ProblemKind::NoItems),
        ("form_schema.fields[1].kind", ProblemKind::BadRange),
        ("form_schema.fields[2].kind.max_len", ProblemKind::BadLength),
    ] {
        assert!(
            found.contains(&(path.to_owned(), kind)),
            "{path} in {found:?}"
        );
    }
}

#[test]
fn problem_kinds_have_stable_ids() {
    assert_eq!(ProblemKind::BadCode.as_str(), "procedure-bad-code");
    let problem = ProcedureProblem {
        path: "code".into(),
        kind: ProblemKind::BadCode,
    };
    assert_eq!(problem.to_string(), "code: procedure-bad-code");
}

#[test]
fn the_limit_for_a_channel_falls_back_to_the_general_limit() {
    let procedure = sample();
    let times = &procedure.processing_time;
    assert_eq!(times.for_channel(Channel::Online).map(|l| l.value), Some(5));
    assert_eq!(
        times.for_channel(Channel::Counter).map(|l| l.unit),
        Some(TimeUnit::SameDay)
    );
}

#[test]
fn papers_that_came_by_post_count_the_counter_limit_unless_stated() {
    let mut procedure = sample();
    // A catalogue that states a counter and an online limit, none for all channels.
    procedure.processing_time.limits[0].channel = Some(Channel::Counter);
    let times = &procedure.processing_time;
    assert_eq!(times.for_channel(Channel::Postal), None);
    assert_eq!(
        times.for_reception(Channel::Postal).map(|l| l.unit),
        Some(TimeUnit::SameDay),
        "the counter's limit"
    );
    // Without a counter limit, the online one.
    procedure
        .processing_time
        .limits
        .retain(|l| l.channel != Some(Channel::Counter));
    assert_eq!(
        procedure
            .processing_time
            .for_reception(Channel::Postal)
            .map(|l| l.value),
        Some(5)
    );
    // A stated postal limit wins.
    let mut postal = procedure.processing_time.limits[0];
    postal.channel = Some(Channel::Postal);
    postal.value = 9;
    procedure.processing_time.limits.push(postal);
    assert_eq!(
        procedure
            .processing_time
            .for_reception(Channel::Postal)
            .map(|l| l.value),
        Some(9)
    );
}

#[test]
fn the_version_in_force_is_the_latest_that_has_started() {
    let mut v1 = sample();
    v1.version = 1;
    v1.effective_from = date!(2020 - 07 - 01);
    let mut v2 = sample();
    v2.version = 2;
    v2.effective_from = date!(2025 - 07 - 01);
    let mut v3 = sample();
    v3.version = 3;
    v3.effective_from = date!(2027 - 01 - 01);
    let versions = [v3, v1, v2];
    let at = |on| version_in_force(&versions, on).map(|p| p.version);
    assert_eq!(at(date!(2019 - 12 - 31)), None);
    assert_eq!(at(date!(2020 - 07 - 01)), Some(1));
    assert_eq!(at(date!(2025 - 06 - 30)), Some(1));
    assert_eq!(at(date!(2025 - 07 - 01)), Some(2));
    assert_eq!(at(date!(2026 - 11 - 24)), Some(2));
    assert_eq!(at(date!(2027 - 01 - 01)), Some(3));
    assert_eq!(version_in_force(&[], date!(2026 - 01 - 01)), None);
}

#[test]
fn same_start_date_prefers_the_higher_version() {
    let mut a = sample();
    a.version = 4;
    let mut b = sample();
    b.version = 5;
    let versions = [b, a];
    assert_eq!(
        version_in_force(&versions, date!(2026 - 01 - 01)).map(|p| p.version),
        Some(5)
    );
}

#[test]
fn search_ignores_diacritics_and_ranks_name_before_description() {
    let procedure = sample();
    assert_eq!(procedure.name_folded(), "dang ky ket hon");
    assert!(procedure.search_text().contains("ubnd cap xa"));
    assert_eq!(
        procedure.match_rank("dang ky ket hon"),
        Some(MatchRank::Name)
    );
    assert_eq!(
        procedure.match_rank("ĐĂNG KÝ KẾT HÔN"),
        Some(MatchRank::Name)
    );
    assert_eq!(
        procedure.match_rank("kết hôn nam nữ"),
        Some(MatchRank::Description)
    );
    assert_eq!(procedure.match_rank("1.000894"), Some(MatchRank::Code));
    assert_eq!(
        procedure.match_rank("1.000894.000.00.00.h13"),
        Some(MatchRank::Code)
    );
    assert_eq!(procedure.match_rank("khai sinh"), None);
    assert_eq!(procedure.match_rank("dang k"), None, "whole syllables only");
    assert_eq!(procedure.match_rank("  "), None);
    assert!(MatchRank::Code < MatchRank::Name && MatchRank::Name < MatchRank::Description);
}

#[test]
fn json_round_trip_keeps_everything_and_uses_iso_dates() {
    let procedure = sample();
    let json = serde_json::to_value(&procedure).expect("serialise");
    assert_eq!(json["effective_from"], "2025-07-01");
    assert_eq!(json["legal_basis"][0]["date"], "2014-11-20");
    assert_eq!(json["level"], "commune");
    assert_eq!(json["agency_kind"], "commune_committee");
    assert_eq!(json["processing_time"]["limits"][0]["unit"], "same_day");
    assert_eq!(json["form_schema"]["fields"][0]["kind"]["type"], "text");
    assert!(json.get("verify").is_none(), "verify=false is not written");
    let back: Procedure = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, procedure);
}

#[test]
fn unknown_keys_in_catalogue_json_are_rejected() {
    let mut json = serde_json::to_value(sample()).expect("serialise");
    json["fees"][0]["amount"] = serde_json::json!(5);
    assert!(serde_json::from_value::<Procedure>(json).is_err());
}

#[test]
fn enum_strings_round_trip() {
    for kind in AgencyKind::ALL {
        assert_eq!(AgencyKind::parse(kind.as_str()), Some(kind));
        let json = serde_json::to_value(kind).expect("serialise");
        assert_eq!(json, kind.as_str());
    }
    for channel in Channel::ALL {
        assert_eq!(Channel::parse(channel.as_str()), Some(channel));
    }
    for level in OnlineLevel::ALL {
        assert_eq!(OnlineLevel::parse(level.as_str()), Some(level));
    }
    for unit in TimeUnit::ALL {
        assert_eq!(TimeUnit::parse(unit.as_str()), Some(unit));
    }
    for form in DocumentForm::ALL {
        assert_eq!(DocumentForm::parse(form.as_str()), Some(form));
        assert_eq!(
            serde_json::to_value(form).expect("serialise"),
            form.as_str()
        );
    }
    for applicant in ApplicantType::ALL {
        assert_eq!(ApplicantType::parse(applicant.as_str()), Some(applicant));
    }
}

#[test]
fn fees_for_a_channel_include_general_fees_and_that_channels_own() {
    let mut procedure = sample();
    let base = procedure.fees[0].clone();
    procedure.fees = vec![
        Fee {
            name: "Lệ phí".into(),
            amount_vnd: 100_000,
            channel: Some(Channel::Counter),
            ..base.clone()
        },
        Fee {
            name: "Lệ phí".into(),
            amount_vnd: 50_000,
            channel: Some(Channel::Online),
            ..base.clone()
        },
        Fee {
            name: "Phí bản sao".into(),
            amount_vnd: 8_000,
            conditional: true,
            ..base
        },
    ];
    let online: Vec<i64> = procedure
        .fees_for(Channel::Online)
        .map(|fee| fee.amount_vnd)
        .collect();
    assert_eq!(online, vec![50_000, 8_000]);
    let counter: Vec<i64> = procedure
        .fees_for(Channel::Counter)
        .map(|fee| fee.amount_vnd)
        .collect();
    assert_eq!(counter, vec![100_000, 8_000]);
    assert_eq!(kinds(&procedure), vec![]);

    procedure.fees[1].channel = Some(Channel::Postal);
    assert!(
        kinds(&procedure).contains(&("fees[1].channel".into(), ProblemKind::ChannelNotOffered))
    );
}
