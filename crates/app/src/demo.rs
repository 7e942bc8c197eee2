//! Demo data: the city of Cần Thơ after the 2025 reorganisation (city → wards and communes),
//! its departments and one-stop desks, officials of every role and some citizen accounts.
//!
//! Loaded by `motcua serve --demo` into an empty database only. Agency codes follow the
//! QCVN 102 pattern but are illustrative: a deployment imports its official codes.

use crate::directory::{OfficialForm, UnitForm};
use crate::{Actor, App, AppResult, security};
use serde_json::json;

/// The password of every demo account (shown in README.md and on the sign-in page in demo mode).
pub const DEMO_PASSWORD: &str = "MotCua@2026";

/// Demo citizens: (personal identification number, name, e-mail, phone). The phone numbers
/// are those their demo dossiers' forms give, so SMS and Zalo notices can be tried.
pub const DEMO_CITIZENS: &[(&str, &str, &str, &str)] = &[
    (
        "092095001234",
        "Nguyễn Văn Hậu",
        "hau.nguyen@example.vn",
        "0912345678",
    ),
    (
        "092196005678",
        "Trần Thị Mỹ Linh",
        "mylinh.tran@example.vn",
        "0938123456",
    ),
    (
        "092201009012",
        "Lê Hoàng Phúc",
        "phuc.le@example.vn",
        "0905246810",
    ),
];

struct Unit {
    name: &'static str,
    kind: &'static str,
    level: &'static str,
    code: Option<&'static str>,
    children: Vec<Unit>,
}

fn unit(
    name: &'static str,
    kind: &'static str,
    level: &'static str,
    code: Option<&'static str>,
    children: Vec<Unit>,
) -> Unit {
    Unit {
        name,
        kind,
        level,
        code,
        children,
    }
}

fn commune(name: &'static str, code: &'static str, full: bool) -> Unit {
    let mut children = vec![unit(
        "Bộ phận Một cửa",
        "one_stop_desk",
        "commune",
        None,
        vec![],
    )];
    if full {
        children.push(unit(
            "Văn phòng HĐND và UBND",
            "unit",
            "commune",
            None,
            vec![],
        ));
        children.push(unit(
            "Phòng Văn hóa - Xã hội",
            "unit",
            "commune",
            None,
            vec![],
        ));
        children.push(unit(
            "Phòng Kinh tế, Hạ tầng và Đô thị",
            "unit",
            "commune",
            None,
            vec![],
        ));
    }
    unit(name, "agency", "commune", Some(code), children)
}

fn tree() -> Unit {
    let department = |name, code, children| unit(name, "agency", "province", Some(code), children);
    unit(
        "UBND thành phố Cần Thơ",
        "government",
        "province",
        Some("000.00.00.H13"),
        vec![
            department("Văn phòng UBND thành phố", "000.00.01.H13", vec![]),
            unit(
                "Trung tâm Phục vụ hành chính công",
                "one_stop_desk",
                "province",
                Some("000.00.02.H13"),
                vec![],
            ),
            department(
                "Sở Tư pháp",
                "000.00.10.H13",
                vec![
                    unit("Phòng Hành chính tư pháp", "unit", "province", None, vec![]),
                    unit("Phòng Bổ trợ tư pháp", "unit", "province", None, vec![]),
                ],
            ),
            department(
                "Sở Nông nghiệp và Môi trường",
                "000.00.11.H13",
                vec![unit(
                    "Văn phòng Đăng ký đất đai",
                    "unit",
                    "province",
                    Some("000.01.11.H13"),
                    vec![],
                )],
            ),
            department("Sở Xây dựng", "000.00.12.H13", vec![]),
            department("Sở Nội vụ", "000.00.13.H13", vec![]),
            department("Sở Tài chính", "000.00.14.H13", vec![]),
            department("Sở Y tế", "000.00.15.H13", vec![]),
            department("Sở Giáo dục và Đào tạo", "000.00.16.H13", vec![]),
            department("Sở Công Thương", "000.00.17.H13", vec![]),
            department("Sở Văn hóa, Thể thao và Du lịch", "000.00.18.H13", vec![]),
            department("Sở Khoa học và Công nghệ", "000.00.19.H13", vec![]),
            commune("UBND phường Ninh Kiều", "000.00.30.H13", true),
            commune("UBND phường Cái Khế", "000.00.31.H13", false),
            commune("UBND phường Tân An", "000.00.32.H13", false),
            commune("UBND phường Bình Thủy", "000.00.33.H13", false),
            commune("UBND phường Cái Răng", "000.00.34.H13", false),
            commune("UBND xã Phong Điền", "000.00.35.H13", false),
            commune("UBND xã Cờ Đỏ", "000.00.36.H13", false),
            commune("UBND xã Trung Hưng", "000.00.37.H13", true),
            commune("UBND xã Thạnh Quới", "000.00.38.H13", false),
            commune("UBND xã Vĩnh Thạnh", "000.00.39.H13", false),
        ],
    )
}

