//! `motcua demo generate --dossiers N`: realistic one-stop dossiers in bulk.
//!
//! Dossiers are spread over the last `days` days (up to yesterday, so today's numbering on a
//! running server is untouched) across the demo's wards and communes (commune-level
//! procedures) and the departments that resolve the catalogue's province-level procedures.
//! Each one is walked through its workflow by the domain's [`decide`](dossier::decide) with
//! the actors who would really act (reception, specialist, unit head, leader, the applicant),
//! so the stored snapshot, the indexed queue columns and the hash-chained timeline are exactly
//! what the use cases would have written, and `motcua audit verify` accepts every chain. Old
//! dossiers are mostly finished (returned, refused, withdrawn, stopped); recent ones are mostly
//! still open (submitted, received, in processing, awaiting a supplement or a payment).
//!
//! Speed: a producer thread runs `decide` and the JSON encoding while the writer stores the
//! previous batch; each batch is one transaction of multi-row inserts with ids chosen here
//! ([`motcua_store::Store::max_dossier_id`]), and the per-agency per-day counters are raised
//! in the same transaction so later submissions continue the numbering without a gap or a
//! duplicate. The generator must not run beside a server that is writing dossiers.

use anyhow::{Context as _, anyhow};
use motcua_app::catalogue::iso_date;
use motcua_app::demo::DEMO_PASSWORD;
use motcua_app::directory::OfficialForm;
use motcua_app::{Actor as AppActor, App};
use motcua_domain::authz::Role;
use motcua_domain::calendar::{ProcessingTime, VIETNAM_OFFSET, WorkCalendar};
use motcua_domain::dossier::{
    self, Actor, Command, Context, Dossier, DossierCode, DossierStatus, Event, ReturnMethod,
    Workflow,
};
use motcua_domain::org::AgencyCode;
use motcua_domain::procedure::Channel;
use motcua_store::Store;
use motcua_store::dossiers::{GeneratedDossier, NewDossier};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime, Time};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub dossiers: u64,
    /// Submission days, ending yesterday.
    pub days: u32,
    /// Dossiers per transaction.
    pub batch: usize,
    pub seed: u64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            dossiers: 10_000,
            days: 365,
            batch: 5_000,
            seed: 2026,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GenerateReport {
    pub dossiers: u64,
    pub events: u64,
    pub agencies: usize,
    pub procedures: usize,
    pub citizens: usize,
    pub officials_created: usize,
    pub seconds: f64,
    /// National status code → number of dossiers.
    pub by_status: BTreeMap<u8, u64>,
    /// Up to 5,000 codes spread over the whole set (for lookups).
    #[serde(skip)]
    pub sample_codes: Vec<String>,
}

/// Progress as (dossiers written, dossiers asked for).
pub type Progress<'a> = &'a mut (dyn FnMut(u64, u64) + Send);

/// Officials acting at one agency, by role.
#[derive(Debug, Clone)]
struct Staff(HashMap<Role, i64>);

impl Staff {
    fn actor(&self, role: Role) -> anyhow::Result<Actor> {
        let official_id = *self
            .0
            .get(&role)
            .ok_or_else(|| anyhow!("no {} official", role.as_str()))?;
        Ok(Actor::Official { official_id, role })
    }
}

struct AgencyPlan {
    id: i64,
    code: AgencyCode,
    path: String,
    calendar: Arc<WorkCalendar>,
    staff: Staff,
    procedures: Vec<usize>,
    weight: u32,
}

struct ProcedurePlan {
    code: String,
    version: i64,
    online: Option<ProcessingTime>,
    counter: Option<ProcessingTime>,
    workflow: Workflow,
    roles: Vec<Role>,
}

struct Plan {
    agencies: Vec<AgencyPlan>,
    procedures: Vec<ProcedurePlan>,
    citizens: Vec<(i64, String, String)>,
    counters: HashMap<(String, String), i64>,
    first_id: i64,
    today: Date,
    now: OffsetDateTime,
}

