use super::*;
use crate::text::{fold, terms};
use proptest::prelude::*;

fn plan(query: &str) -> SearchPlan {
    SearchPlan::plain(&terms(query), false)
}

fn synonym(phrase: &str, expansion: &str) -> Synonym {
    Synonym {
        phrase: fold(phrase),
        expansion: fold(expansion),
    }
}

/// Names ordered by the plan's rank, best first (ties keep the given order).
fn ordered<'a>(plan: &SearchPlan, names: &[&'a str]) -> Vec<&'a str> {
    let mut ranked: Vec<(NameRank, &str)> = names
        .iter()
        .map(|name| (plan.rank(&fold(name)), *name))
        .collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked.into_iter().map(|(_, name)| name).collect()
}

#[test]
fn i_and_y_after_a_consonant_are_twins() {
    assert_eq!(iy_twin("ky").as_deref(), Some("ki"));
    assert_eq!(iy_twin("ki").as_deref(), Some("ky"));
    assert_eq!(iy_twin("ly").as_deref(), Some("li"));
    assert_eq!(iy_twin("quy").as_deref(), Some("qui"));
    assert_eq!(iy_twin("ti").as_deref(), Some("ty"));
    // A vowel before: no twin ("tay", "hai", "tuy", "thuy").
    for word in ["tay", "hai", "tuy", "thuy", "y", "i", "ay", "uy"] {
        assert_eq!(iy_twin(word), None, "{word}");
    }
    assert_eq!(canonical("ky"), "ki");
    assert_eq!(canonical("ki"), "ki");
    assert_eq!(canonical("tay"), "tay");
}

#[test]
fn typo_candidates_are_one_edit_away_and_only_for_long_words() {
    assert!(typo_candidates("hon").is_empty());
    assert!(typo_candidates("hôn").is_empty());
    let fixes = typo_candidates("chng");
    assert!(fixes.contains(&"chung".to_owned()), "insertion");
    assert!(
        typo_candidates("chugn").contains(&"chung".to_owned()),
        "transposition"
    );
    assert!(
        typo_candidates("chunh").contains(&"chung".to_owned()),
        "substitution"
    );
    assert!(
        typo_candidates("chuung").contains(&"chung".to_owned()),
        "deletion"
    );
    assert!(!fixes.contains(&"chng".to_owned()));
    assert!(!typo_candidates("thuong").contains(&"thuong".to_owned()));
}

#[test]
fn a_synonym_adds_a_reading_with_the_phrase_replaced() {
    let synonyms = [synonym("sổ đỏ", "giấy chứng nhận quyền sử dụng đất")];
    let found = readings(&terms("cap so do"), &synonyms);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0], terms("cap so do"));
    assert_eq!(found[1], terms("cap giay chung nhan quyen su dung dat"));
    // Whole words only: "so dom" does not contain the phrase "so do".
    assert_eq!(readings(&terms("so dom"), &synonyms).len(), 1);
    // Compared in one i/y spelling.
    let single = [synonym("giấy độc thân", "xác nhận tình trạng hôn nhân")];
    assert_eq!(readings(&terms("giai doc than"), &single).len(), 1);
    let ky = [synonym("đăng ký khai sinh", "khai sinh")];
    assert_eq!(readings(&terms("dang ki khai sinh"), &ky).len(), 2);
}

#[test]
fn retrieval_texts_quote_every_spelling_and_join_readings() {
    let synonyms = [synonym("sổ đỏ", "giấy chứng nhận")];
    let plan = SearchPlan::build(&terms("dang ki so do"), true, &synonyms, &|_| Vec::new());
    assert_eq!(
        plan.fts5(),
        "(\"dang\" AND (\"ki\" OR \"ky\") AND \"so\" AND \"do\"*) OR \
         (\"dang\" AND (\"ki\" OR \"ky\") AND \"giay\" AND \"chung\" AND \"nhan\")"
    );
    assert_eq!(
        plan.tsquery(),
        "(dang & (ki | ky) & so & do:*) | (dang & (ki | ky) & giay & chung & nhan)"
    );
    assert!(
        plan.fts5_most()
            .starts_with("((\"ki\" OR \"ky\") AND \"so\" AND \"do\"*) OR (\"dang\" AND \"so\"")
    );
    assert!(
        plan.tsquery_most()
            .starts_with("((ki | ky) & so & do:*) | (dang & so & do:*)")
    );
    let two = SearchPlan::plain(&terms("so do"), false);
    assert_eq!(two.tsquery_most(), "so | do");
}

