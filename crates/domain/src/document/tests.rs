//! Transition table, numbering and property tests of official documents.

use std::collections::HashMap;

use proptest::prelude::*;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

use super::*;
use crate::authz::Role;
use crate::dossier::Actor;

const NOW: OffsetDateTime = datetime!(2026-12-07 08:30 +7);

fn official(id: i64, role: Role) -> Actor {
    Actor::Official {
        official_id: id,
        role,
    }
}

fn ctx(actor: &Actor) -> Context<'_> {
    Context {
        actor,
        now: NOW,
        today: date!(2026 - 12 - 07),
    }
}

/// A sample of every command, with valid data.
fn samples() -> Vec<Command> {
    vec![
        Command::Register { arrival_number: 1 },
        Command::SubmitToLeader { leader_id: 2 },
        Command::ReturnToSender {
            reason: "Gửi nhầm".into(),
        },
        Command::Direct {
            lead_unit: 10,
            co_units: vec![11],
            deadline: Some(date!(2026 - 12 - 10)),
            note: "Chủ trì tham mưu".into(),
        },
        Command::Assign { specialist_id: 3 },
        Command::ReportDone {
            result: "Đã trả lời".into(),
        },
        Command::Draft,
        Command::SendForReview,
        Command::SendBack {
            reason: "Sửa lại".into(),
        },
        Command::Approve,
        Command::Sign {
            kind: SignatureKind::Personal,
        },
        Command::Issue { number: 1 },
        Command::Sign {
            kind: SignatureKind::Seal,
        },
        Command::Distribute {
            recipients: vec![Recipient::Unit { unit_id: 10 }],
        },
    ]
}

/// A document in `status`, reached by the happy path with a drafter/assignee of id 3: the
/// personal signature given from signed on, the seal once distributed (an issued document
/// waits for it).
fn at(status: Option<Status>) -> Document {
    let mut doc = Document::new();
    doc.status = status;
    doc.assignee = Some(3);
    if matches!(
        status,
        Some(Status::Signed | Status::Issued | Status::Distributed)
    ) {
        doc.signatures.push(Signature {
            kind: SignatureKind::Personal,
            official_id: 2,
            at: NOW,
        });
    }
    if status == Some(Status::Distributed) {
        doc.signatures.push(Signature {
            kind: SignatureKind::Seal,
            official_id: 4,
            at: NOW,
        });
    }
    doc
}

/// (command kind, from) pairs the table allows, for a capable actor.
fn table_allows(command: &Command, from: Option<Status>) -> bool {
    use Status as S;
    match command {
        Command::Register { .. } | Command::Draft => from.is_none(),
        Command::SubmitToLeader { .. } => from == Some(S::Registered),
        Command::ReturnToSender { .. } => matches!(from, Some(S::Registered | S::Submitted)),
        Command::Direct { .. } => matches!(from, Some(S::Submitted | S::Directed | S::InHandling)),
        Command::Assign { .. } => matches!(from, Some(S::Directed | S::InHandling)),
        Command::ReportDone { .. } => from == Some(S::InHandling),
        Command::SendForReview => from == Some(S::Draft),
        Command::SendBack { .. } | Command::Approve => from == Some(S::InReview),
        Command::Sign {
            kind: SignatureKind::Personal,
        } => from == Some(S::Approved),
        Command::Sign {
            kind: SignatureKind::Seal,
        } => from == Some(S::Issued),
        Command::Issue { .. } => from == Some(S::Signed),
        // An issued document in the table has no seal yet; once distributed it has.
        Command::Distribute { .. } => from == Some(S::Distributed),
    }
}

#[test]
fn the_transition_table_holds_for_every_role_command_and_status() {
    let froms: Vec<Option<Status>> = std::iter::once(None)
        .chain(Status::ALL.into_iter().map(Some))
        .collect();
    let mut accepted = 0;
    for role in Role::ALL {
        // The drafter/assignee is official 3.
        let actor = official(3, role);
        for command in samples() {
            for from in &froms {
                let result = decide(&at(*from), &command, &ctx(&actor));
                let expected = role_may_issue(role, &command) && table_allows(&command, *from);
                assert_eq!(
                    result.is_ok(),
                    expected,
                    "{role:?} {command:?} from {from:?}: {result:?}"
                );
                if let Ok(decision) = result {
                    accepted += 1;
                    assert_eq!(decision.event.from_status, *from);
                    assert_eq!(decision.new_state.status, Some(decision.event.to_status));
                    assert_eq!(decision.new_state.last_seq, 1);
                    assert!(verify_chain(std::slice::from_ref(&decision.event)).is_ok());
                }
            }
        }
    }
    assert!(accepted > 20, "{accepted}");
}

