//! The hash chain: a full timeline verifies; a changed reason, a removed event or reordered
//! events are detected at the right position; the canonical bytes do not depend on the offset.

use time::macros::offset;

use super::*;
use crate::dossier::event::{CANONICAL_TAG, ChainProblem};

fn timeline() -> Vec<Event> {
    returned().events
}

#[test]
fn a_whole_lifecycle_verifies_and_ends_at_the_dossier_head() {
    let run = returned();
    let head = verify_chain(&run.events).expect("untouched timeline verifies");
    assert_eq!(head, run.dossier.head);
    assert_eq!(
        run.dossier.last_seq,
        u64::try_from(run.events.len()).expect("small")
    );
    assert_eq!(from_hex(&run.dossier.head_hex()), Some(run.dossier.head));
    assert_eq!(verify_chain(&[]), Ok(GENESIS));
}

#[test]
fn a_changed_reason_is_detected() {
    let mut events = timeline();
    let target = events
        .iter()
        .position(|e| e.kind == CommandKind::Receive)
        .expect("received");
    events[target].reason = "sửa lại".into();
    let error = verify_chain(&events).expect_err("tampering detected");
    assert_eq!(error.at_seq, events[target].seq);
    assert_eq!(error.problem, ChainProblem::Hash);
    assert_eq!(error.as_str(), "dossier-chain-hash");
}

#[test]
fn changed_data_actor_or_time_is_detected() {
    let original = timeline();
    let mut events = original.clone();
    events[1]
        .data
        .insert("due".into(), "2030-01-01T00:00:00+07:00".into());
    assert_eq!(verify_chain(&events).map_err(|e| e.at_seq), Err(2));
    let mut events = original.clone();
    events[2].actor = Actor::System;
    assert_eq!(verify_chain(&events).map_err(|e| e.at_seq), Err(3));
    let mut events = original;
    events[3].at += time::Duration::seconds(1);
    assert_eq!(verify_chain(&events).map_err(|e| e.at_seq), Err(4));
}

#[test]
fn a_removed_event_is_detected() {
    let mut events = timeline();
    events.remove(2);
    let error = verify_chain(&events).expect_err("gap detected");
    assert_eq!((error.at_seq, error.problem), (3, ChainProblem::Sequence));
    assert_eq!(error.as_str(), "dossier-chain-sequence");

    // Renumbering after the removal does not help: the hashes no longer link.
    for (seq, event) in (1u64..).zip(events.iter_mut()) {
        event.seq = seq;
    }
    let error = verify_chain(&events).expect_err("renumbered gap detected");
    assert_eq!((error.at_seq, error.problem), (3, ChainProblem::Hash));
}

#[test]
fn reordered_events_are_detected() {
    let mut events = timeline();
    events.swap(3, 4);
    assert_eq!(verify_chain(&events).map_err(|e| e.at_seq), Err(4));
    // Swapping the sequence numbers back does not help either.
    let (a, b) = (events[3].seq, events[4].seq);
    events[3].seq = b;
    events[4].seq = a;
    assert_eq!(
        verify_chain(&events).map_err(|e| (e.at_seq, e.problem)),
        Err((4, ChainProblem::Hash))
    );
}

#[test]
fn a_truncated_tail_still_verifies_but_no_longer_matches_the_head() {
    let run = returned();
    let short = &run.events[..run.events.len() - 1];
    let head = verify_chain(short).expect("a prefix is a valid chain");
    assert_ne!(
        head, run.dossier.head,
        "the stored head reveals the truncation"
    );
}

#[test]
fn canonical_bytes_are_documented_and_offset_independent() {
    let event = timeline().remove(0);
    let bytes = event.canonical_bytes();
    let tag_len = u32::try_from(CANONICAL_TAG.len()).expect("short");
    assert_eq!(bytes[..4], tag_len.to_be_bytes());
    assert_eq!(&bytes[4..4 + CANONICAL_TAG.len()], CANONICAL_TAG.as_bytes());
    let mut shifted = event.clone();
    shifted.at = event.at.to_offset(offset!(UTC));
    assert_eq!(shifted.canonical_bytes(), bytes);
    assert_eq!(
        chain_hash(&GENESIS, &bytes),
        event.hash,
        "the first event is chained onto the genesis hash"
    );
    // Length prefixes keep fields apart: moving text between reason and data changes the hash.
    let mut a = event.clone();
    a.reason = "ab".into();
    let mut b = event;
    b.reason = "a".into();
    b.data.insert("b".into(), String::new());
    assert_ne!(a.canonical_bytes(), b.canonical_bytes());
}

#[test]
fn events_round_trip_through_json_and_still_verify() {
    let events = timeline();
    let json = serde_json::to_string(&events).expect("serialises");
    let back: Vec<Event> = serde_json::from_str(&json).expect("parses");
    assert_eq!(verify_chain(&back).map(|_| ()), Ok(()));
    assert_eq!(back, events);
}

#[test]
fn hex_helpers_reject_bad_input() {
    assert_eq!(from_hex("zz"), None);
    assert_eq!(from_hex(&"g".repeat(64)), None);
    assert_eq!(from_hex(&"é".repeat(32)), None);
    assert_eq!(from_hex(&"AB".repeat(32)), Some([0xab; 32]));
    assert_eq!(to_hex(&[0xab; 32]), "ab".repeat(32));
}
