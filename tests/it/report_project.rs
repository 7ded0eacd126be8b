//! The real project (raw/ and pipelines/) builds, and each mart holds values computed by hand
//! from the report's figures and raw/assumptions.csv.

use crate::common::Project;
use duckdb::Connection;

/// One build shared by the tests that read it (the project is read-only to them).
fn project() -> &'static Project {
    Project::report_built()
}

fn f64_of(db: &Connection, sql: &str) -> f64 {
    db.query_row(sql, [], |r| r.get::<_, f64>(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn text_of(db: &Connection, sql: &str) -> String {
    db.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn training_run_cost() {
    let db = project().db();
    let q = |col: &str, model: &str| {
        f64_of(&db, &format!("select {col} from marts.training_run_cost where model = '{model}'"))
    };
    // LLaMA-65B: 2048 GPUs × 21 days × 24 h.
    assert_eq!(q("gpu_hours_low", "LLaMA-65B"), 1_032_192.0);
    // GPT4-1800B: 25000 GPUs × 90-100 days.
    assert_eq!(q("gpu_days_low", "GPT4-1800B"), 2_250_000.0);
    assert_eq!(q("gpu_days_high", "GPT4-1800B"), 2_500_000.0);
    // GLM-130B: 768 GPUs × 2 months of 30 days.
    assert_eq!(q("gpu_days_high", "GLM-130B"), 46_080.0);
    // Cluster capex at the report's 15万元 per A100.
    assert_eq!(q("cluster_capex_cny", "LLaMA-65B"), 2048.0 * 150_000.0);
    // GPT3-175B rental: 1024 × 24 days × 24 h × 2.0 USD, × 7.05 CNY per USD.
    assert_eq!(q("rental_usd_low", "GPT3-175B"), 1_179_648.0);
    assert!(close(q("rental_cny_low", "GPT3-175B"), 1_179_648.0 * 7.05));
    // Which run cost most per the assumptions.
    assert_eq!(
        text_of(&db, "select model from marts.training_run_cost order by rental_usd_high desc nulls last limit 1"),
        "GPT4-1800B"
    );
}

#[test]
fn market_growth() {
    let db = project().db();
    let implied = f64_of(&db, "select implied_cagr from marts.market_growth where start_value is not null");
    assert!(close(implied, (600.0f64 / 132.3).powf(0.25) - 1.0), "{implied}");
    let stated = f64_of(&db, "select stated_cagr from marts.market_growth where start_value is not null");
    assert!(close(stated, 0.506));
    let end =
        f64_of(&db, "select end_value_implied_by_stated_cagr from marts.market_growth where start_value is not null");
    assert!(close(end, 132.3e8 * 1.506f64.powi(4)), "{end}");
    // 50.6% is above the 45.9% the endpoints give, true only because 突破600亿元 is a floor.
    assert_eq!(
        text_of(&db, "select status from marts.market_growth where start_value is not null"),
        "agrees only as a bound"
    );
    let multiple = f64_of(&db, "select implied_multiple from marts.market_growth where start_value is not null");
    assert!(close(multiple, 600.0 / 132.3), "{multiple}");
    // The compute series has a stated CAGR but no endpoints in the text.
    assert_eq!(
        text_of(&db, "select status from marts.market_growth where series = '中国智能算力规模'"),
        "not checkable"
    );
}

#[test]
fn gpu_prices_and_financing() {
    let db = project().db();
    assert!(close(
        f64_of(&db, "select implied_price_before_cny from marts.gpu_prices where gpu = 'A100'"),
        150_000.0 / 1.375
    ));
    assert!(close(
        f64_of(&db, "select implied_price_before_cny from marts.gpu_prices where gpu = 'A800'"),
        95_000.0 / 1.2
    ));
    let share = f64_of(&db, "select share from marts.financing_shares where measure = '技术算法层 deals / AI deals'");
    assert!(close(share, 182.0 / 585.0));
    assert_eq!(
        text_of(&db, "select status from marts.financing_shares where measure = '技术算法层 deals / AI deals'"),
        "agrees"
    );
}

#[test]
fn compute_capacity() {
    let db = project().db();
    // Listed: 500 + 200 + 4000 (百度) + 1000 (360) + 12000 + 3000 (阿里) + 6800 + 100 (商汤) PFLOPS.
    let total = 27_600.0;
    let ali = f64_of(&db, "select distinct company_share from marts.compute_capacity where company = '阿里巴巴'");
    assert!(close(ali, 15_000.0 / total), "{ali}");
    let baidu = f64_of(&db, "select distinct company_share from marts.compute_capacity where company = '百度'");
    assert!(close(baidu, 4_700.0 / total), "{baidu}");
    let shares = f64_of(&db, "select sum(distinct company_share) from marts.compute_capacity");
    assert!(close(shares, 1.0), "{shares}");
}

#[test]
fn landscape_rankings_pricing_video() {
    let db = project().db();
    assert_eq!(f64_of(&db, "select models from marts.model_landscape where stage = 'deployed'"), 36.0);
    assert_eq!(f64_of(&db, "select sum(models) from marts.model_landscape"), 62.0);

    // Xinhua 2.0: 商量 and ChatGLM tie at rank 3; 通义千问 fell from 4 (1.0) to 7 (2.0).
    assert_eq!(f64_of(&db, "select count(*) from marts.benchmark_rankings where edition = '2.0' and tied"), 2.0);
    assert_eq!(
        f64_of(&db, "select rank_change from marts.benchmark_rankings where edition = '2.0' and model = '通义千问'"),
        -3.0
    );
    assert!(close(
        f64_of(
            &db,
            "select score_vs_leader from marts.benchmark_rankings where edition = '1.0' and model = '文心一言'"
        ),
        1112.0 / 1246.0
    ));
    assert_eq!(
        f64_of(
            &db,
            "select unlisted_ranks_above from marts.benchmark_rankings where edition = '2.0' and model = '通义千问'"
        ),
        1.0
    );

    assert_eq!(f64_of(&db, "select cny_per_1m_tokens from marts.llm_pricing where product = '星火大模型V1.5'"), 18.0);
    assert!(close(
        f64_of(&db, "select max(discount_vs_monthly) from marts.llm_pricing where product = '文心一言'"),
        1.0 - 49.9 / 59.9
    ));

    assert_eq!(
        f64_of(&db, "select pixels_per_frame from marts.video_generation where product = 'CapCut AI Video'"),
        518_400.0
    );
    assert_eq!(
        f64_of(&db, "select frames_per_clip from marts.video_generation where product = 'CapCut AI Video'"),
        72.0
    );
    assert_eq!(
        f64_of(&db, "select pixels_vs_sora from marts.video_generation where product = 'CapCut AI Video'"),
        0.25
    );
}

#[test]
fn claims_reconcile_the_report_with_itself() {
    let db = project().db();
    let status = |id: &str| text_of(&db, &format!("select status from meta.claims where id = '{id}'"));
    assert_eq!(status("market.llm_cagr"), "agrees only as a bound");
    let gap = f64_of(&db, "select gap from meta.claims where id = 'market.llm_cagr'");
    assert!(close(gap, 0.506 - ((600.0f64 / 132.3).powf(0.25) - 1.0)), "{gap}");
    assert_eq!(status("financing.tech_algo_share"), "agrees");
    assert_eq!(status("cost.gpt3_training_run"), "agrees only as a bound");
    assert_eq!(status("gpus.gpt4_class"), "disagrees");
    assert_eq!(status("gpus.gpt35_class"), "not checkable");
    assert_eq!(f64_of(&db, "select recomputed_value from meta.claims where id = 'gpus.gpt4_class'"), 25_000.0);
    // The GPT-3 cost verdict rests on the assumed GPU-hour price: the claim names it and the
    // price at which the verdict flips (1M USD over 1024 × 24 × 24 GPU-hours).
    assert_eq!(
        text_of(&db, "select assumption from meta.claims where id = 'cost.gpt3_training_run'"),
        "gpu_hour_usd.a100"
    );
    let break_even = f64_of(&db, "select break_even from meta.claims where id = 'cost.gpt3_training_run'");
    assert!(close(break_even, 1e6 / (1024.0 * 24.0 * 24.0)), "{break_even}");
    let unknown = f64_of(
        &db,
        "select count(*) from meta.claims \
         where status not in ('agrees', 'agrees only as a bound', 'disagrees', 'not checkable')",
    );
    assert_eq!(unknown, 0.0);
}

/// An explanation quotes the data, never a literal: change the market's 2023 size in raw/ and
/// every explanation that quotes it says the new figure.
#[test]
fn explanations_follow_the_data() {
    let p = Project::report_project();
    p.edit("raw/market_facts.csv", "2023,132.3亿元,", "2023,133.3亿元,");
    let run = p.baimo(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let db = p.db();
    let explanation = text_of(&db, "select explanation from meta.claims where id = 'market.llm_cagr'");
    assert!(explanation.contains("133.3亿元") && !explanation.contains("132.3"), "{explanation}");
    let implied = (600.0f64 / 133.3).powf(0.25) - 1.0;
    assert!(explanation.contains(&format!("{:.2}%", implied * 100.0)), "{explanation}");
    // The report's chart caption quotes the same figures from the data.
    let run = p.baimo(&["report"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = p.read("warehouse/report/index.html");
    assert!(
        html.contains("The report states 133.3亿元 (2023)") && !html.contains("132.3"),
        "the caption kept a typed figure"
    );
}