#[test]
fn who_issues_what() {
    let sign = |kind| Command::Sign { kind };
    assert!(role_may_issue(
        Role::Clerk,
        &Command::Register { arrival_number: 1 }
    ));
    assert!(role_may_issue(Role::Clerk, &sign(SignatureKind::Seal)));
    assert!(!role_may_issue(Role::Clerk, &sign(SignatureKind::Personal)));
    assert!(role_may_issue(Role::Leader, &sign(SignatureKind::Personal)));
    assert!(!role_may_issue(Role::Leader, &sign(SignatureKind::Seal)));
    assert!(!role_may_issue(Role::Specialist, &Command::Approve));
    assert!(!role_may_issue(Role::Leader, &Command::Issue { number: 1 }));
    for command in samples() {
        assert!(!role_may_issue(Role::Reception, &command));
        assert!(!role_may_issue(Role::Admin, &command));
        assert!(!may_issue(&Actor::System, &command));
        assert!(!may_issue(&Actor::Citizen { citizen_id: 1 }, &command));
    }
}

#[test]
fn only_the_assignee_specialist_reports_done_and_only_the_drafter_sends_for_review() {
    let other = official(4, Role::Specialist);
    let done = Command::ReportDone {
        result: "xong".into(),
    };
    assert_eq!(
        decide(&at(Some(Status::InHandling)), &done, &ctx(&other)),
        Err(TransitionError::NotAssignee)
    );
    assert_eq!(
        decide(
            &at(Some(Status::Draft)),
            &Command::SendForReview,
            &ctx(&other)
        ),
        Err(TransitionError::NotAssignee)
    );
    // The unit head closes it for their specialist.
    assert!(
        decide(
            &at(Some(Status::InHandling)),
            &done,
            &ctx(&official(5, Role::UnitHead))
        )
        .is_ok()
    );
}

#[test]
fn data_is_checked() {
    let leader = official(2, Role::Leader);
    let direct = |lead, co: Vec<i64>, deadline| Command::Direct {
        lead_unit: lead,
        co_units: co,
        deadline,
        note: String::new(),
    };
    let submitted = at(Some(Status::Submitted));
    assert_eq!(
        decide(&submitted, &direct(10, vec![10], None), &ctx(&leader)),
        Err(TransitionError::LeadIsCoUnit)
    );
    assert_eq!(
        decide(
            &submitted,
            &direct(10, vec![], Some(date!(2026 - 12 - 06))),
            &ctx(&leader)
        ),
        Err(TransitionError::DeadlineInPast)
    );
    let directed = decide(
        &submitted,
        &direct(10, vec![12, 11, 12], None),
        &ctx(&leader),
    )
    .expect("directed");
    assert_eq!(directed.new_state.co_units, vec![11, 12]);
    assert_eq!(directed.effects.len(), 3);
    let clerk = official(9, Role::Clerk);
    assert_eq!(
        decide(
            &at(Some(Status::Registered)),
            &Command::ReturnToSender {
                reason: "  ".into()
            },
            &ctx(&clerk)
        ),
        Err(TransitionError::Required { field: "reason" })
    );
    assert_eq!(
        decide(
            &Document::new(),
            &Command::Register { arrival_number: 0 },
            &ctx(&clerk)
        ),
        Err(TransitionError::BadNumber)
    );
    assert_eq!(
        decide(
            &at(Some(Status::Distributed)),
            &Command::Distribute { recipients: vec![] },
            &ctx(&clerk)
        ),
        Err(TransitionError::Required {
            field: "recipients"
        })
    );
    let mut sealed_first = at(Some(Status::Approved));
    sealed_first.status = Some(Status::Signed);
    assert_eq!(
        decide(
            &sealed_first,
            &Command::Sign {
                kind: SignatureKind::Seal
            },
            &ctx(&clerk)
        ),
        Err(TransitionError::PersonalSignatureFirst)
    );
    // Điều 14: the number and time first, then the agency's signature, then sending.
    assert_eq!(
        decide(
            &at(Some(Status::Signed)),
            &Command::Sign {
                kind: SignatureKind::Seal
            },
            &ctx(&clerk)
        ),
        Err(TransitionError::NumberFirst)
    );
    assert_eq!(
        decide(
            &at(Some(Status::Issued)),
            &Command::Distribute {
                recipients: vec![Recipient::Unit { unit_id: 10 }]
            },
            &ctx(&clerk)
        ),
        Err(TransitionError::SealFirst)
    );
    let signed = at(Some(Status::Signed));
    assert_eq!(
        decide(
            &signed,
            &Command::Sign {
                kind: SignatureKind::Personal
            },
            &ctx(&leader)
        ),
        Err(TransitionError::AlreadySigned)
    );
}