/// Demo officials: (username, name, position, unit name path, roles as (role, unit name path)).
type OfficialSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CITY: &str = "UBND thành phố Cần Thơ";

const OFFICIALS: &[OfficialSpec] = &[
    (
        "admin",
        "Phạm Minh Quân",
        "Quản trị hệ thống",
        "Văn phòng UBND thành phố",
        &[("admin", "")],
    ),
    (
        "thanhtra",
        "Võ Thị Thanh",
        "Thanh tra viên",
        "Văn phòng UBND thành phố",
        &[("inspector", "")],
    ),
    (
        "tiepnhan.ttpvhcc",
        "Huỳnh Ngọc Anh",
        "Chuyên viên",
        "Trung tâm Phục vụ hành chính công",
        &[("reception", "Trung tâm Phục vụ hành chính công")],
    ),
    (
        "chuyenvien.stp",
        "Đặng Văn Tài",
        "Chuyên viên",
        "Sở Tư pháp > Phòng Hành chính tư pháp",
        &[("specialist", "Sở Tư pháp")],
    ),
    (
        "truongphong.stp",
        "Lâm Thị Hồng",
        "Trưởng phòng",
        "Sở Tư pháp > Phòng Hành chính tư pháp",
        &[("unit_head", "Sở Tư pháp > Phòng Hành chính tư pháp")],
    ),
    (
        "giamdoc.stp",
        "Trương Quốc Bảo",
        "Giám đốc Sở",
        "Sở Tư pháp",
        &[("leader", "Sở Tư pháp")],
    ),
    (
        "vanthu.stp",
        "Ngô Thị Kim",
        "Văn thư",
        "Sở Tư pháp",
        &[("clerk", "Sở Tư pháp")],
    ),
    (
        "chuyenvien.vpdkdd",
        "Phan Thanh Sơn",
        "Chuyên viên",
        "Sở Nông nghiệp và Môi trường > Văn phòng Đăng ký đất đai",
        &[("specialist", "Sở Nông nghiệp và Môi trường")],
    ),
    (
        "giamdoc.snnmt",
        "Lý Văn Hùng",
        "Giám đốc Sở",
        "Sở Nông nghiệp và Môi trường",
        &[("leader", "Sở Nông nghiệp và Môi trường")],
    ),
    (
        "quantri.ninhkieu",
        "Châu Thị Ngọc",
        "Công chức Văn phòng",
        "UBND phường Ninh Kiều > Văn phòng HĐND và UBND",
        &[("admin", "UBND phường Ninh Kiều")],
    ),
    (
        "tiepnhan.ninhkieu",
        "Nguyễn Thị Thu Trang",
        "Công chức Một cửa",
        "UBND phường Ninh Kiều > Bộ phận Một cửa",
        &[("reception", "UBND phường Ninh Kiều")],
    ),
    (
        "chuyenvien.ninhkieu",
        "Trần Văn Lộc",
        "Công chức Tư pháp - Hộ tịch",
        "UBND phường Ninh Kiều > Phòng Văn hóa - Xã hội",
        &[("specialist", "UBND phường Ninh Kiều")],
    ),
    (
        "truongphong.ninhkieu",
        "Lê Thị Diễm",
        "Trưởng phòng",
        "UBND phường Ninh Kiều > Phòng Văn hóa - Xã hội",
        &[(
            "unit_head",
            "UBND phường Ninh Kiều > Phòng Văn hóa - Xã hội",
        )],
    ),
    (
        "chutich.ninhkieu",
        "Huỳnh Văn Thành",
        "Chủ tịch UBND phường",
        "UBND phường Ninh Kiều",
        &[("leader", "UBND phường Ninh Kiều")],
    ),
    (
        "vanthu.ninhkieu",
        "Mai Thị Hạnh",
        "Văn thư",
        "UBND phường Ninh Kiều > Văn phòng HĐND và UBND",
        &[("clerk", "UBND phường Ninh Kiều")],
    ),
    (
        "tiepnhan.trunghung",
        "Dương Văn Nhân",
        "Công chức Một cửa",
        "UBND xã Trung Hưng > Bộ phận Một cửa",
        &[("reception", "UBND xã Trung Hưng")],
    ),
    (
        "chuyenvien.trunghung",
        "Tô Thị Bích",
        "Công chức Tư pháp - Hộ tịch",
        "UBND xã Trung Hưng > Phòng Văn hóa - Xã hội",
        &[("specialist", "UBND xã Trung Hưng")],
    ),
    (
        "chutich.trunghung",
        "Kiều Văn Dũng",
        "Chủ tịch UBND xã",
        "UBND xã Trung Hưng",
        &[("leader", "UBND xã Trung Hưng")],
    ),
];

