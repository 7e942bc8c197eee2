//! `TrangThaiHoSo`: the ten national dossier statuses (vn-legal §3.1) and which changes of
//! them the portal accepts.
//!
//! The codes travel as strings (`"1"` … `"10"`), as the public implementations send them.
//! This crate depends on no other crate of the workspace, so the statuses are spelled out here
//! again; they correspond one to one with `motcua_domain::dossier::DossierStatus`.

/// Trạng thái hồ sơ on the national portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NationalStatus {
    /// 1 Mới đăng ký: submitted online, waiting to be received.
    Submitted,
    /// 2 Được tiếp nhận: received, an appointment given.
    Received,
    /// 3 Không được tiếp nhận: refused at reception.
    NotReceived,
    /// 4 Đang xử lý: being processed.
    InProcessing,
    /// 5 Yêu cầu bổ sung giấy tờ: papers requested from the applicant.
    SupplementRequested,
    /// 6 Yêu cầu thực hiện nghĩa vụ tài chính: waiting for fees or taxes.
    FinancialObligation,
    /// 7 Công dân yêu cầu rút hồ sơ: withdrawn at the applicant's request.
    Withdrawn,
    /// 8 Dừng xử lý: processing stopped.
    Stopped,
    /// 9 Đã xử lý xong: resolved, the result waits at the one-stop desk.
    Resolved,
    /// 10 Đã trả kết quả: the result was handed over.
    Returned,
}

use NationalStatus as S;

impl NationalStatus {
    pub const ALL: [NationalStatus; 10] = [
        S::Submitted,
        S::Received,
        S::NotReceived,
        S::InProcessing,
        S::SupplementRequested,
        S::FinancialObligation,
        S::Withdrawn,
        S::Stopped,
        S::Resolved,
        S::Returned,
    ];

    /// The national code, 1–10.
    pub fn code(self) -> u8 {
        match self {
            S::Submitted => 1,
            S::Received => 2,
            S::NotReceived => 3,
            S::InProcessing => 4,
            S::SupplementRequested => 5,
            S::FinancialObligation => 6,
            S::Withdrawn => 7,
            S::Stopped => 8,
            S::Resolved => 9,
            S::Returned => 10,
        }
    }

    /// The code as the sync format writes it (`TrangThaiHoSo`, `TrangThai`).
    pub fn code_str(self) -> &'static str {
        match self {
            S::Submitted => "1",
            S::Received => "2",
            S::NotReceived => "3",
            S::InProcessing => "4",
            S::SupplementRequested => "5",
            S::FinancialObligation => "6",
            S::Withdrawn => "7",
            S::Stopped => "8",
            S::Resolved => "9",
            S::Returned => "10",
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Reads the code as the sync format writes it: exactly `"1"` … `"10"` (no sign, no
    /// leading zero, no spaces), so that what the portal stores is what we meant.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code_str() == code)
    }

    /// The official Vietnamese name.
    pub fn label(self) -> &'static str {
        match self {
            S::Submitted => "Mới đăng ký",
            S::Received => "Được tiếp nhận",
            S::NotReceived => "Không được tiếp nhận",
            S::InProcessing => "Đang xử lý",
            S::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            S::FinancialObligation => "Yêu cầu thực hiện nghĩa vụ tài chính",
            S::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            S::Stopped => "Dừng xử lý",
            S::Resolved => "Đã xử lý xong",
            S::Returned => "Đã trả kết quả",
        }
    }

    /// Refused, withdrawn, stopped, returned: the portal takes no other status after these
    /// (an update that keeps the status is still accepted).
    pub fn is_final(self) -> bool {
        Self::next(self).is_empty()
    }

    /// The other statuses a dossier at `self` may move to (see [`is_allowed_transition`]).
    pub fn next(self) -> &'static [NationalStatus] {
        match self {
            S::Submitted => &[
                S::Received,
                S::NotReceived,
                S::SupplementRequested,
                S::Withdrawn,
            ],
            S::Received => &[
                S::InProcessing,
                S::SupplementRequested,
                S::FinancialObligation,
                S::Withdrawn,
                S::Stopped,
                S::Resolved,
            ],
            S::InProcessing => &[
                S::SupplementRequested,
                S::FinancialObligation,
                S::Withdrawn,
                S::Stopped,
                S::Resolved,
            ],
            S::SupplementRequested => &[
                S::Submitted,
                S::Received,
                S::NotReceived,
                S::InProcessing,
                S::Withdrawn,
                S::Stopped,
                S::Resolved,
            ],
            S::FinancialObligation => &[S::InProcessing, S::Withdrawn, S::Stopped, S::Resolved],
            S::Resolved => &[S::Returned],
            S::NotReceived | S::Withdrawn | S::Stopped | S::Returned => &[],
        }
    }
}

impl std::fmt::Display for NationalStatus {
    /// `4 (Đang xử lý)`: the code with its name, as the simulator's messages write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.code(), self.label())
    }
}