#[test]
fn distribution_keeps_the_clerks_copy() {
    let clerk = official(9, Role::Clerk);
    let d = decide(
        &at(Some(Status::Distributed)),
        &Command::Distribute {
            recipients: vec![
                Recipient::Unit { unit_id: 10 },
                Recipient::Agency {
                    name: "Sở Tư pháp".into(),
                    via: Delivery::Email,
                },
            ],
        },
        &ctx(&clerk),
    )
    .expect("distributed");
    assert_eq!(
        d.event.data.get("kept").map(String::as_str),
        Some("Lưu: VT")
    );
    assert_eq!(
        d.event.data.get("recipients").map(String::as_str),
        Some("unit:10\nemail:Sở Tư pháp")
    );
    assert_eq!(d.new_state.recipients.len(), 2);
}

#[test]
fn numbers_and_notations_follow_decree_30() {
    assert_eq!(DocumentType::ALL.len(), 29);
    let without: Vec<_> = DocumentType::ALL
        .into_iter()
        .filter(|t| t.abbreviation().is_none())
        .collect();
    assert_eq!(without, vec![DocumentType::CongVan, DocumentType::ThuCong]);
    let mut abbrs: Vec<_> = DocumentType::ALL
        .iter()
        .filter_map(|t| t.abbreviation())
        .collect();
    abbrs.sort_unstable();
    abbrs.dedup();
    assert_eq!(abbrs.len(), 27, "abbreviations are distinct");
    assert_eq!(DocumentType::QuyDinh.abbreviation(), Some("QyĐ"));
    assert_eq!(DocumentType::ToTrinh.abbreviation(), Some("TTr"));
    for t in DocumentType::ALL {
        assert_eq!(DocumentType::parse(t.as_str()), Some(t));
    }
    assert_eq!(format_number(5), "05");
    assert_eq!(format_number(10), "10");
    assert_eq!(format_number(5918), "5918");
    let qd = notation(DocumentType::QuyetDinh, "UBND", None).expect("qđ");
    assert_eq!(code_number(5, &qd), "05/QĐ-UBND");
    let cv = notation(DocumentType::CongVan, "UBND", Some("VP")).expect("cv");
    assert_eq!(code_number(15, &cv), "15/UBND-VP");
    assert_eq!(
        notation(DocumentType::CongVan, "UBND", None),
        Err(NumberError::UnitRequired)
    );
    assert_eq!(
        notation(DocumentType::QuyetDinh, "UB ND", None),
        Err(NumberError::Abbreviation)
    );
    assert_eq!(
        notation(DocumentType::QuyetDinh, "", None),
        Err(NumberError::Abbreviation)
    );
    assert_eq!(abbreviate("UBND phường Ninh Kiều"), "UBND");
    assert_eq!(abbreviate("Sở Tư pháp"), "STP");
    assert_eq!(abbreviate("Văn phòng HĐND và UBND"), "VP");
    assert_eq!(abbreviate("Phòng Văn hóa - Xã hội"), "PVHXH");
    assert_eq!(next_number(None), Ok(1));
    assert_eq!(next_number(Some(41)), Ok(42));
    assert_eq!(next_number(Some(u32::MAX)), Err(NumberError::Exhausted));
    assert_eq!(Series::of(Secrecy::Thuong), Series::Regular);
    for s in [Secrecy::Mat, Secrecy::ToiMat, Secrecy::TuyetMat] {
        assert_eq!(Series::of(s), Series::Secret);
    }
    assert_eq!(
        duplicate_key("05/QĐ-UBND", "Sở Tư Pháp", 2026),
        duplicate_key(" 05/QD-UBND", "sở tư pháp", 2026)
    );
    assert_ne!(
        duplicate_key("05/QĐ-UBND", "Sở Tư pháp", 2026),
        duplicate_key("05/QĐ-UBND", "Sở Tư pháp", 2025)
    );
}