/// What [`App::load_demo`] created.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DemoReport {
    pub loaded: bool,
    pub units: usize,
    pub officials: usize,
    pub citizens: usize,
    /// Procedures loaded from the bundled catalogue.
    pub procedures: usize,
}

impl App {
    /// Loads the demo into an empty database; does nothing if units already exist. The bundled
    /// procedure catalogue is loaded on its own whenever the catalogue is empty.
    pub async fn load_demo(&self) -> AppResult<DemoReport> {
        let procedures = self.load_bundled_catalogue().await?;
        // The official notices (idempotent: only into an empty table), so the demo's deadlines
        // follow the real 2024–2026 schedules.
        self.seed_calendar().await?;
        if self.store.count_units().await? > 0 {
            return Ok(DemoReport {
                loaded: procedures > 0,
                procedures,
                ..Default::default()
            });
        }
        let system = Actor::system();
        let mut report = DemoReport {
            loaded: true,
            procedures,
            ..Default::default()
        };
        let mut ids: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        let mut stack: Vec<(Option<i64>, String, Unit)> = vec![(None, String::new(), tree())];
        while let Some((parent, parent_ref, node)) = stack.pop() {
            let form = UnitForm {
                parent_id: parent,
                kind: node.kind.into(),
                level: node.level.into(),
                name: node.name.into(),
                code: node.code.map(Into::into),
                ..Default::default()
            };
            let created = self.create_unit(&system, &form).await?;
            report.units += 1;
            let reference = if parent_ref.is_empty() {
                String::new()
            } else if parent_ref == CITY {
                node.name.to_owned()
            } else {
                format!("{parent_ref} > {}", node.name)
            };
            let child_ref = if parent.is_none() {
                CITY.to_owned()
            } else {
                reference.clone()
            };
            ids.insert(reference, created.id);
            for child in node.children.into_iter().rev() {
                stack.push((Some(created.id), child_ref.clone(), child));
            }
        }
        // One hash for every demo account keeps start-up fast; real accounts each get a salt.
        let hash = security::hash_password_off_thread(DEMO_PASSWORD).await?;
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        for (username, name, position, unit_ref, roles) in OFFICIALS {
            let unit_id = *ids
                .get(*unit_ref)
                .ok_or_else(|| anyhow::anyhow!("demo unit {unit_ref}"))?;
            let form = OfficialForm {
                username: (*username).into(),
                full_name: (*name).into(),
                position: Some((*position).into()),
                unit_id,
                email: Some(format!("{}@cantho.example.vn", username.replace('.', "-"))),
                employed_from: Some("2020-07-01".into()),
                active: true,
                ..Default::default()
            };
            let mut input = form
                .validate_for_import()
                .map_err(crate::AppError::Invalid)?;
            input.position_id = Some(tx.ensure_position(position, 100).await?);
            let id = tx.insert_official(&input, &hash, now).await?;
            for (role, role_unit) in *roles {
                let role_unit_id = *ids
                    .get(*role_unit)
                    .ok_or_else(|| anyhow::anyhow!("demo unit {role_unit}"))?;
                tx.assign_role(id, role, role_unit_id, None, now).await?;
            }
            report.officials += 1;
        }
        for (personal_id, name, email, phone) in DEMO_CITIZENS {
            let id = tx
                .insert_citizen(personal_id, name, Some(email), Some(phone), &hash, now)
                .await?;
            // As if each had shown their ID card at the counter once.
            tx.mark_citizen_id_proven(id, personal_id, "id_card", now)
                .await?;
            report.citizens += 1;
        }
        tx.append_audit(&system.audit("demo.load", None, json!(report)), now)
            .await?;
        tx.commit().await?;
        // Every procedure of the demo gets its workflow now, so the workflow pages list them
        // all before a first dossier is submitted.
        self.ensure_catalogue_workflows().await?;
        Ok(report)
    }
}