/// Whether the portal accepts an update moving a dossier from `from` to `to`.
///
/// Sending the same status again is always accepted: an update that changes other fields
/// (a new appointment, the result papers, a corrected name). Otherwise:
///
/// | from | to | why |
/// |---|---|---|
/// | 1 Mới đăng ký | 2, 3, 7, **5** | received, refused, withdrawn; 5 = papers asked for at reception (Mẫu 02), which our back office does before receiving |
/// | 2 Được tiếp nhận | 4, 5, 6, 7, 8, 9 | any step of processing; 9 directly when the desk resolves on the spot |
/// | 3 Không được tiếp nhận | — | final |
/// | 4 Đang xử lý | 5, 6, 8, 9, **7** | 4 → 4 is the same-status update (a step forwarded); 7 = the applicant withdraws while it is processed (our back office allows it) |
/// | 5 Yêu cầu bổ sung | 4, 2, 9, 8, 7, **1, 3** | supplement provided (back to processing, or received); resolved or stopped meanwhile; 1 and 3 = a supplement asked for at reception, then provided (back to waiting) or the dossier refused |
/// | 6 Nghĩa vụ tài chính | 4, 9, 8, **7** | paid (back to processing, or resolved at once), stopped, withdrawn |
/// | 7 Rút hồ sơ | — | final |
/// | 8 Dừng xử lý | — | final |
/// | 9 Đã xử lý xong | 10 | returned (9 → 9 is the same-status update, e.g. the result posted) |
/// | 10 Đã trả kết quả | — | final |
///
/// The changes in bold go beyond what the reference lists: they are what our own back office
/// produces (`motcua_domain::dossier::decide`), which the real portal is assumed to accept
/// as provincial systems send them. Skipping a status (4 → 10) is refused: updates must be
/// sent in the order the changes happened.
///
/// An `add` is not a transition: a dossier may arrive at the portal in any status (counter
/// dossiers start at 2; a late sync may add a dossier already returned).
pub fn is_allowed_transition(from: NationalStatus, to: NationalStatus) -> bool {
    from == to || from.next().contains(&to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_labels_and_parsing_agree() {
        for (index, status) in NationalStatus::ALL.into_iter().enumerate() {
            let code = u8::try_from(index + 1).expect("small");
            assert_eq!(status.code(), code);
            assert_eq!(status.code_str(), code.to_string());
            assert_eq!(NationalStatus::from_code(code), Some(status));
            assert_eq!(NationalStatus::parse(&code.to_string()), Some(status));
        }
        assert_eq!(NationalStatus::Returned.label(), "Đã trả kết quả");
        assert_eq!(NationalStatus::InProcessing.to_string(), "4 (Đang xử lý)");
        for bad in ["0", "11", "01", " 4", "4 ", "+4", "-1", "", "bốn", "4.0"] {
            assert_eq!(NationalStatus::parse(bad), None, "{bad:?}");
        }
        assert_eq!(NationalStatus::from_code(0), None);
        assert_eq!(NationalStatus::from_code(11), None);
    }

    /// The whole table, written out as pairs so a change to it is a visible change here.
    #[test]
    fn the_transition_table() {
        let allowed: &[(u8, &[u8])] = &[
            (1, &[2, 3, 5, 7]),
            (2, &[4, 5, 6, 7, 8, 9]),
            (3, &[]),
            (4, &[5, 6, 7, 8, 9]),
            (5, &[1, 2, 3, 4, 7, 8, 9]),
            (6, &[4, 7, 8, 9]),
            (7, &[]),
            (8, &[]),
            (9, &[10]),
            (10, &[]),
        ];
        for &(from, targets) in allowed {
            let from_status = NationalStatus::from_code(from).expect("code");
            for to in 1..=10u8 {
                let to_status = NationalStatus::from_code(to).expect("code");
                let expected = from == to || targets.contains(&to);
                assert_eq!(
                    is_allowed_transition(from_status, to_status),
                    expected,
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn the_same_status_again_is_always_an_update() {
        for status in NationalStatus::ALL {
            assert!(is_allowed_transition(status, status), "{status}");
        }
    }

    #[test]
    fn final_statuses_lead_nowhere_else() {
        let finals: Vec<u8> = NationalStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .map(NationalStatus::code)
            .collect();
        assert_eq!(finals, [3, 7, 8, 10]);
        for from in NationalStatus::ALL.into_iter().filter(|s| s.is_final()) {
            for to in NationalStatus::ALL.into_iter().filter(|to| *to != from) {
                assert!(!is_allowed_transition(from, to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn the_reference_flow_and_its_branches_are_accepted() {
        use NationalStatus as N;
        let flows: &[&[NationalStatus]] = &[
            // Online: submitted, received, processed, resolved, returned.
            &[
                N::Submitted,
                N::Received,
                N::InProcessing,
                N::InProcessing,
                N::Resolved,
                N::Returned,
            ],
            // Supplement during processing, fees, then resolved.
            &[
                N::Received,
                N::InProcessing,
                N::SupplementRequested,
                N::InProcessing,
                N::FinancialObligation,
                N::InProcessing,
                N::Resolved,
                N::Resolved,
                N::Returned,
            ],
            // Supplement at reception, provided, then received.
            &[
                N::Submitted,
                N::SupplementRequested,
                N::Submitted,
                N::Received,
            ],
            &[N::Submitted, N::SupplementRequested, N::Received],
            &[N::Submitted, N::SupplementRequested, N::NotReceived],
            &[N::Received, N::InProcessing, N::Withdrawn],
            &[N::Received, N::FinancialObligation, N::Stopped],
        ];
        for flow in flows {
            for pair in flow.windows(2) {
                assert!(is_allowed_transition(pair[0], pair[1]), "{flow:?}");
            }
        }
    }

    #[test]
    fn going_back_or_skipping_is_refused() {
        use NationalStatus as N;
        for (from, to) in [
            (N::InProcessing, N::Submitted),
            (N::InProcessing, N::Received),
            (N::InProcessing, N::Returned),
            (N::Received, N::Returned),
            (N::Submitted, N::InProcessing),
            (N::Submitted, N::Resolved),
            (N::Resolved, N::InProcessing),
            (N::Resolved, N::Withdrawn),
            (N::FinancialObligation, N::SupplementRequested),
            (N::Returned, N::Resolved),
        ] {
            assert!(!is_allowed_transition(from, to), "{from} -> {to}");
        }
    }
}