#[test]
fn corrections_join_the_word_they_correct() {
    let plan = SearchPlan::build(&terms("chng thuc"), false, &[], &|word| {
        if word == "chng" {
            vec!["chung".to_owned()]
        } else {
            Vec::new()
        }
    });
    assert_eq!(plan.readings[0].groups[0].spellings, ["chng", "chung"]);
    assert!(plan.rank(&fold("Chứng thực di chúc")).all_in_name());
}

#[test]
fn the_exact_phrase_wins_over_the_same_words_apart() {
    let plan = plan("chung thuc ban sao");
    let names = [
        "Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
    ];
    assert_eq!(ordered(&plan, &names)[0], names[1]);
}

#[test]
fn spelling_variants_match_either_way() {
    let plan = plan("dang ki ket hon");
    assert!(plan.rank(&fold("Đăng ký kết hôn")).all_in_name());
    let plan = SearchPlan::plain(&terms("lí lịch tư pháp"), false);
    assert!(plan.rank(&fold("Cấp Phiếu lý lịch tư pháp")).all_in_name());
}

#[test]
fn the_closest_and_shortest_name_comes_first() {
    let plan = plan("dang ky khai sinh");
    let names = [
        "Liên thông các thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
        "Đăng ký lại khai sinh",
        "Đăng ký khai sinh",
    ];
    assert_eq!(
        ordered(&plan, &names),
        [names[3], names[1], names[0], names[2]]
    );
    // Partly found words: the found ones still count as a phrase.
    let plan = plan_with_missing();
    let names = ["Đăng ký lại khai sinh", "Đăng ký khai sinh"];
    assert_eq!(ordered(&plan, &names)[0], names[1]);
}

fn plan_with_missing() -> SearchPlan {
    plan("giay khai sinh")
}

#[test]
fn every_word_in_the_name_beats_some_words_in_the_name() {
    let plan = plan("tro cap that nghiep");
    let names = ["Thực hiện trợ cấp xã hội", "Hưởng trợ cấp thất nghiệp"];
    assert_eq!(ordered(&plan, &names)[0], names[1]);
}

#[test]
fn a_synonym_reading_can_win() {
    let synonyms = [synonym("sổ đỏ", "giấy chứng nhận quyền sử dụng đất")];
    let plan = SearchPlan::build(&terms("cap so do"), false, &synonyms, &|_| Vec::new());
    let names = [
        "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đối với cơ sở sản xuất",
        "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
    ];
    assert_eq!(ordered(&plan, &names)[0], names[1]);
}

#[test]
fn prefix_words_match_the_start_of_a_name_word() {
    let plan = SearchPlan::plain(&terms("ket ho"), true);
    assert!(plan.rank(&fold("Đăng ký kết hôn")).all_in_name());
    assert!(
        !SearchPlan::plain(&terms("ket ho"), false)
            .rank(&fold("Đăng ký kết hôn"))
            .all_in_name()
    );
}

proptest! {
    /// Whatever the input, the retrieval texts quote every spelling (FTS5) and contain only
    /// alphanumerics and tsquery operators (PostgreSQL), so no operator comes from the user.
    #[test]
    fn retrieval_texts_are_safe(input in "\\PC{0,60}", prefix in any::<bool>()) {
        let plan = SearchPlan::build(&terms(&input), prefix, &[synonym("so do", "giay chung nhan")], &|w| typo_candidates(w).into_iter().take(2).collect());
        for text in [plan.tsquery(), plan.tsquery_most()] {
            prop_assert!(text.chars().all(|c| c.is_alphanumeric() || " ()&|:*".contains(c)), "{}", text);
        }
        let fts = plan.fts5();
        let stripped: String = fts.split('"').skip(1).step_by(2).collect();
        prop_assert!(stripped.chars().all(char::is_alphanumeric), "{}", fts);
        prop_assert_eq!(fts.matches('"').count() % 2, 0);
    }

    /// A name that is exactly the query is the best possible answer to it.
    #[test]
    fn the_query_itself_ranks_best(words in proptest::collection::vec("[a-z]{1,6}", 1..6), other in proptest::collection::vec("[a-z]{1,6}", 0..8)) {
        let query = words.join(" ");
        let plan = SearchPlan::plain(&terms(&query), false);
        let itself = plan.rank(&query);
        let longer = plan.rank(&format!("{} {}", other.join(" "), query));
        prop_assert!(itself.all_in_name());
        prop_assert!(itself <= longer);
        prop_assert!(itself <= plan.rank(&other.join(" ")));
    }

    /// The i/y twin is an involution: the twin's twin is the word itself.
    #[test]
    fn twins_pair_up(word in "[a-z]{1,7}") {
        if let Some(twin) = iy_twin(&word) {
            prop_assert_eq!(iy_twin(&twin), Some(word.clone()));
            prop_assert_eq!(canonical(&twin), canonical(&word));
        }
    }
}