/// A complete birth-registration form (Mẫu tờ khai đăng ký khai sinh) for the demo dossiers.
pub const DEMO_BIRTH_FORM: &str = r#"{
    "nguoi_yeu_cau_ho_ten": "Nguyễn Văn Hậu", "nguoi_yeu_cau_so_dinh_danh": "092095001234",
    "nguoi_yeu_cau_noi_cu_tru": {"street": "45 đường 30/4", "province": "92", "commune": "31117"},
    "nguoi_yeu_cau_quan_he": "Cha", "so_dien_thoai": "0912345678",
    "tre_ho_ten": "Nguyễn Ngọc Anh", "tre_ngay_sinh": "02/11/2026", "tre_gioi_tinh": "nu", "tre_dan_toc": "Kinh",
    "tre_quoc_tich": "Việt Nam", "tre_noi_sinh": "Bệnh viện Phụ sản thành phố Cần Thơ", "tre_que_quan": "Thành phố Cần Thơ",
    "me_ho_ten": "Lê Thị Hoa", "me_nam_sinh": 1995, "me_dan_toc": "Kinh", "me_quoc_tich": "Việt Nam",
    "me_noi_cu_tru": {"street": "45 đường 30/4", "province": "92", "commune": "31117"},
    "cha_ho_ten": "Nguyễn Văn Hậu", "cha_nam_sinh": "1993", "loai_giay_chung_sinh": "giay_chung_sinh",
    "cha_me_da_ket_hon": "co", "so_ban_sao": "2", "hinh_thuc_nhan_ket_qua": "truc_tuyen", "cam_doan": "on"
}"#;

