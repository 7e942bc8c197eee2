//! Bộ chỉ số 766 (Quyết định 766/QĐ-TTg): the service-quality index the national portal ranks
//! agencies by — 6 groups, 100 points (vn-legal §7) — computed from our own data for every
//! indicator we can compute, each with its numerator, denominator, ratio and score.
//!
//! An indicator scores `max_points × numerator / denominator`. One whose denominator is zero
//! did not arise in the period (không phát sinh) and one needing data this system does not
//! hold (complaints handled elsewhere, the national portal's own catalogue) is not computable
//! here: neither is scored, and both are left out of the points possible, so the total reads
//! "x of the y points we can judge". The score formula is `[assumed]`: the portal publishes
//! numerators, denominators and scores but not its rounding (vn-legal §7).

/// The six groups, in the decision's order, with their points.
pub const GROUPS: [(u8, &str, u32); 6] = [
    (1, "transparency", 18),
    (2, "progress", 20),
    (3, "online-service", 12),
    (4, "online-payment", 10),
    (5, "satisfaction", 18),
    (6, "digitisation", 22),
];

/// The totals of a period the computable indicators are judged on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexInputs {
    /// Numbered dossiers of the agency and those the national portal acknowledged (at the time
    /// of the report: the sync is not kept per period).
    pub numbered: i64,
    pub synced: i64,
    pub resolved: i64,
    /// Resolved early or on time.
    pub resolved_in_time: i64,
    /// Received dossiers of procedures offered fully online, and those of them sent online.
    pub received_full_online: i64,
    pub received_full_online_online: i64,
    /// Procedures with a paid fee in the period, and those with a fee paid online.
    pub procedures_paid: i64,
    pub procedures_paid_online: i64,
    pub paid: i64,
    pub paid_online: i64,
    pub rated: i64,
    pub rated_satisfied: i64,
    pub electronic_results: i64,
}

/// How an indicator is obtained.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// Computed from `IndexInputs`: (numerator, denominator).
    Computed(fn(&IndexInputs) -> (i64, i64)),
    /// Not computable here; the message key says why.
    NotComputable(&'static str),
}

/// One indicator row.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    pub group: u8,
    /// Stable key; its name and explanation are in the message catalogue
    /// (`index766-<key>`).
    pub key: &'static str,
    pub max_points: u32,
    pub source: Source,
}

/// Every indicator row, group by group; the points add up to 100.
pub const INDICATORS: [Indicator; 19] = [
    Indicator {
        group: 1,
        key: "publish-on-time",
        max_points: 6,
        source: Source::NotComputable("index766-why-catalogue-decisions"),
    },
    Indicator {
        group: 1,
        key: "public-update-on-time",
        max_points: 4,
        source: Source::NotComputable("index766-why-catalogue-decisions"),
    },
    Indicator {
        group: 1,
        key: "public-content-full",
        max_points: 2,
        source: Source::NotComputable("index766-why-national-catalogue"),
    },
    Indicator {
        group: 1,
        key: "dossier-sync",
        max_points: 6,
        source: Source::Computed(|t| (t.synced, t.numbered)),
    },
    Indicator {
        group: 2,
        key: "resolved-in-time",
        max_points: 20,
        source: Source::Computed(|t| (t.resolved_in_time, t.resolved)),
    },
    Indicator {
        group: 3,
        key: "full-online-dossiers",
        max_points: 12,
        source: Source::Computed(|t| (t.received_full_online_online, t.received_full_online)),
    },
    Indicator {
        group: 4,
        key: "fee-procedures-on-portal",
        max_points: 2,
        source: Source::NotComputable("index766-why-national-catalogue"),
    },
    Indicator {
        group: 4,
        key: "procedures-paid-online",
        max_points: 2,
        source: Source::Computed(|t| (t.procedures_paid_online, t.procedures_paid)),
    },
    Indicator {
        group: 4,
        key: "dossiers-paid-online",
        max_points: 6,
        source: Source::Computed(|t| (t.paid_online, t.paid)),
    },
    Indicator {
        group: 5,
        key: "feedback-on-time",
        max_points: 6,
        source: Source::NotComputable("index766-why-feedback"),
    },
    Indicator {
        group: 5,
        key: "feedback-satisfaction",
        max_points: 6,
        source: Source::NotComputable("index766-why-feedback"),
    },
    Indicator {
        group: 5,
        key: "handling-satisfaction",
        max_points: 6,
        source: Source::Computed(|t| (t.rated_satisfied, t.rated)),
    },
    Indicator {
        group: 6,
        key: "electronic-results",
        max_points: 6,
        source: Source::Computed(|t| (t.electronic_results, t.resolved)),
    },
    Indicator {
        group: 6,
        key: "digitised-components",
        max_points: 4,
        source: Source::NotComputable("index766-why-digitisation"),
    },
    Indicator {
        group: 6,
        key: "electronic-certified-copies",
        max_points: 2,
        source: Source::NotComputable("index766-why-digitisation"),
    },
    Indicator {
        group: 6,
        key: "reused-digitised-data",
        max_points: 2,
        source: Source::NotComputable("index766-why-digitisation"),
    },
    Indicator {
        group: 6,
        key: "shared-digitised-dossiers",
        max_points: 4,
        source: Source::NotComputable("index766-why-national-store"),
    },
    Indicator {
        group: 6,
        key: "population-data-dossiers",
        max_points: 2,
        source: Source::NotComputable("index766-why-population"),
    },
    Indicator {
        group: 6,
        key: "procedures-linked-population",
        max_points: 2,
        source: Source::NotComputable("index766-why-population"),
    },
];