/// The command at `index` of [`samples`], with data picked from `pick`.
fn command(index: usize, pick: u32) -> Command {
    let mut all = samples();
    let i = index % all.len();
    let mut c = all.swap_remove(i);
    match &mut c {
        Command::Assign { specialist_id } => *specialist_id = i64::from(pick % 4) + 1,
        Command::Direct { deadline, .. } if pick.is_multiple_of(3) => {
            *deadline = Some(date!(2026 - 12 - 01));
        }
        Command::ReportDone { result } if pick.is_multiple_of(5) => result.clear(),
        _ => {}
    }
    c
}

proptest! {
    /// Any sequence of commands by any actors: refusals change nothing, each acceptance adds
    /// exactly one chained event, nothing ever leaves done or returned, no signature is given
    /// twice, and the register never changes (incoming stays incoming).
    #[test]
    fn any_sequence_keeps_the_invariants(
        ops in prop::collection::vec((0usize..14, 0usize..7, 1i64..5, 0u32..100, 0i64..600), 1..60)
    ) {
        let mut doc = Document::new();
        let mut events: Vec<Event> = Vec::new();
        let mut now = NOW;
        for (index, role, id, pick, minutes) in ops {
            now += Duration::minutes(minutes);
            let actor = official(id, Role::ALL[role]);
            let ctx = Context { actor: &actor, now, today: date!(2026 - 12 - 07) };
            let before = doc.clone();
            match decide(&doc, &command(index, pick), &ctx) {
                Ok(decision) => {
                    let to = decision.event.to_status;
                    prop_assert!(!matches!(before.status, Some(Status::Done | Status::Returned)),
                        "left {:?}", before.status);
                    if let Some(from) = before.status {
                        prop_assert_eq!(from.register(), to.register());
                    }
                    events.push(decision.event);
                    doc = decision.new_state;
                }
                Err(_) => prop_assert_eq!(&doc, &before),
            }
            for kind in [SignatureKind::Personal, SignatureKind::Seal] {
                prop_assert!(doc.signatures.iter().filter(|s| s.kind == kind).count() <= 1);
            }
        }
        prop_assert_eq!(events.len() as u64, doc.last_seq);
        prop_assert_eq!(verify_chain(&events), Ok(doc.head));
    }

    /// Numbers handed out by [`next_number`] per series, in any interleaving of bodies,
    /// registers, secrecy and years, are 1..=n in each series: no gap, no repeat, and the
    /// secret series never shares numbers with the regular one.
    #[test]
    fn numbering_has_no_gap_and_no_repeat(
        takes in prop::collection::vec((1i64..4, any::<bool>(), 0usize..4, 2025i32..2028), 1..200)
    ) {
        let mut counters: HashMap<SeriesKey, u32> = HashMap::new();
        let mut taken: HashMap<SeriesKey, Vec<u32>> = HashMap::new();
        for (body, incoming, secrecy, year) in takes {
            let register = if incoming { Register::Incoming } else { Register::Outgoing };
            let key = SeriesKey::new(body, register, Secrecy::ALL[secrecy], year);
            let next = next_number(counters.get(&key).copied()).expect("room");
            counters.insert(key, next);
            taken.entry(key).or_default().push(next);
        }
        for (key, numbers) in taken {
            let expected: Vec<u32> = (1..=u32::try_from(numbers.len()).expect("small")).collect();
            prop_assert_eq!(numbers, expected, "{:?}", key);
        }
    }
}