impl App {
    /// Demo dossiers in every national status (1–10) at the Ninh Kiều ward, so that every queue
    /// and page has something to show, one of them resolved for return by post. Only into a database without dossiers.
    pub async fn load_demo_dossiers(&self) -> AppResult<usize> {
        use crate::dossiers::Submission;
        use motcua_domain::dossier::{Command, ReturnMethod};
        if !self.store.dossier_ids().await?.is_empty() {
            return Ok(0);
        }
        let citizen_id = self.store.citizen_credentials(DEMO_CITIZENS[0].0).await?.id;
        let citizen = Actor {
            principal: motcua_domain::authz::Principal::Citizen { citizen_id },
            ip: None,
        };
        let official = |username: &'static str| async move {
            let id = self.store.official_credentials(username).await?.id;
            let principal = self
                .official_principal(id)
                .await?
                .ok_or(crate::AppError::NotFound)?;
            Ok::<Actor, crate::AppError>(Actor {
                principal,
                ip: None,
            })
        };
        let reception = official("tiepnhan.ninhkieu").await?;
        let specialist = official("chuyenvien.ninhkieu").await?;
        let leader = official("chutich.ninhkieu").await?;
        let form = serde_json::from_str(DEMO_BIRTH_FORM)
            .map_err(|e| crate::AppError::Internal(e.into()))?;
        let submission = Submission {
            procedure_code: "1.001193".into(),
            agency_code: "000.00.30.H13".into(),
            form,
            attachments: Vec::new(),
            delivery: Default::default(),
            postal: Default::default(),
        };
        let mut created = 0;
        for target in 1..=10 {
            let id = self.submit_dossier(&citizen, &submission).await?.id;
            created += 1;
            match target {
                1 => continue,
                3 => {
                    self.act_on_dossier(
                        &reception,
                        id,
                        Command::Refuse {
                            reasons: vec![
                                "Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường".into(),
                            ],
                        },
                    )
                    .await?;
                    continue;
                }
                5 => {
                    let missing = vec!["Giấy chứng sinh (bản chính)".into()];
                    self.act_on_dossier(
                        &reception,
                        id,
                        Command::RequestSupplement {
                            missing,
                            reason: "Thiếu giấy chứng sinh".into(),
                            // Hạn bổ sung: two weeks from today.
                            due_by: Some(
                                (self
                                    .now()
                                    .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
                                    + time::Duration::days(14))
                                .date(),
                            ),
                        },
                    )
                    .await?;
                    continue;
                }
                7 => {
                    self.act_on_dossier(
                        &citizen,
                        id,
                        Command::Withdraw {
                            reason: "Gia đình đăng ký tại nơi cư trú khác".into(),
                        },
                    )
                    .await?;
                    continue;
                }
                _ => {}
            }
            self.receive_dossier(&reception, id).await?;
            match target {
                6 => {
                    self.act_on_dossier(
                        &specialist,
                        id,
                        Command::RequireFinancialObligation {
                            description: "Nộp lệ phí cấp bản sao trích lục".into(),
                            amount_vnd: Some(8_000),
                        },
                    )
                    .await?;
                }
                8 => {
                    self.act_on_dossier(
                        &leader,
                        id,
                        Command::Stop {
                            reason: "Người yêu cầu đề nghị dừng giải quyết".into(),
                        },
                    )
                    .await?;
                }
                4 | 9 | 10 => {
                    self.act_on_dossier(
                        &specialist,
                        id,
                        Command::Forward {
                            to_step: 1,
                            assignee: None,
                        },
                    )
                    .await?;
                    if target >= 9 {
                        self.act_on_dossier(&leader, id, Command::Approve).await?;
                        self.act_on_dossier(&leader, id, Command::Sign).await?;
                        self.act_on_dossier(&leader, id, Command::Resolve).await?;
                    }
                    if target == 10 {
                        self.act_on_dossier(
                            &reception,
                            id,
                            Command::ReturnResult {
                                method: ReturnMethod::Counter,
                            },
                        )
                        .await?;
                    }
                }
                _ => {}
            }
        }
        // Situations beyond one per status, so the other queues have something to show: a
        // dossier handed to the chairman by name ("assigned to me"), one transferred to the
        // Department of Justice (liên thông, its queues), one paused for a supplement during
        // processing, and a draft the citizen can continue.
        let chairman_id = self
            .store
            .official_credentials("chutich.ninhkieu")
            .await?
            .id;
        for situation in ["assigned", "transferred", "paused"] {
            let id = self.submit_dossier(&citizen, &submission).await?.id;
            created += 1;
            self.receive_dossier(&reception, id).await?;
            let command = match situation {
                "assigned" => Command::Forward {
                    to_step: 1,
                    assignee: Some(chairman_id),
                },
                "transferred" => Command::Transfer {
                    to_agency: motcua_domain::org::AgencyCode::parse("000.00.10.H13")
                        .map_err(|_| crate::AppError::Conflict("error-agency-code"))?,
                    reason: "Đề nghị Sở Tư pháp xác minh thông tin hộ tịch".into(),
                },
                _ => Command::RequestSupplement {
                    missing: vec!["Văn bản xác nhận nơi cư trú của người mẹ".into()],
                    reason: "Cần xác minh nơi cư trú".into(),
                    due_by: None,
                },
            };
            self.act_on_dossier(&specialist, id, command).await?;
        }
        // A result the citizen asked to receive by post, resolved and waiting at the desk: the
        // desk hands it to the post (the demo's postal simulator) and follows the parcel.
        let by_post = Submission {
            delivery: motcua_domain::dossier::ResultDelivery::new(
                "post",
                Some("45 đường 30/4, phường Ninh Kiều, thành phố Cần Thơ"),
            )
            .map_err(|e| crate::AppError::invalid(e.field(), e.code()))?,
            ..submission.clone()
        };
        let id = self.submit_dossier(&citizen, &by_post).await?.id;
        created += 1;
        self.receive_dossier(&reception, id).await?;
        self.act_on_dossier(
            &specialist,
            id,
            Command::Forward {
                to_step: 1,
                assignee: None,
            },
        )
        .await?;
        for command in [Command::Approve, Command::Sign, Command::Resolve] {
            self.act_on_dossier(&leader, id, command).await?;
        }
        self.save_draft(&citizen, None, &submission).await?;
        created += 1;
        Ok(created)
    }
}

