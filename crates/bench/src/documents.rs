//! Official documents in bulk (`motcua demo generate --documents N`) and the register search
//! phase of `motcua bench`.
//!
//! Documents are spread over the last `years` years (up to yesterday) across the demo's bodies
//! (cơ quan: every agency with a code), about seven in ten incoming (văn bản đến) and three in
//! ten outgoing (văn bản đi), with realistic trích yếu, senders, số/ký hiệu, types, urgency and
//! secrecy. Each one is walked through its lifecycle by the domain's
//! [`decide`](document::decide) — incoming: registered → submitted → directed → in handling →
//! done (or returned); outgoing: draft → review → approved → signed → issued → sealed →
//! distributed — so the stored state, the indexed columns and the hash-chained timeline are what
//! the use cases would have written. Old documents are mostly finished, recent ones mostly
//! open. Register numbers count per body, register, series and year in arrival order, and the
//! counters are raised in the same transaction, so registrations afterwards continue the
//! numbering.
//!
//! Speed: as for dossiers, a producer thread runs `decide` and the encoding while the writer
//! stores the previous batch in one transaction of multi-row inserts.

use crate::stats::Latency;
use anyhow::anyhow;
use motcua_app::demo::DEMO_PASSWORD;
use motcua_app::directory::OfficialForm;
use motcua_app::{Actor as AppActor, App};
use motcua_domain::authz::Role;
use motcua_domain::calendar::VIETNAM_OFFSET;
use motcua_domain::document::{
    self, Command, Context, Document, DocumentType, Recipient, Register, Secrecy, Series,
    SignatureKind, Urgency,
};
use motcua_domain::dossier::Actor;
use motcua_domain::text;
use motcua_store::Store;
use motcua_store::documents::{DocumentScope, GeneratedDocument, NewDocument};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration as StdDuration, Instant};
use time::{Date, Duration, OffsetDateTime, Time};

/// What to generate.
#[derive(Debug, Clone)]
pub struct DocumentOptions {
    pub documents: u64,
    /// Years of registers, ending yesterday.
    pub years: u32,
    /// Documents per transaction.
    pub batch: usize,
    pub seed: u64,
}