/// The outcome of one indicator.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Computed: numerator, denominator, ratio (0–1) and points (rounded to hundredths).
    Scored {
        numerator: i64,
        denominator: i64,
        ratio: f64,
        points: f64,
    },
    /// The denominator is zero: nothing of the kind in the period.
    DidNotArise,
    /// Needs data this system does not hold; the message key says which.
    NotComputable { why: &'static str },
}

/// One indicator with its outcome.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct IndicatorScore {
    pub group: u8,
    pub key: &'static str,
    pub max_points: u32,
    pub outcome: Outcome,
}

/// One group's points: scored and possible (the indicators that were scored).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GroupScore {
    pub group: u8,
    pub key: &'static str,
    pub max_points: u32,
    pub points: f64,
    pub possible: u32,
}

/// The whole index of a period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndexScore {
    pub indicators: Vec<IndicatorScore>,
    pub groups: Vec<GroupScore>,
    pub points: f64,
    /// The points of the indicators that were scored.
    pub possible: u32,
}

/// Rounds to hundredths, as points are shown.
fn hundredths(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Scores every indicator on `inputs`.
pub fn score(inputs: &IndexInputs) -> IndexScore {
    let indicators: Vec<IndicatorScore> = INDICATORS
        .iter()
        .map(|indicator| {
            let outcome = match indicator.source {
                Source::NotComputable(why) => Outcome::NotComputable { why },
                Source::Computed(of) => {
                    let (numerator, denominator) = of(inputs);
                    if denominator <= 0 {
                        Outcome::DidNotArise
                    } else {
                        // A numerator above its denominator would be a counting error; the
                        // ratio is capped so one cannot earn more than the indicator's points.
                        let ratio = (numerator.max(0) as f64 / denominator as f64).min(1.0);
                        Outcome::Scored {
                            numerator,
                            denominator,
                            ratio,
                            points: hundredths(ratio * f64::from(indicator.max_points)),
                        }
                    }
                }
            };
            IndicatorScore {
                group: indicator.group,
                key: indicator.key,
                max_points: indicator.max_points,
                outcome,
            }
        })
        .collect();
    let groups: Vec<GroupScore> = GROUPS
        .iter()
        .map(|(group, key, max_points)| {
            let scored = indicators.iter().filter(|i| i.group == *group);
            let (mut points, mut possible) = (0.0, 0);
            for indicator in scored {
                if let Outcome::Scored { points: p, .. } = indicator.outcome {
                    points += p;
                    possible += indicator.max_points;
                }
            }
            GroupScore {
                group: *group,
                key,
                max_points: *max_points,
                points: hundredths(points),
                possible,
            }
        })
        .collect();
    let points = hundredths(groups.iter().map(|g| g.points).sum());
    let possible = groups.iter().map(|g| g.possible).sum();
    IndexScore {
        indicators,
        groups,
        points,
        possible,
    }
}