/// A request by the first demo citizen for `copies` copies of a civil-status extract
/// (2.000635, 8.000 đ per copy, paid at submission): the demo's payments, and the tests,
/// journeys and bench that pay.
pub fn demo_extract_form(copies: u32) -> AppResult<motcua_domain::procedure::FormValues> {
    serde_json::from_value(serde_json::json!({
        "nguoi_yeu_cau_ho_ten": "Nguyễn Văn Hậu",
        "nguoi_yeu_cau_so_dinh_danh": DEMO_CITIZENS[0].0,
        "nguoi_yeu_cau_noi_cu_tru": {"street": "45 đường 30/4", "province": "92", "commune": "31117"},
        "loai_trich_luc": ["khai_sinh"],
        "nguoi_duoc_cap_ho_ten": "Nguyễn Ngọc Anh",
        "noi_dang_ky": "UBND phường Ninh Kiều",
        "so_ban_sao": copies,
        "hinh_thuc_nhan_ket_qua": "truc_tuyen",
        "cam_doan": "on"
    }))
    .map_err(|e| crate::AppError::Internal(e.into()))
}

impl App {
    /// Demo payments in every state, on requests for civil-status extracts (paid at
    /// submission) at the Ninh Kiều ward: paid in cash and received, paid by card and
    /// refunded, an online attempt waiting for its gateway after a cancelled one, an expired
    /// and a failed attempt. The dossier under a financial obligation (status 6) is left for a
    /// visitor to pay through the simulators. Only once (when no payment exists yet).
    pub async fn load_demo_payments(&self) -> AppResult<usize> {
        use crate::dossiers::Submission;
        use motcua_domain::payment::{PaymentMethod, merchant_reference};
        use motcua_store::payments::NewPayment;
        let citizen_id = self.store.citizen_credentials(DEMO_CITIZENS[0].0).await?.id;
        let citizen = Actor {
            principal: motcua_domain::authz::Principal::Citizen { citizen_id },
            ip: None,
        };
        let official = |username: &'static str| async move {
            let id = self.store.official_credentials(username).await?.id;
            let principal = self
                .official_principal(id)
                .await?
                .ok_or(crate::AppError::NotFound)?;
            Ok::<Actor, crate::AppError>(Actor {
                principal,
                ip: None,
            })
        };
        let reception = official("tiepnhan.ninhkieu").await?;
        let leader = official("chutich.ninhkieu").await?;
        let mut ids = Vec::new();
        for copies in [2, 1, 3, 1, 2] {
            let submission = Submission {
                procedure_code: "2.000635".into(),
                agency_code: "000.00.30.H13".into(),
                form: demo_extract_form(copies)?,
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            };
            ids.push(self.submit_dossier(&citizen, &submission).await?.id);
        }
        // Paid in cash at the desk, then received.
        self.record_counter_payment(&reception, ids[0], PaymentMethod::Cash, "Thu tại quầy")
            .await?;
        self.receive_dossier(&reception, ids[0]).await?;
        // Paid by card, refunded by the chairman.
        let paid = self
            .record_counter_payment(&reception, ids[1], PaymentMethod::Pos, "")
            .await?;
        self.refund_payment(&leader, paid.id, "Công dân nộp trùng hai lần")
            .await?;
        // Online attempts as gateways leave them: written as they stand, since no gateway
        // is reachable while the demo loads.
        let now = self.now();
        let online = [
            (
                ids[2],
                "cancelled",
                PaymentMethod::VnPay,
                40,
                "Công dân chọn kênh khác",
            ),
            (ids[2], "pending", PaymentMethod::PayGov, 5, ""),
            (ids[3], "expired", PaymentMethod::VnPay, 200, ""),
            (
                ids[4],
                "failed",
                PaymentMethod::VnPay,
                30,
                "VNPay: 24 (khách hàng hủy giao dịch)",
            ),
        ];
        let mut written = 2;
        for (dossier_id, state, method, minutes_ago, note) in online {
            let row = self.store.get_dossier(dossier_id).await?;
            let Some((purpose, due)) = self.payment_due_of(&row).await? else {
                continue;
            };
            let created = now - time::Duration::minutes(minutes_ago);
            let mut tx = self.store.begin().await?;
            tx.insert_payment(&NewPayment {
                reference: merchant_reference(
                    row.code.as_deref().unwrap_or("HS"),
                    created,
                    u32::try_from(written).unwrap_or(0),
                ),
                dossier_id,
                agency_id: row.agency_id,
                agency_path: row.agency_path.clone(),
                purpose: purpose.to_stored(),
                method: method.as_str().to_owned(),
                amount_vnd: due.total_vnd,
                lines: serde_json::to_string(&due.lines)
                    .map_err(|e| crate::AppError::Internal(e.into()))?,
                state: state.to_owned(),
                payer_name: row.applicant_name.clone(),
                created_at: motcua_store::micros(created),
                expires_at: motcua_store::micros(created + crate::payments::PAYMENT_EXPIRY),
                settled_at: None,
                receipt_number: None,
                note: note.to_owned(),
                actor: format!("citizen:{citizen_id}"),
            })
            .await?;
            tx.commit().await?;
            written += 1;
        }
        Ok(written)
    }
}