impl Default for DocumentOptions {
    fn default() -> Self {
        DocumentOptions {
            documents: 100_000,
            years: 5,
            batch: 5_000,
            seed: 2030,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocumentReport {
    pub documents: u64,
    pub events: u64,
    pub bodies: usize,
    pub seconds: f64,
    /// Status → number of documents.
    pub by_status: BTreeMap<String, u64>,
}

/// The officials the generated timelines name (created once, city-wide): the clerk (văn thư)
/// who registers and issues, the leader who directs and signs, the specialist who handles.
/// The clerk is also who searches in the bench (every register in scope).
#[derive(Debug, Clone, Copy)]
pub struct DocumentStaff {
    pub clerk: i64,
    pub leader: i64,
    pub specialist: i64,
}

/// Username of the city-wide clerk the bench searches as.
pub const BENCH_CLERK: &str = "vanthu.bench";

/// Creates (or finds) the city-wide clerk, leader and specialist.
///
/// # Errors
/// The directory refuses them, or the database fails.
pub async fn document_staff(app: &App, store: &Store) -> anyhow::Result<DocumentStaff> {
    let system = AppActor::system();
    let units = store.list_units().await?;
    let root = units
        .iter()
        .find(|u| u.parent_id.is_none())
        .ok_or_else(|| anyhow!("no root unit"))?;
    let mut ids = Vec::new();
    for (username, name, role) in [
        (BENCH_CLERK, "Văn thư (benchmark)", Role::Clerk),
        ("lanhdao.bench", "Lãnh đạo (benchmark)", Role::Leader),
        (
            "chuyenvien.bench",
            "Chuyên viên (benchmark)",
            Role::Specialist,
        ),
    ] {
        let id = match store.official_credentials(username).await {
            Ok(found) => found.id,
            Err(_) => {
                let form = OfficialForm {
                    username: username.into(),
                    full_name: name.into(),
                    unit_id: root.id,
                    active: true,
                    password: Some(DEMO_PASSWORD.into()),
                    ..Default::default()
                };
                let id = app
                    .create_official(&system, &form)
                    .await
                    .map_err(|e| anyhow!("official {username}: {e}"))?
                    .id;
                app.assign_role(&system, id, role.as_str(), root.id)
                    .await
                    .map_err(|e| anyhow!("role of {username}: {e}"))?;
                id
            }
        };
        ids.push(id);
    }
    Ok(DocumentStaff {
        clerk: ids[0],
        leader: ids[1],
        specialist: ids[2],
    })
}

/// Progress as (documents written, documents asked for).
pub type Progress<'a> = &'a mut (dyn FnMut(u64, u64) + Send);

struct Body {
    id: i64,
    path: String,
    name: String,
    abbreviation: String,
    /// Units under the body a leader directs documents to (the body itself when it has none).
    units: Vec<i64>,
}

struct Plan {
    bodies: Vec<Body>,
    staff: DocumentStaff,
    /// Last number per (body, register, series, year).
    counters: HashMap<(i64, Register, Series, i32), u32>,
    first_id: i64,
    today: Date,
}

struct Batch {
    documents: Vec<GeneratedDocument>,
    counters: HashMap<(i64, Register, Series, i32), u32>,
}

/// Loads the demo if needed, then generates `options.documents` documents.
///
/// # Errors
/// Database errors, or a transition the state machine refuses (a bug in the generator).
pub async fn generate_documents(
    app: &App,
    store: &Store,
    options: &DocumentOptions,
    progress: Progress<'_>,
) -> anyhow::Result<DocumentReport> {
    let started = Instant::now();
    app.load_demo().await.map_err(|e| anyhow!("demo: {e}"))?;
    let staff = document_staff(app, store).await?;
    let units = store.list_units().await?;
    let mut bodies = Vec::new();
    for unit in units
        .iter()
        .filter(|u| u.kind == "agency" && u.code.is_some())
    {
        let children: Vec<i64> = units
            .iter()
            .filter(|u| u.parent_id == Some(unit.id) && u.kind != "agency")
            .map(|u| u.id)
            .collect();
        bodies.push(Body {
            id: unit.id,
            path: unit.path.clone(),
            name: unit.name.clone(),
            abbreviation: unit
                .short_name
                .clone()
                .filter(|s| !s.trim().is_empty() && !s.contains([' ', '/', '-']))
                .unwrap_or_else(|| document::abbreviate(&unit.name)),
            units: if children.is_empty() {
                vec![unit.id]
            } else {
                children
            },
        });
    }
    anyhow::ensure!(
        !bodies.is_empty(),
        "no agency with a code to hold registers"
    );
    let plan = Plan {
        bodies,
        staff,
        counters: HashMap::new(),
        first_id: store.max_document_id().await? + 1,
        today: OffsetDateTime::now_utc().to_offset(VIETNAM_OFFSET).date(),
    };
    let mut report = DocumentReport {
        bodies: plan.bodies.len(),
        ..Default::default()
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(2);
    let producer_options = options.clone();
    let producer = std::thread::spawn(move || produce(plan, &producer_options, &sender));
    while let Some(batch) = receiver.recv().await {
        let mut tx = store.begin().await?;
        tx.insert_generated_documents(&batch.documents).await?;
        for ((body, register, series, year), last) in &batch.counters {
            tx.raise_document_counter(*body, *register, *series, *year, i64::from(*last))
                .await?;
        }
        tx.commit().await?;
        for d in &batch.documents {
            report.documents += 1;
            report.events += d.events.len() as u64;
            if let Some(status) = d.state.status {
                *report
                    .by_status
                    .entry(status.as_str().to_owned())
                    .or_default() += 1;
            }
        }
        progress(report.documents, options.documents);
    }
    producer
        .join()
        .map_err(|_| anyhow!("the document generator thread panicked"))??;
    store.finish_document_load().await?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Who sends documents to the city's bodies: (name, abbreviation for số/ký hiệu).
const SENDERS: &[(&str, &str)] = &[
    ("Văn phòng Chính phủ", "VPCP"),
    ("Bộ Tư pháp", "BTP"),
    ("Bộ Nội vụ", "BNV"),
    ("Bộ Tài chính", "BTC"),
    ("Bộ Nông nghiệp và Môi trường", "BNNMT"),
    ("UBND thành phố Cần Thơ", "UBND"),
    ("Văn phòng UBND thành phố Cần Thơ", "VPUB"),
    ("Sở Tài chính thành phố Cần Thơ", "STC"),
    ("Sở Nội vụ thành phố Cần Thơ", "SNV"),
    ("Sở Y tế thành phố Cần Thơ", "SYT"),
    ("Sở Giáo dục và Đào tạo thành phố Cần Thơ", "SGDĐT"),
    ("Sở Xây dựng thành phố Cần Thơ", "SXD"),
    ("Sở Khoa học và Công nghệ thành phố Cần Thơ", "SKHCN"),
    ("Công an thành phố Cần Thơ", "CATP"),
    ("Thuế thành phố Cần Thơ", "TCT"),
    ("Bảo hiểm xã hội thành phố Cần Thơ", "BHXH"),
    ("Kho bạc Nhà nước khu vực XIX", "KBNN"),
    ("Ban Quản lý dự án đầu tư xây dựng thành phố", "BQLDA"),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Cần Thơ", "MTTQ"),
    ("Bộ Chỉ huy Quân sự thành phố Cần Thơ", "BCHQS"),
];

const ACTIONS: &[&str] = &[
    "triển khai thực hiện",
    "báo cáo kết quả",
    "tăng cường công tác",
    "đề nghị cung cấp thông tin về",
    "tổ chức kiểm tra",
    "phê duyệt kế hoạch",
    "góp ý dự thảo về",
    "hướng dẫn thực hiện",
    "giao chỉ tiêu",
    "điều chỉnh dự toán kinh phí",
    "tổng kết",
    "rà soát, đánh giá",
    "chấn chỉnh",
    "đôn đốc tiến độ",
    "kiện toàn Ban Chỉ đạo",
    "thành lập Tổ công tác",
];

const TOPICS: &[&str] = &[
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "cải cách thủ tục hành chính",
    "chuyển đổi số và Đề án 06",
    "quản lý đất đai",
    "thu ngân sách nhà nước",
    "bảo hiểm y tế hộ gia đình",
    "an toàn vệ sinh thực phẩm",
    "phòng cháy, chữa cháy và cứu nạn, cứu hộ",
    "xây dựng nông thôn mới",
    "chi trả trợ cấp xã hội hằng tháng",
    "tuyển sinh đầu cấp",
    "chỉnh trang đô thị",
    "giải phóng mặt bằng dự án đường Vành đai",
    "tiêm chủng mở rộng",
    "sắp xếp đơn vị hành chính cấp xã",
    "phòng, chống tham nhũng, tiêu cực",
    "bảo vệ môi trường lưu vực sông Hậu",
    "đăng ký, quản lý hộ tịch",
    "quản lý trật tự xây dựng",
    "phòng, chống sốt xuất huyết",
    "thi đua, khen thưởng",
    "công tác dân tộc, tôn giáo",
    "giảm nghèo bền vững",
    "cấp Giấy chứng nhận quyền sử dụng đất",
    "kiểm soát tải trọng phương tiện",
    "quyết toán vốn đầu tư công",
    "tinh giản biên chế",
    "tiếp công dân, giải quyết khiếu nại, tố cáo",
];

const PLACES: &[&str] = &[
    "phường Ninh Kiều",
    "phường Cái Răng",
    "phường Bình Thủy",
    "phường Ô Môn",
    "phường Thốt Nốt",
    "xã Phong Điền",
    "xã Cờ Đỏ",
    "xã Vĩnh Thạnh",
    "xã Thới Lai",
    "xã Trung Hưng",
    "thành phố Cần Thơ",
];

/// Trích yếu: "Về việc …" for công văn, the matter itself for the other types.
fn subject(rng: &mut StdRng, kind: DocumentType, year: i32) -> String {
    let action = pick(rng, ACTIONS);
    let topic = pick(rng, TOPICS);
    let place = pick(rng, PLACES);
    let tail = match rng.random_range(0..3) {
        0 => format!(" năm {year}"),
        1 => format!(" trên địa bàn {place}"),
        _ => format!(" trên địa bàn {place} năm {year}"),
    };
    match kind {
        DocumentType::CongVan => format!("Về việc {action} {topic}{tail}"),
        _ => {
            let mut s = format!("{action} {topic}{tail}");
            if let Some(first) = s.chars().next() {
                let upper: String = first.to_uppercase().collect();
                s.replace_range(..first.len_utf8(), &upper);
            }
            s
        }
    }
}

fn document_type(rng: &mut StdRng) -> DocumentType {
    match rng.random_range(0..100) {
        0..45 => DocumentType::CongVan,
        45..60 => DocumentType::QuyetDinh,
        60..70 => DocumentType::KeHoach,
        70..78 => DocumentType::BaoCao,
        78..86 => DocumentType::ThongBao,
        86..92 => DocumentType::GiayMoi,
        92..96 => DocumentType::ToTrinh,
        96..98 => DocumentType::ChiThi,
        _ => DocumentType::HuongDan,
    }
}

fn urgency(rng: &mut StdRng) -> Urgency {
    match rng.random_range(0..100) {
        0..85 => Urgency::Thuong,
        85..95 => Urgency::Khan,
        95..99 => Urgency::ThuongKhan,
        _ => Urgency::HoaToc,
    }
}

fn secrecy(rng: &mut StdRng) -> Secrecy {
    match rng.random_range(0..1000) {
        0..970 => Secrecy::Thuong,
        970..995 => Secrecy::Mat,
        _ => Secrecy::ToiMat,
    }
}

fn search_text(subject: &str, code_number: Option<&str>, sender: &str) -> String {
    text::fold(&format!(
        "{subject} {} {sender}",
        code_number.unwrap_or_default()
    ))
}

fn produce(
    mut plan: Plan,
    options: &DocumentOptions,
    sender: &tokio::sync::mpsc::Sender<Batch>,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let days = i64::from(options.years.max(1)) * 365;
    let mut next_id = plan.first_id;
    let mut produced = 0u64;
    let new_batch = || Batch {
        documents: Vec::with_capacity(options.batch),
        counters: HashMap::new(),
    };
    let mut batch = new_batch();
    for day_index in 0..days {
        let age = days - day_index;
        let day = plan.today - Duration::days(age);
        let remaining_days = u64::try_from(age).unwrap_or(1);
        let today_count = (options.documents - produced).div_ceil(remaining_days);
        let mut arrivals: Vec<(OffsetDateTime, usize)> = (0..today_count)
            .map(|_| {
                let minute: u16 = rng.random_range(7 * 60 + 30..16 * 60 + 30);
                let time = Time::from_hms(
                    u8::try_from(minute / 60).unwrap_or(8),
                    u8::try_from(minute % 60).unwrap_or(0),
                    rng.random_range(0..60),
                )
                .unwrap_or(Time::MIDNIGHT);
                (
                    day.with_time(time).assume_offset(VIETNAM_OFFSET),
                    rng.random_range(0..plan.bodies.len()),
                )
            })
            .collect();
        arrivals.sort_by_key(|(at, _)| *at);
        for (at, body) in arrivals {
            let generated = if rng.random_range(0..10) < 7 {
                incoming(&mut plan, &mut rng, next_id, body, at, age, &mut batch)?
            } else {
                outgoing(&mut plan, &mut rng, next_id, body, at, age, &mut batch)?
            };
            batch.documents.push(generated);
            next_id += 1;
            produced += 1;
            if batch.documents.len() >= options.batch {
                let full = std::mem::replace(&mut batch, new_batch());
                if sender.blocking_send(full).is_err() {
                    return Ok(());
                }
            }
        }
    }
    if !batch.documents.is_empty() {
        let _ = sender.blocking_send(batch);
    }
    Ok(())
}

/// Applies commands in order, each a few working hours after the previous one, stopping
/// before "today" so no event lies in the future.
struct Walk {
    state: Document,
    events: Vec<motcua_domain::document::Event>,
    at: OffsetDateTime,
    limit: OffsetDateTime,
}

impl Walk {
    fn new(at: OffsetDateTime, limit: OffsetDateTime) -> Walk {
        Walk {
            state: Document::new(),
            events: Vec::new(),
            at,
            limit,
        }
    }

    /// `false` when the next step would fall after the limit (the document stays where it is).
    fn step(
        &mut self,
        rng: &mut StdRng,
        actor: Actor,
        command: Command,
        max_hours: i64,
    ) -> anyhow::Result<bool> {
        let at = if self.events.is_empty() {
            self.at
        } else {
            self.at + Duration::minutes(rng.random_range(10..max_hours.max(1) * 60))
        };
        if at >= self.limit {
            return Ok(false);
        }
        let today = at.to_offset(VIETNAM_OFFSET).date();
        let decision = document::decide(
            &self.state,
            &command,
            &Context {
                actor: &actor,
                now: at,
                today,
            },
        )
        .map_err(|e| anyhow!("{:?}: {}", command.kind(), e.as_str()))?;
        self.state = decision.new_state;
        self.events.push(decision.event);
        self.at = at;
        Ok(true)
    }
}

fn official(official_id: i64, role: Role) -> Actor {
    Actor::Official { official_id, role }
}

fn take_number(
    plan: &mut Plan,
    batch: &mut Batch,
    body: i64,
    register: Register,
    series: Series,
    year: i32,
) -> u32 {
    let counter = plan
        .counters
        .entry((body, register, series, year))
        .or_insert(0);
    *counter += 1;
    batch
        .counters
        .insert((body, register, series, year), *counter);
    *counter
}

/// How far along its life a document of this age goes: 0 = just registered … 5 = finished.
fn progress_for(rng: &mut StdRng, age: i64) -> u8 {
    let r: f64 = rng.random();
    match age {
        0..=3 => [0, 1, 2, 3, 4][rng.random_range(0..5)],
        4..=30 => {
            if r < 0.6 {
                5
            } else {
                rng.random_range(1..5)
            }
        }
        _ => {
            if r < 0.97 {
                5
            } else {
                rng.random_range(2..5)
            }
        }
    }
}

fn incoming(
    plan: &mut Plan,
    rng: &mut StdRng,
    id: i64,
    body_index: usize,
    at: OffsetDateTime,
    age: i64,
    batch: &mut Batch,
) -> anyhow::Result<GeneratedDocument> {
    let staff = plan.staff;
    let kind = document_type(rng);
    let secrecy = secrecy(rng);
    let series = Series::of(secrecy);
    let year = at.year();
    let body_id = plan.bodies[body_index].id;
    let number = take_number(plan, batch, body_id, Register::Incoming, series, year);
    let body = &plan.bodies[body_index];
    let (sender, sender_abbr) = *pick(rng, SENDERS);
    let their_number = rng.random_range(1..3000);
    let code_number = match kind.abbreviation() {
        Some(abbr) => format!("{their_number:02}/{abbr}-{sender_abbr}"),
        None => format!(
            "{their_number:02}/{sender_abbr}-{}",
            pick(rng, &["VP", "KT", "TH", "NC", "KGVX", "TCCB"])
        ),
    };
    let issued = at.date() - Duration::days(rng.random_range(1..6));
    let subject = subject(rng, kind, year);
    let limit = plan
        .today
        .with_time(Time::MIDNIGHT)
        .assume_offset(VIETNAM_OFFSET);
    let mut walk = Walk::new(at, limit);
    let clerk = official(staff.clerk, Role::Clerk);
    let leader = official(staff.leader, Role::Leader);
    walk.step(
        rng,
        clerk.clone(),
        Command::Register {
            arrival_number: number,
        },
        1,
    )?;
    let stage = progress_for(rng, age);
    if stage >= 1 && rng.random_range(0..100) < 2 {
        walk.step(
            rng,
            clerk,
            Command::ReturnToSender {
                reason: "Văn bản gửi nhầm cơ quan nhận".into(),
            },
            8,
        )?;
    } else if stage >= 1
        && walk.step(
            rng,
            clerk,
            Command::SubmitToLeader {
                leader_id: staff.leader,
            },
            4,
        )?
        && stage >= 2
    {
        let lead_unit = *pick(rng, &body.units);
        let deadline =
            walk.at.to_offset(VIETNAM_OFFSET).date() + Duration::days(rng.random_range(3..20));
        let directed = walk.step(
            rng,
            leader.clone(),
            Command::Direct {
                lead_unit,
                co_units: Vec::new(),
                deadline: Some(deadline),
                note: format!("Giao {} chủ trì, tham mưu xử lý", "phòng chuyên môn"),
            },
            8,
        )?;
        if directed
            && stage >= 3
            && walk.step(
                rng,
                leader,
                Command::Assign {
                    specialist_id: staff.specialist,
                },
                8,
            )?
            && stage >= 5
        {
            walk.step(
                rng,
                official(staff.specialist, Role::Specialist),
                Command::ReportDone {
                    result: "Đã tham mưu văn bản trả lời".into(),
                },
                48,
            )?;
        }
    }
    let folded = search_text(&subject, Some(&code_number), sender);
    let new = NewDocument {
        register: Register::Incoming,
        body_id: body.id,
        body_path: body.path.clone(),
        doc_type: kind.as_str().to_owned(),
        series,
        register_year: year,
        number: Some(number),
        duplicate_key: Some(document::duplicate_key(&code_number, sender, issued.year())),
        code_number: Some(code_number),
        notation: None,
        sender_organ: sender.to_owned(),
        recipient_organ: Some(body.name.clone()),
        issued_date: Some(issued.to_string()),
        arrival_date: Some(at.date().to_string()),
        subject,
        urgency: urgency(rng).as_str().to_owned(),
        secrecy: secrecy.as_str().to_owned(),
        due_date: None,
        page_count: Some(rng.random_range(1..12)),
        signer_name: None,
        signer_position: None,
        content: None,
        addressees: None,
        signer_authority: None,
        drafting_unit_id: None,
        search_folded: folded,
        created_by: Some(staff.clerk),
    };
    Ok(finish(id, new, walk))
}

fn outgoing(
    plan: &mut Plan,
    rng: &mut StdRng,
    id: i64,
    body_index: usize,
    at: OffsetDateTime,
    age: i64,
    batch: &mut Batch,
) -> anyhow::Result<GeneratedDocument> {
    let staff = plan.staff;
    let kind = document_type(rng);
    let secrecy = secrecy(rng);
    let series = Series::of(secrecy);
    let year = at.year();
    let limit = plan
        .today
        .with_time(Time::MIDNIGHT)
        .assume_offset(VIETNAM_OFFSET);
    let (body_id, body_abbr) = {
        let b = &plan.bodies[body_index];
        (b.id, b.abbreviation.clone())
    };
    let notation = document::notation(kind, &body_abbr, Some("VP"))
        .map_err(|e| anyhow!("notation of {body_abbr}: {}", e.as_str()))?;
    let subject = subject(rng, kind, year);
    let leader = official(staff.leader, Role::Leader);
    let clerk = official(staff.clerk, Role::Clerk);
    let mut walk = Walk::new(at, limit);
    walk.step(rng, leader.clone(), Command::Draft, 1)?;
    let stage = progress_for(rng, age);
    let mut issued = None;
    let advanced = stage >= 1
        && walk.step(rng, leader.clone(), Command::SendForReview, 8)?
        && stage >= 2
        && walk.step(rng, leader.clone(), Command::Approve, 8)?
        && stage >= 3
        && walk.step(
            rng,
            leader,
            Command::Sign {
                kind: SignatureKind::Personal,
            },
            8,
        )?;
    if advanced && stage >= 4 {
        let issue_year = walk.at.to_offset(VIETNAM_OFFSET).year();
        let number = take_number(plan, batch, body_id, Register::Outgoing, series, issue_year);
        if walk.step(rng, clerk.clone(), Command::Issue { number }, 4)? {
            // The number is of the series of the year it was taken in; a step that crossed
            // New Year is dated the last day of that year (the app takes both at once).
            let on = walk.at.to_offset(VIETNAM_OFFSET).date();
            let on = if on.year() == issue_year {
                on
            } else {
                Date::from_calendar_date(issue_year, time::Month::December, 31).unwrap_or(on)
            };
            issued = Some((number, on));
            if stage >= 5
                && walk.step(
                    rng,
                    clerk.clone(),
                    Command::Sign {
                        kind: SignatureKind::Seal,
                    },
                    2,
                )?
            {
                let (to, _) = *pick(rng, SENDERS);
                walk.step(
                    rng,
                    clerk,
                    Command::Distribute {
                        recipients: vec![Recipient::Agency {
                            name: to.to_owned(),
                            via: motcua_domain::document::Delivery::Paper,
                        }],
                    },
                    2,
                )?;
            }
        } else {
            // The number was not used after all: give it back, as a rolled-back issue does.
            if let Some(counter) =
                plan.counters
                    .get_mut(&(body_id, Register::Outgoing, series, issue_year))
            {
                *counter -= 1;
                batch
                    .counters
                    .insert((body_id, Register::Outgoing, series, issue_year), *counter);
            }
        }
    }
    let body = &plan.bodies[body_index];
    let code = issued.map(|(n, _)| document::code_number(n, &notation));
    let new = NewDocument {
        register: Register::Outgoing,
        body_id: body.id,
        body_path: body.path.clone(),
        doc_type: kind.as_str().to_owned(),
        series,
        // Issued, it belongs to the register of its year of issue (a December draft issued in
        // January takes the new year's number), as the app records it.
        register_year: issued.map_or(year, |(_, d)| d.year()),
        number: issued.map(|(n, _)| n),
        search_folded: search_text(&subject, code.as_deref(), &body.name),
        code_number: code,
        notation: Some(notation),
        sender_organ: body.name.clone(),
        recipient_organ: Some(pick(rng, SENDERS).0.to_owned()),
        issued_date: issued.map(|(_, d)| d.to_string()),
        arrival_date: None,
        subject,
        urgency: urgency(rng).as_str().to_owned(),
        secrecy: secrecy.as_str().to_owned(),
        due_date: None,
        page_count: Some(rng.random_range(1..6)),
        signer_name: issued.map(|_| "Huỳnh Văn Thành".to_owned()),
        signer_position: issued.map(|_| "Chủ tịch".to_owned()),
        content: None,
        addressees: None,
        signer_authority: None,
        drafting_unit_id: None,
        duplicate_key: None,
        created_by: Some(staff.leader),
    };
    Ok(finish(id, new, walk))
}

fn finish(id: i64, new: NewDocument, walk: Walk) -> GeneratedDocument {
    let created_at = walk
        .events
        .first()
        .map_or(0, |e| motcua_store::micros(e.at));
    let updated_at = walk
        .events
        .last()
        .map_or(created_at, |e| motcua_store::micros(e.at));
    GeneratedDocument {
        id,
        new,
        state: walk.state,
        events: walk.events,
        created_at,
        updated_at,
    }
}

/// What clerks type into the register search: subjects, senders, số/ký hiệu, with and
/// without accents, whole words and a prefix being typed, common and rare.
pub const DOCUMENT_QUERIES: &[&str] = &[
    "phòng chống thiên tai",
    "cai cach thu tuc hanh chinh",
    "chuyển đổi số",
    "bao cao ket qua",
    "ke hoach",
    "giải phóng mặt bằng",
    "Sở Tài chính",
    "bhxh",
    "an toan ve sinh thuc pham",
    "nông thôn mới Thới Lai",
    "tiem chung mo rong",
    "de an 06",
    "quyet dinh phe duyet ke hoach",
    "tuyển sinh đầu cấp",
    "chuyen d",
    "ve viec don doc tien do quyet toan von dau tu cong",
];

/// The register search phase: latency through the server at several client counts, and the
/// same query run by the store in this process (the database's own time plus decoding).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegisterSearch {
    pub documents: i64,
    /// `GET /api/v1/documents?q=` as the city-wide clerk, per client count.
    pub http: Vec<Latency>,
    pub clients: Vec<usize>,
    /// The store's query, same terms and scope, one at a time.
    pub raw: Latency,
    /// The same at the largest client count.
    pub raw_concurrent: Latency,
    /// Rows answered per query (the page is capped at 100), in [`DOCUMENT_QUERIES`] order.
    pub rows: Vec<usize>,
    /// HTTP p50 at one client ÷ raw p50.
    pub ratio_p50: f64,
    /// The database's plan for the first query.
    pub plan: Vec<String>,
}

/// Measures the register search: `requests` searches per client count.
///
/// # Errors
/// The server or the database fails outright (a refused request counts as an error).
pub async fn measure_search(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    store: &Store,
    clients: &[usize],
    requests: usize,
) -> anyhow::Result<RegisterSearch> {
    let mut report = RegisterSearch {
        documents: store.count_documents().await?,
        clients: clients.to_vec(),
        ..Default::default()
    };
    let root = store
        .list_units()
        .await?
        .into_iter()
        .find(|u| u.parent_id.is_none())
        .ok_or_else(|| anyhow!("no root unit"))?;
    // The clerk's scope: their clerk role at the root.
    let scope = DocumentScope {
        paths: Some(vec![root.path.clone()]),
    };
    let terms: Arc<Vec<Vec<String>>> = Arc::new(
        DOCUMENT_QUERIES
            .iter()
            .map(|q| motcua_domain::query_text::clean_terms(&text::terms(q)))
            .collect(),
    );
    report.plan = store
        .explain_document_search(&terms[0], &scope, 100)
        .await?;
    // Answers first (and a warm cache): every query through the server and the store agree.
    for (i, query) in DOCUMENT_QUERIES.iter().enumerate() {
        let answer = client
            .get(format!(
                "{base}/api/v1/documents?q={}",
                crate::run::encode(query)
            ))
            .bearer_auth(token)
            .send()
            .await?;
        anyhow::ensure!(
            answer.status().is_success(),
            "document search refused: {}",
            answer.status()
        );
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&answer.bytes().await?)?;
        let raw = store.search_documents(&terms[i], &scope, 100).await?;
        anyhow::ensure!(
            rows.len() == raw.len(),
            "{query:?}: {} rows over HTTP, {} from the store",
            rows.len(),
            raw.len()
        );
        report.rows.push(rows.len());
    }
    for &n in clients {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n.max(1) {
            let client = client.clone();
            let next = next.clone();
            let base = base.to_owned();
            let token = token.to_owned();
            tasks.spawn(async move {
                let mut samples = Vec::new();
                let mut errors = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let query = DOCUMENT_QUERIES[i % DOCUMENT_QUERIES.len()];
                    let start = Instant::now();
                    match client
                        .get(format!(
                            "{base}/api/v1/documents?q={}",
                            crate::run::encode(query)
                        ))
                        .bearer_auth(&token)
                        .send()
                        .await
                    {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            samples.push(start.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (samples, errors)
            });
        }
        let (mut samples, mut errors) = (Vec::new(), 0);
        while let Some(done) = tasks.join_next().await {
            let (s, e) = done?;
            samples.extend(s);
            errors += e;
        }
        report
            .http
            .push(Latency::from_samples(samples, errors, started.elapsed()));
    }
    report.raw = raw_search(store, &terms, &scope, 1, requests).await?;
    let most = clients.iter().copied().max().unwrap_or(1);
    report.raw_concurrent = raw_search(store, &terms, &scope, most, requests).await?;
    if let Some(first) = report.http.first() {
        report.ratio_p50 = first.p50_ms / report.raw.p50_ms.max(1e-9);
    }
    Ok(report)
}

async fn raw_search(
    store: &Store,
    terms: &Arc<Vec<Vec<String>>>,
    scope: &DocumentScope,
    clients: usize,
    requests: usize,
) -> anyhow::Result<Latency> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients.max(1) {
        let store = store.clone();
        let terms = terms.clone();
        let scope = scope.clone();
        let next = next.clone();
        tasks.spawn(async move {
            let mut samples: Vec<StdDuration> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let start = Instant::now();
                store
                    .search_documents(&terms[i % terms.len()], &scope, 100)
                    .await?;
                samples.push(start.elapsed());
            }
            anyhow::Ok(samples)
        });
    }
    let mut samples = Vec::new();
    while let Some(done) = tasks.join_next().await {
        samples.extend(done??);
    }
    Ok(Latency::from_samples(samples, 0, started.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every generated number is unique in its register, series and year — also for drafts of
    /// December issued in January, which take the new year's number and register.
    #[test]
    fn numbers_are_unique_per_register_series_and_year_across_new_year() {
        let plan = Plan {
            bodies: vec![Body {
                id: 1,
                path: "/1/".into(),
                name: "UBND phường Ninh Kiều".into(),
                abbreviation: "UBND".into(),
                units: vec![1],
            }],
            staff: DocumentStaff {
                clerk: 1,
                leader: 2,
                specialist: 3,
            },
            counters: HashMap::new(),
            first_id: 1,
            today: time::macros::date!(2027 - 01 - 20),
        };
        let options = DocumentOptions {
            documents: 60_000,
            years: 5,
            batch: 1_000,
            seed: 7,
        };
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(64);
        let producer = std::thread::spawn(move || produce(plan, &options, &sender));
        let mut seen = std::collections::HashSet::new();
        let mut across_new_year = 0;
        while let Some(batch) = receiver.blocking_recv() {
            for d in batch.documents {
                let Some(number) = d.new.number else { continue };
                let key = (
                    format!("{:?}/{:?}", d.new.register, d.new.series),
                    d.new.register_year,
                    number,
                );
                assert!(seen.insert(key.clone()), "{key:?} twice");
                let drafted = motcua_store::from_micros(d.created_at)
                    .to_offset(VIETNAM_OFFSET)
                    .year();
                if d.new.register_year != drafted {
                    across_new_year += 1;
                }
            }
        }
        producer.join().expect("producer").expect("generated");
        assert!(
            across_new_year > 0,
            "some drafts of December are issued in January"
        );
    }
}