/// Which department resolves a province-level procedure, by the catalogue's agency kind.
fn department_for(agency_kind: &str) -> Option<&'static str> {
    match agency_kind {
        "land_registration_office" => Some("000.01.11.H13"),
        "department_agriculture_environment" => Some("000.00.11.H13"),
        "department_culture_sports_tourism" => Some("000.00.18.H13"),
        "employment_service_center" => Some("000.00.13.H13"),
        "province_police" | "department_justice" => Some("000.00.10.H13"),
        _ => None,
    }
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ",
    "Ngô", "Dương", "Lý", "Châu", "Lâm", "Tô", "Mai", "Kiều",
];
const MIDDLE: &[&str] = &[
    "Văn",
    "Thị",
    "Minh",
    "Ngọc",
    "Thanh",
    "Hoàng",
    "Quốc",
    "Thị Mỹ",
    "Hữu",
    "Kim",
    "Gia",
];
const GIVEN: &[&str] = &[
    "Anh", "Bảo", "Châu", "Dũng", "Hậu", "Hoa", "Hùng", "Khoa", "Lan", "Linh", "Lộc", "Mai", "Nam",
    "Ngân", "Nhân", "Phúc", "Quân", "Sơn", "Tài", "Thảo", "Trang", "Tuấn", "Vy", "Yến",
];
const STREETS: &[&str] = &[
    "đường 30/4",
    "đường Mậu Thân",
    "đường Nguyễn Văn Cừ",
    "đường Trần Hưng Đạo",
    "đường 3/2",
    "đường Cách Mạng Tháng Tám",
    "hẻm 51 đường Trần Phú",
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn person_name(rng: &mut StdRng) -> String {
    format!(
        "{} {} {}",
        pick(rng, FAMILY),
        pick(rng, MIDDLE),
        pick(rng, GIVEN)
    )
}

/// Loads the demo if needed, then generates `options.dossiers` dossiers.
///
/// # Errors
/// Database errors, or a transition the state machine refuses (a bug in the generator).
pub async fn generate(
    app: &App,
    store: &Store,
    options: &GenerateOptions,
    progress: Progress<'_>,
) -> anyhow::Result<GenerateReport> {
    let started = std::time::Instant::now();
    app.load_demo().await.map_err(|e| anyhow!("demo: {e}"))?;
    let mut report = GenerateReport::default();
    let plan = prepare(app, store, options, &mut report).await?;
    report.agencies = plan.agencies.len();
    report.procedures = plan.procedures.len();
    report.citizens = plan.citizens.len();

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(2);
    let producer_options = options.clone();
    let producer = std::thread::spawn(move || produce(plan, &producer_options, &sender));
    let sample_every = (options.dossiers / 5_000).max(1);
    while let Some(batch) = receiver.recv().await {
        let mut tx = store.begin().await?;
        tx.insert_generated_dossiers(&batch.dossiers).await?;
        for ((agency, day), last) in &batch.counters {
            tx.raise_dossier_counter(agency, day, *last).await?;
        }
        tx.commit().await?;
        for d in &batch.dossiers {
            report.dossiers += 1;
            report.events += d.events.len() as u64;
            if let Some(status) = d.state.status {
                *report.by_status.entry(status.national_code()).or_default() += 1;
            }
            if report.dossiers % sample_every == 0
                && let Some(code) = &d.state.code
            {
                report.sample_codes.push(code.to_string());
            }
        }
        progress(report.dossiers, options.dossiers);
    }
    producer
        .join()
        .map_err(|_| anyhow!("the generator thread panicked"))??;
    store.resync_dossier_ids().await?;
    store.analyze().await?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

struct Batch {
    dossiers: Vec<GeneratedDossier>,
    counters: HashMap<(String, String), i64>,
}

async fn prepare(
    app: &App,
    store: &Store,
    options: &GenerateOptions,
    report: &mut GenerateReport,
) -> anyhow::Result<Plan> {
    let system = AppActor::system();
    let units = store.list_units().await?;
    // Procedures in force, grouped by the agency that resolves them.
    let mut procedures = Vec::new();
    let mut commune_procedures = Vec::new();
    let mut by_department: HashMap<&'static str, Vec<usize>> = HashMap::new();
    let rows = store.list_procedure_versions().await?;
    let mut latest: BTreeMap<String, motcua_store::catalogue::ProcedureRow> = BTreeMap::new();
    for row in rows.into_iter().filter(|r| r.status == "published") {
        match latest.get(&row.code) {
            Some(existing) if existing.version >= row.version => {}
            _ => {
                latest.insert(row.code.clone(), row);
            }
        }
    }
    app.ensure_catalogue_workflows()
        .await
        .map_err(|e| anyhow!("workflows: {e}"))?;
    for row in latest.values() {
        let department = if row.level == "commune" {
            None
        } else {
            match department_for(&row.agency_kind) {
                Some(code) => Some(code),
                None => continue,
            }
        };
        let procedure = row.procedure()?;
        let limit = |channel| {
            procedure
                .processing_time
                .for_channel(channel)
                .cloned()
                .map(ProcessingTime::from)
        };
        let workflow = app
            .workflow(&row.code, None)
            .await
            .map_err(|e| anyhow!("workflow of {}: {e}", row.code))?;
        let index = procedures.len();
        procedures.push(ProcedurePlan {
            code: row.code.clone(),
            version: row.version,
            online: limit(Channel::Online),
            counter: limit(Channel::Counter),
            roles: workflow.steps.iter().map(|s| s.role).collect(),
            workflow,
        });
        match department {
            None => commune_procedures.push(index),
            Some(code) => by_department.entry(code).or_default().push(index),
        }
    }
    anyhow::ensure!(
        !commune_procedures.is_empty(),
        "the catalogue has no commune procedure"
    );

    // Who holds which role where, to find (or create) the staff of each agency.
    let mut held: Vec<(Role, String, i64)> = Vec::new();
    for official in store.list_officials(None).await? {
        for assignment in store.roles_of(official.id).await? {
            if let Some(role) = Role::parse(&assignment.role) {
                held.push((role, assignment.unit_path, official.id));
            }
        }
    }
    let mut agencies = Vec::new();
    for unit in &units {
        let Some(code_text) = unit.code.as_deref() else {
            continue;
        };
        let (procedure_list, weight, province) = if unit.level == "commune" && unit.kind == "agency"
        {
            // The central ward sees the most traffic.
            let weight = if code_text == "000.00.30.H13" { 30 } else { 10 };
            (commune_procedures.clone(), weight, false)
        } else if let Some(list) = by_department.get(code_text) {
            (list.clone(), 6, true)
        } else {
            continue;
        };
        let Ok(code) = AgencyCode::parse(code_text) else {
            continue;
        };
        let mut needed = vec![Role::Reception, Role::Specialist, Role::Leader];
        if province {
            needed.push(Role::UnitHead);
        }
        let mut staff = HashMap::new();
        for role in needed {
            let found = held
                .iter()
                .find(|(r, path, _)| *r == role && unit.path.starts_with(path.as_str()))
                .map(|(_, _, id)| *id);
            let id = match found {
                Some(id) => id,
                None => {
                    let id = create_official(app, store, &system, role, code_text, unit.id).await?;
                    report.officials_created += 1;
                    held.push((role, unit.path.clone(), id));
                    id
                }
            };
            staff.insert(role, id);
        }
        let calendar = app
            .work_calendar(Some(code_text))
            .await
            .map_err(|e| anyhow!("calendar of {code_text}: {e}"))?;
        agencies.push(AgencyPlan {
            id: unit.id,
            code,
            path: unit.path.clone(),
            calendar,
            staff: Staff(staff),
            procedures: procedure_list,
            weight,
        });
    }
    anyhow::ensure!(!agencies.is_empty(), "no agency to generate dossiers for");

    let citizens = ensure_citizens(app, store, options).await?;
    let counters = store
        .dossier_counters()
        .await?
        .into_iter()
        .map(|(agency, day, last)| ((agency, day), last))
        .collect();
    let now = app.now().to_offset(VIETNAM_OFFSET);
    Ok(Plan {
        agencies,
        procedures,
        citizens,
        counters,
        first_id: store.max_dossier_id().await? + 1,
        today: now.date(),
        now,
    })
}

/// An official for `role` at an agency that has none (the demo staffs only some agencies).
async fn create_official(
    app: &App,
    store: &Store,
    system: &AppActor,
    role: Role,
    agency_code: &str,
    unit_id: i64,
) -> anyhow::Result<i64> {
    let (prefix, position) = match role {
        Role::Reception => ("tiepnhan", "Công chức Một cửa"),
        Role::Specialist => ("chuyenvien", "Chuyên viên"),
        Role::UnitHead => ("truongphong", "Trưởng phòng"),
        _ => ("lanhdao", "Lãnh đạo"),
    };
    let slug: String = agency_code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    let username = format!("{prefix}.g{slug}");
    let id = match store.official_credentials(&username).await {
        Ok(found) => found.id,
        Err(_) => {
            let mut rng = rand::rng();
            let form = OfficialForm {
                username: username.clone(),
                full_name: person_name(&mut StdRng::seed_from_u64(rng.random())),
                position: Some(position.into()),
                unit_id,
                active: true,
                password: Some(DEMO_PASSWORD.into()),
                ..Default::default()
            };
            app.create_official(system, &form)
                .await
                .map_err(|e| anyhow!("official {username}: {e}"))?
                .id
        }
    };
    app.assign_role(system, id, role.as_str(), unit_id)
        .await
        .map_err(|e| anyhow!("role of {username}: {e}"))?;
    Ok(id)
}

/// Citizen accounts (verified, password [`DEMO_PASSWORD`]) the online dossiers belong to:
/// the three demo citizens and about one per 50 dossiers, at most 20,000.
async fn ensure_citizens(
    app: &App,
    store: &Store,
    options: &GenerateOptions,
) -> anyhow::Result<Vec<(i64, String, String)>> {
    let wanted = usize::try_from(options.dossiers / 50)
        .unwrap_or(usize::MAX)
        .clamp(50, 20_000);
    let mut rng = StdRng::seed_from_u64(options.seed ^ 0x00c1_7123);
    let hash = motcua_app::security::hash_password_off_thread(DEMO_PASSWORD)
        .await
        .map_err(|e| anyhow!("password hash: {e}"))?;
    let now = app.now_micros();
    let mut citizens = Vec::with_capacity(wanted + 3);
    for (personal_id, name, _, _) in motcua_app::demo::DEMO_CITIZENS {
        let id = store.citizen_credentials(personal_id).await?.id;
        citizens.push((id, (*name).to_owned(), (*personal_id).to_owned()));
    }
    let mut tx = store.begin().await?;
    for serial in 0..wanted {
        // 092 (Cần Thơ), century and sex, year of birth, serial: unique by the serial.
        let personal_id = format!(
            "092{}{:02}{:06}",
            serial % 4,
            (serial / 4) % 100,
            200_000 + serial
        );
        let name = person_name(&mut rng);
        let id = match store.citizen_credentials(&personal_id).await {
            Ok(found) => found.id,
            Err(_) => {
                let email = format!("congdan{serial}@example.vn");
                let id = tx
                    .insert_citizen(&personal_id, &name, Some(&email), None, &hash, now)
                    .await?;
                tx.mark_citizen_verified(id, now).await?;
                id
            }
        };
        citizens.push((id, name, personal_id));
    }
    tx.commit().await?;
    Ok(citizens)
}

/// The national status a dossier submitted `age` days ago has today.
fn target_status(rng: &mut StdRng, age: i64) -> u8 {
    let open_share = if age < 45 {
        0.9 - 0.018 * age as f64
    } else {
        0.01
    };
    let roll: f64 = rng.random();
    if rng.random::<f64>() < open_share {
        match roll {
            r if r < 0.10 => 1,
            r if r < 0.40 => 2,
            r if r < 0.75 => 4,
            r if r < 0.90 => 5,
            _ => 6,
        }
    } else {
        match roll {
            r if r < 0.78 => 10,
            r if r < 0.82 => 9,
            r if r < 0.88 => 3,
            r if r < 0.95 => 7,
            _ => 8,
        }
    }
}

fn produce(
    mut plan: Plan,
    options: &GenerateOptions,
    sender: &tokio::sync::mpsc::Sender<Batch>,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let total_weight: u32 = plan.agencies.iter().map(|a| a.weight).sum();
    let days = i64::from(options.days.max(1));
    let mut next_id = plan.first_id;
    let mut produced = 0u64;
    let mut batch = Batch {
        dossiers: Vec::with_capacity(options.batch),
        counters: HashMap::new(),
    };
    for day_index in 0..days {
        let age = days - day_index;
        let day = plan.today - Duration::days(age);
        let remaining_days = u64::try_from(days - day_index).unwrap_or(1);
        let today_count = (options.dossiers - produced).div_ceil(remaining_days);
        // Office hours, numbered in the order they arrive.
        let mut arrivals: Vec<(OffsetDateTime, usize)> = (0..today_count)
            .map(|_| {
                let minute: u16 = rng.random_range(7 * 60 + 30..16 * 60 + 30);
                let time = Time::from_hms(
                    u8::try_from(minute / 60).unwrap_or(8),
                    u8::try_from(minute % 60).unwrap_or(0),
                    rng.random_range(0..60),
                )
                .unwrap_or(Time::MIDNIGHT);
                let mut roll = rng.random_range(0..total_weight);
                let mut agency = 0;
                for (index, a) in plan.agencies.iter().enumerate() {
                    if roll < a.weight {
                        agency = index;
                        break;
                    }
                    roll -= a.weight;
                }
                (day.with_time(time).assume_offset(VIETNAM_OFFSET), agency)
            })
            .collect();
        arrivals.sort_by_key(|(at, _)| *at);
        for (at, agency) in arrivals {
            let status = target_status(&mut rng, age);
            let generated = build(&mut plan, &mut rng, next_id, agency, at, status)?;
            let agency_code = plan.agencies[agency].code.as_str().to_owned();
            if let Some(code) = &generated.state.code {
                let key = (agency_code, iso_date(code.date()));
                let last = i64::from(code.sequence());
                batch
                    .counters
                    .entry(key)
                    .and_modify(|l| *l = (*l).max(last))
                    .or_insert(last);
            }
            batch.dossiers.push(generated);
            next_id += 1;
            produced += 1;
            if batch.dossiers.len() >= options.batch {
                let full = std::mem::replace(
                    &mut batch,
                    Batch {
                        dossiers: Vec::with_capacity(options.batch),
                        counters: HashMap::new(),
                    },
                );
                if sender.blocking_send(full).is_err() {
                    return Ok(());
                }
            }
        }
    }
    if !batch.dossiers.is_empty() {
        let _ = sender.blocking_send(batch);
    }
    Ok(())
}

/// The next free number of the day at an agency.
fn number(plan: &mut Plan, agency: &AgencyCode, day: Date) -> anyhow::Result<DossierCode> {
    let counter = plan
        .counters
        .entry((agency.as_str().to_owned(), iso_date(day)))
        .or_insert(0);
    *counter += 1;
    let sequence = u32::try_from(*counter).context("dossier counter")?;
    DossierCode::new(agency.clone(), day, sequence).map_err(|e| anyhow!("code: {e:?}"))
}

/// One dossier walked through its workflow up to `status`.
fn build(
    plan: &mut Plan,
    rng: &mut StdRng,
    id: i64,
    agency_index: usize,
    submitted_at: OffsetDateTime,
    status: u8,
) -> anyhow::Result<GeneratedDossier> {
    let procedure_index = *pick(rng, &plan.agencies[agency_index].procedures);
    // Status 1 exists only online; otherwise 60 % online, 40 % at the counter.
    let online = status == 1 || rng.random::<f64>() < 0.6;
    let citizen = online.then(|| pick(rng, &plan.citizens).clone());
    let (applicant_name, personal_id) = match &citizen {
        Some((_, name, personal_id)) => (name.clone(), personal_id.clone()),
        None => (
            person_name(rng),
            format!("0920{:08}", rng.random_range(0..100_000_000u32)),
        ),
    };
    // Early endings (at reception) leave a counter draft without a number.
    let early_supplement = rng.random::<bool>();
    let early_withdrawal = online && rng.random::<bool>();
    let received = match status {
        1 | 3 => false,
        5 => !early_supplement,
        7 => !early_withdrawal,
        _ => true,
    };
    let receive_code = if online || !received {
        None
    } else {
        Some(number(
            plan,
            &plan.agencies[agency_index].code.clone(),
            submitted_at.date(),
        )?)
    };
    let submit_code = if online {
        Some(number(
            plan,
            &plan.agencies[agency_index].code.clone(),
            submitted_at.date(),
        )?)
    } else {
        None
    };
    let agency = &plan.agencies[agency_index];
    let procedure = &plan.procedures[procedure_index];
    let workflow = &procedure.workflow;
    let limit = if online {
        procedure.online.or(procedure.counter)
    } else {
        procedure.counter.or(procedure.online)
    }
    .unwrap_or(ProcessingTime::WorkingDays(10));

    // Gaps between actions: small enough that recent dossiers stay in the past.
    let room = (plan.now - submitted_at).whole_minutes().max(60);
    let max_gap = (room / 12).clamp(10, 36 * 60);
    let clock = std::cell::Cell::new(submitted_at);
    let tick = |rng: &mut StdRng| {
        clock.set(clock.get() + Duration::minutes(rng.random_range(5..=max_gap)));
        clock.get()
    };

    let mut state = Dossier::draft(workflow);
    let mut events: Vec<Event> = Vec::new();
    let mut apply = |state: &mut Dossier,
                     actor: &Actor,
                     now: OffsetDateTime,
                     command: Command|
     -> anyhow::Result<()> {
        let decision = dossier::decide(
            state,
            &command,
            &Context {
                workflow,
                actor,
                now,
            },
        )
        .map_err(|e| anyhow!("generator: {command:?} refused: {e:?}"))?;
        *state = decision.new_state;
        events.extend(decision.events);
        Ok(())
    };
    let staff = &agency.staff;
    let reception = staff.actor(Role::Reception)?;
    let applicant = match &citizen {
        Some((citizen_id, _, _)) => Actor::Citizen {
            citizen_id: *citizen_id,
        },
        None => reception.clone(),
    };
    let step_actor = |state: &Dossier| -> anyhow::Result<Actor> {
        let role = state
            .step
            .and_then(|s| workflow.steps.get(s))
            .map_or(Role::Specialist, |s| s.role);
        staff.actor(role)
    };

    if let Some(code) = submit_code {
        apply(
            &mut state,
            &applicant,
            submitted_at,
            Command::Submit { code },
        )?;
    }
    match status {
        1 => {}
        3 => {
            let now = tick(rng);
            apply(
                &mut state,
                &reception,
                now,
                Command::Refuse {
                    reasons: vec!["Hồ sơ không thuộc thẩm quyền giải quyết".into()],
                },
            )?;
        }
        5 if early_supplement => {
            let now = tick(rng);
            apply(
                &mut state,
                &reception,
                now,
                Command::RequestSupplement {
                    missing: vec!["Bản sao giấy tờ tùy thân".into()],
                    reason: "Thành phần hồ sơ chưa đầy đủ".into(),
                    due_by: None,
                },
            )?;
        }
        7 if early_withdrawal => {
            let now = tick(rng);
            apply(
                &mut state,
                &applicant,
                now,
                Command::Withdraw {
                    reason: "Người nộp đề nghị rút hồ sơ".into(),
                },
            )?;
        }
        _ => {
            // Received: online from the queue, or typed in at the counter with its code.
            let received_at = if online { tick(rng) } else { submitted_at };
            let due = agency
                .calendar
                .due(received_at, limit)
                .unwrap_or(received_at + Duration::days(14));
            apply(
                &mut state,
                &reception,
                received_at,
                Command::Receive {
                    due,
                    code: receive_code,
                    assignee: None,
                    postmark: None,
                },
            )?;
            match status {
                2 => {}
                4 => {
                    let to_step = rng.random_range(1..workflow.steps.len().max(2));
                    for step in 1..=to_step {
                        let actor = step_actor(&state)?;
                        let now = tick(rng);
                        apply(
                            &mut state,
                            &actor,
                            now,
                            Command::Forward {
                                to_step: step,
                                assignee: None,
                            },
                        )?;
                    }
                }
                5 => {
                    let actor = step_actor(&state)?;
                    let now = tick(rng);
                    apply(
                        &mut state,
                        &actor,
                        now,
                        Command::RequestSupplement {
                            missing: vec!["Bản vẽ hiện trạng".into()],
                            reason: "Cần bổ sung để thẩm định".into(),
                            due_by: None,
                        },
                    )?;
                }
                6 => {
                    let actor = step_actor(&state)?;
                    let now = tick(rng);
                    apply(
                        &mut state,
                        &actor,
                        now,
                        Command::RequireFinancialObligation {
                            description: "Nộp lệ phí theo quy định".into(),
                            amount_vnd: None,
                        },
                    )?;
                }
                7 => {
                    let now = tick(rng);
                    apply(
                        &mut state,
                        &applicant,
                        now,
                        Command::Withdraw {
                            reason: "Người nộp đề nghị rút hồ sơ".into(),
                        },
                    )?;
                }
                8 => {
                    let now = tick(rng);
                    apply(
                        &mut state,
                        &staff.actor(Role::Leader)?,
                        now,
                        Command::Stop {
                            reason: "Người yêu cầu đề nghị dừng giải quyết".into(),
                        },
                    )?;
                }
                _ => {
                    // 9 and 10: through every step, sometimes with a supplement round.
                    if rng.random::<f64>() < 0.1 {
                        let actor = step_actor(&state)?;
                        let paused_at = tick(rng);
                        apply(
                            &mut state,
                            &actor,
                            paused_at,
                            Command::RequestSupplement {
                                missing: vec!["Giấy xác nhận".into()],
                                reason: "Cần bổ sung".into(),
                                due_by: None,
                            },
                        )?;
                        let resumed_at = tick(rng);
                        let new_due = agency
                            .calendar
                            .resume(due, paused_at, resumed_at)
                            .unwrap_or(due);
                        apply(
                            &mut state,
                            &applicant,
                            resumed_at,
                            Command::SupplementProvided {
                                new_due: Some(new_due),
                            },
                        )?;
                    }
                    for step in 1..workflow.steps.len() {
                        let actor = step_actor(&state)?;
                        let now = tick(rng);
                        apply(
                            &mut state,
                            &actor,
                            now,
                            Command::Forward {
                                to_step: step,
                                assignee: None,
                            },
                        )?;
                    }
                    let leader = step_actor(&state)?;
                    for command in [Command::Approve, Command::Sign, Command::Resolve] {
                        let now = tick(rng);
                        apply(&mut state, &leader, now, command)?;
                    }
                    if status == 10 {
                        let method = *pick(
                            rng,
                            &[
                                ReturnMethod::Counter,
                                ReturnMethod::Online,
                                ReturnMethod::Post,
                            ],
                        );
                        let now = tick(rng);
                        apply(
                            &mut state,
                            &reception,
                            now,
                            Command::ReturnResult { method },
                        )?;
                        // By post the dossier reaches 10 when the operator reports delivery.
                        if method == ReturnMethod::Post {
                            let tracking_number =
                                format!("EB{:09}VN", rng.random_range(0..1_000_000_000u32));
                            let now = tick(rng);
                            apply(
                                &mut state,
                                &Actor::System,
                                now,
                                Command::RecordShipment {
                                    tracking_number: tracking_number.clone(),
                                    fee_vnd: 25_000,
                                },
                            )?;
                            let delivered_at = tick(rng);
                            apply(
                                &mut state,
                                &Actor::System,
                                delivered_at,
                                Command::ConfirmDelivery {
                                    tracking_number,
                                    delivered_at,
                                },
                            )?;
                        }
                    }
                }
            }
        }
    }
    debug_assert_eq!(
        state.status.map(DossierStatus::national_code),
        Some(status),
        "generated status"
    );
    let form = serde_json::json!({
        "nguoi_yeu_cau_ho_ten": applicant_name,
        "nguoi_yeu_cau_so_dinh_danh": personal_id,
        "nguoi_yeu_cau_noi_cu_tru": {
            "street": format!("{} {}", rng.random_range(1..300), pick(rng, STREETS)),
            "province": "92",
            "commune": "31117",
        },
        "so_dien_thoai": format!("09{:08}", rng.random_range(0..100_000_000u32)),
        "hinh_thuc_nhan_ket_qua": if online { "truc_tuyen" } else { "truc_tiep" },
        "cam_doan": "on",
    });
    let created_at = motcua_store::micros(submitted_at);
    let updated_at = state.last_at.map_or(created_at, motcua_store::micros);
    Ok(GeneratedDossier {
        id,
        new: NewDossier {
            procedure_code: procedure.code.clone(),
            procedure_version: procedure.version,
            agency_id: agency.id,
            agency_path: agency.path.clone(),
            citizen_id: citizen.as_ref().map(|(id, _, _)| *id),
            applicant_name,
            applicant_personal_id: Some(personal_id),
            channel: if online {
                Channel::Online.as_str().to_owned()
            } else {
                Channel::Counter.as_str().to_owned()
            },
            form: form.to_string(),
            delivery_method: "counter".into(),
            delivery_address: None,
            contact_phone: None,
        },
        state,
        events,
        step_roles: procedure.roles.clone(),
        created_at,
        updated_at,
    })
}