impl App {
    /// Demo official documents at the Ninh Kiều ward, so the registers, the overdue and
    /// due-soon lists and every step of both flows have something to show: an incoming
    /// document directed twelve days ago whose deadline has passed (in handling), one due
    /// today, one waiting for the chairman's direction, one just registered; an outgoing
    /// draft and an issued, sealed and distributed decision. Only into a database without
    /// documents.
    pub async fn load_demo_documents(&self) -> AppResult<usize> {
        use crate::documents::{
            DocumentAction, DocumentFilter, IncomingRegistration, OutgoingDraft,
        };
        use motcua_domain::document::{Delivery, Recipient, Register, SignatureKind};
        use motcua_store::documents::DocumentScope;
        for register in [Register::Incoming, Register::Outgoing] {
            let filter = DocumentFilter {
                register,
                year: None,
                status: None,
            };
            let any = self
                .store
                .list_documents(&filter, &DocumentScope { paths: None }, 1)
                .await?;
            if !any.is_empty() {
                return Ok(0);
            }
        }
        let official = |username: &'static str| async move {
            let id = self.store.official_credentials(username).await?.id;
            let principal = self
                .official_principal(id)
                .await?
                .ok_or(crate::AppError::NotFound)?;
            Ok::<(i64, Actor), crate::AppError>((
                id,
                Actor {
                    principal,
                    ip: None,
                },
            ))
        };
        let (_, clerk) = official("vanthu.ninhkieu").await?;
        let (leader_id, leader) = official("chutich.ninhkieu").await?;
        let (_, head) = official("truongphong.ninhkieu").await?;
        let (specialist_id, specialist) = official("chuyenvien.ninhkieu").await?;
        const WARD: &str = "000.00.30.H13";
        let ward = self.store.get_unit_by_code(WARD).await?;
        let unit = |name: &str| {
            let ward = ward.path.clone();
            let name = name.to_owned();
            async move {
                self.store
                    .list_units()
                    .await?
                    .into_iter()
                    .find(|u| u.name == name && u.path.starts_with(&ward))
                    .map(|u| u.id)
                    .ok_or(crate::AppError::NotFound)
            }
        };
        let culture = unit("Phòng Văn hóa - Xã hội").await?;
        let economy = unit("Phòng Kinh tế, Hạ tầng và Đô thị").await?;
        let office = unit("Văn phòng HĐND và UBND").await?;
        // What happened twelve days ago is decided on that day's clock, so its deadline,
        // still in the future then, has passed now.
        let twelve_days_ago = self.now() - time::Duration::days(12);
        let past = self
            .clone()
            .with_clock(std::sync::Arc::new(move || twelve_days_ago));
        let incoming = |sender: &str, code: &str, doc_type: &str, subject: &str, urgency: &str| {
            IncomingRegistration {
                body_code: WARD.into(),
                doc_type: doc_type.into(),
                code_number: code.into(),
                sender_organ: sender.into(),
                subject: subject.into(),
                urgency: urgency.into(),
                page_count: Some(2),
                ..Default::default()
            }
        };
        let submit = DocumentAction::SubmitToLeader { leader_id };
        let mut created = 0;

        // Overdue: directed twelve days ago with five days to handle it.
        let first = IncomingRegistration {
            issued_date: Some(past.today() - time::Duration::days(2)),
            signer_name: Some("Trương Quốc Bảo".into()),
            signer_position: Some("Giám đốc".into()),
            ..incoming(
                "Sở Tư pháp thành phố Cần Thơ",
                "215/STP-HCTP",
                "cong_van",
                "Về việc rà soát, chuẩn hóa dữ liệu hộ tịch trên địa bàn",
                "khan",
            )
        };
        let id = past.register_incoming(&clerk, &first).await?.document.id;
        past.act_on_document(&clerk, id, &submit).await?;
        past.act_on_document(
            &leader,
            id,
            &DocumentAction::Direct {
                lead_unit_id: culture,
                co_unit_ids: vec![office],
                deadline: Some(past.today() + time::Duration::days(5)),
                note: "Phòng Văn hóa - Xã hội chủ trì rà soát, báo cáo kết quả.".into(),
            },
        )
        .await?;
        past.act_on_document(&head, id, &DocumentAction::Assign { specialist_id })
            .await?;
        created += 1;

        // Due today: directed this morning.
        let id = self
            .register_incoming(
                &clerk,
                &incoming(
                    "Sở Xây dựng thành phố Cần Thơ",
                    "1187/SXD-QLN",
                    "cong_van",
                    "Về việc báo cáo tình hình cấp giấy phép xây dựng nhà ở riêng lẻ",
                    "",
                ),
            )
            .await?
            .document
            .id;
        self.act_on_document(&clerk, id, &submit).await?;
        self.act_on_document(
            &leader,
            id,
            &DocumentAction::Direct {
                lead_unit_id: economy,
                co_unit_ids: Vec::new(),
                deadline: Some(self.today()),
                note: "Báo cáo trong ngày.".into(),
            },
        )
        .await?;
        created += 1;

        // Waiting for the chairman's direction.
        let id = self
            .register_incoming(
                &clerk,
                &incoming(
                    "Sở Nội vụ thành phố Cần Thơ",
                    "1024/SNV-CCVC",
                    "cong_van",
                    "Về việc báo cáo số lượng, chất lượng cán bộ, công chức cấp xã năm 2026",
                    "",
                ),
            )
            .await?
            .document
            .id;
        self.act_on_document(&clerk, id, &submit).await?;
        created += 1;

        // Just registered.
        self.register_incoming(
            &clerk,
            &incoming(
                "UBND thành phố Cần Thơ",
                "88/GM-UBND",
                "giay_moi",
                "Giấy mời dự Hội nghị triển khai chuyển đổi số cấp xã",
                "hoa_toc",
            ),
        )
        .await?;
        created += 1;

        // An outgoing draft, and a decision through every step of Điều 14.
        let draft = |doc_type: &str, subject: &str| OutgoingDraft {
            body_code: WARD.into(),
            doc_type: doc_type.into(),
            subject: subject.into(),
            recipient_organ: Some("Các khu vực thuộc phường".into()),
            ..Default::default()
        };
        self.draft_outgoing(
            &specialist,
            &draft(
                "ke_hoach",
                "Kế hoạch tuyên truyền, phổ biến Luật Hộ tịch năm 2027",
            ),
        )
        .await?;
        created += 1;
        let id = past
            .draft_outgoing(
                &specialist,
                &draft(
                    "quyet_dinh",
                    "Quyết định thành lập Tổ công tác chuyển đổi số phường Ninh Kiều",
                ),
            )
            .await?
            .id;
        past.act_on_document(&specialist, id, &DocumentAction::SendForReview)
            .await?;
        past.act_on_document(&leader, id, &DocumentAction::Approve)
            .await?;
        past.act_on_document(
            &leader,
            id,
            &DocumentAction::Sign {
                kind: SignatureKind::Personal,
            },
        )
        .await?;
        past.issue_document(&clerk, id).await?;
        past.act_on_document(
            &clerk,
            id,
            &DocumentAction::Sign {
                kind: SignatureKind::Seal,
            },
        )
        .await?;
        past.act_on_document(
            &clerk,
            id,
            &DocumentAction::Distribute {
                recipients: vec![
                    Recipient::Unit { unit_id: culture },
                    Recipient::Unit { unit_id: economy },
                    Recipient::Agency {
                        name: "UBND thành phố Cần Thơ".into(),
                        via: Delivery::Email,
                    },
                ],
            },
        )
        .await?;
        created += 1;
        Ok(created)
    }
}
