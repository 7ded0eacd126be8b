//! `baimo report`: a static HTML report of the key marts with SVG charts (plotters), written to
//! `warehouse/report/index.html`. Every chart is labelled in Chinese and English and cites the
//! report section its data comes from.
//!
//! Chinese labels need a font with CJK glyphs for the layout (text sizes): baimo looks for one
//! in `$BAIMO_FONT` and in the usual Debian locations (fonts-droid-fallback, fonts-noto-cjk),
//! and says what to install when there is none. The SVG text itself is drawn by the browser.

use crate::error::{Error, Result};
use crate::project::Paths;
use crate::render::{self, TextTable};
use crate::warehouse::open_read_only;
use plotters::prelude::*;
use std::fmt::Write as _;
use std::path::Path;

const FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
];

fn chart_err<E: std::fmt::Display>(e: E) -> Error {
    Error::Internal(format!("drawing a chart: {e}"))
}

/// Registers a CJK-capable font for plotters' text layout.
fn register_font() -> Result<String> {
    let mut candidates: Vec<String> = std::env::var("BAIMO_FONT").ok().into_iter().collect();
    candidates.extend(FONTS.iter().map(|s| s.to_string()));
    for path in &candidates {
        let Ok(bytes) = std::fs::read(path) else { continue };
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
            return Ok(path.clone());
        }
    }
    Err(Error::Usage(format!(
        "no font with Chinese glyphs found (looked at $BAIMO_FONT and {}): install one with \
         `apt-get install fonts-droid-fallback`, or set BAIMO_FONT to a .ttf file",
        FONTS.join(", ")
    )))
}

struct Figure {
    title: String,
    svg: String,
    source: String,
    note: String,
    table: TextTable,
}

/// Okabe and Ito's colour-blind-safe palette: blue, orange, bluish green, vermillion, sky blue,
/// reddish purple, yellow.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
];

/// The legend of a chart's labelled series, in one style for every chart.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(chart_err)
}

/// How a bar chart's y axis reads.
#[derive(Clone, Copy, PartialEq)]
enum Scale {
    Percent,
    /// Base 10, for values spanning orders of magnitude; bars start at the axis's floor.
    Log,
}

/// One stacked part of every bar: its legend label and its values (one per bar; NaN or 0 for
/// none).
struct Part<'a> {
    label: &'a str,
    values: Vec<f64>,
}

/// A bar chart, one bar per label, each bar the stack of `parts` (a legend when there are two or
/// more).
fn bars(title: &str, y_desc: &str, labels: &[String], parts: &[Part], scale: Scale) -> Result<String> {
    let n = labels.len().max(1);
    let totals: Vec<f64> = (0..n)
        .map(|i| parts.iter().map(|p| p.values.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0)).sum())
        .collect();
    let top = totals.iter().cloned().fold(0.0f64, f64::max).max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut builder = ChartBuilder::on(&root);
        builder.caption(title, ("sans-serif", 22)).margin(14).x_label_area_size(60).y_label_area_size(90);
        let x = (0..n - 1).into_segmented();
        let label = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        // Each stacked part as rectangles from the running total to the running total plus it.
        // (On a log axis the lowest bar starts at the axis's floor instead of at zero.)
        let rectangles = |floor: f64| {
            let mut below = vec![0.0f64; n];
            let mut out = Vec::new();
            for (k, part) in parts.iter().enumerate() {
                let color = PALETTE[k % PALETTE.len()];
                for (i, v) in part.values.iter().enumerate().take(n) {
                    if !v.is_finite() || *v <= 0.0 {
                        continue;
                    }
                    let (from, to) = (below[i].max(floor), below[i] + v);
                    let mut bar = Rectangle::new(
                        [(SegmentValue::Exact(i), from), (SegmentValue::Exact(i + 1), to)],
                        color.filled(),
                    );
                    // Apart from their neighbours, as the histogram bars were.
                    bar.set_margin(0, 0, 12, 12);
                    out.push((k, bar));
                    below[i] = to;
                }
            }
            out
        };
        let legend = parts.len() > 1;
        if scale == Scale::Log {
            let smallest = totals.iter().cloned().filter(|v| *v > 0.0).fold(top, f64::min);
            let floor = 10f64.powf(smallest.log10().floor());
            let ceiling = 10f64.powf(top.log10().ceil()).max(floor * 10.0);
            let mut chart = builder.build_cartesian_2d(x, (floor..ceiling).log_scale()).map_err(chart_err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n)
                .x_label_formatter(&label)
                .y_label_formatter(&|y: &f64| render::format_number(*y))
                .y_desc(format!("{y_desc} (log scale 对数轴)"))
                .label_style(("sans-serif", 13))
                .draw()
                .map_err(chart_err)?;
            for (_, r) in rectangles(floor) {
                chart.draw_series([r]).map_err(chart_err)?;
            }
        } else {
            let mut chart = builder.build_cartesian_2d(x, 0f64..top * 1.15).map_err(chart_err)?;
            let percent = scale == Scale::Percent;
            let y_label = |y: &f64| if percent { format!("{:.0}%", y * 100.0) } else { render::format_number(*y) };
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n)
                .x_label_formatter(&label)
                .y_label_formatter(&y_label)
                .y_desc(y_desc)
                .label_style(("sans-serif", 13))
                .draw()
                .map_err(chart_err)?;
            let mut by_part: Vec<Vec<Rectangle<(SegmentValue<usize>, f64)>>> =
                parts.iter().map(|_| Vec::new()).collect();
            for (k, r) in rectangles(0.0) {
                by_part[k].push(r);
            }
            for (k, (part, drawn)) in parts.iter().zip(by_part).enumerate() {
                let color = PALETTE[k % PALETTE.len()];
                let series = chart.draw_series(drawn).map_err(chart_err)?;
                if legend {
                    series
                        .label(part.label)
                        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
                }
            }
            if legend {
                draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
            }
        }
        root.present().map_err(chart_err)?;
    }
    Ok(svg)
}

fn query(conn: &duckdb::Connection, sql: &str) -> Result<TextTable> {
    render::query(conn, sql)
}

fn column(t: &TextTable, i: usize) -> Vec<String> {
    t.rows.iter().map(|r| r[i].clone().unwrap_or_default()).collect()
}

fn numbers(t: &TextTable, i: usize) -> Vec<f64> {
    t.rows.iter().map(|r| r[i].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0.0)).collect()
}

fn growth(conn: &duckdb::Connection) -> Result<Figure> {
    let t = query(
        conn,
        "select series, start_year, start_value / 1e8 as start_yi, end_year, end_value / 1e8 as end_yi, end_qualifier, \
         stated_cagr, implied_cagr, status, start_raw, end_raw, stated_cagr_raw \
         from marts.market_growth where start_value is not null",
    )?;
    let row = t.rows.first().ok_or_else(|| Error::Usage("marts.market_growth has no series with endpoints".into()))?;
    let num = |i: usize| row[i].as_deref().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let text = |i: usize| row[i].clone().unwrap_or_default();
    let (y0, v0, y1, v1, stated, implied) = (num(1), num(2), num(3), num(4), num(6), num(7));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let top = (v0 * (1.0 + stated).powf(y1 - y0)).max(v1) * 1.15;
        let mut chart = ChartBuilder::on(&root)
            .caption("中国大语言模型市场规模 China LLM market (亿元, 100M CNY)", ("sans-serif", 22))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(y0 - 0.3..y1 + 0.3, 0f64..top)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_labels((y1 - y0) as usize + 1)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc("亿元")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(chart_err)?;
        let path = |rate: f64| (0..=((y1 - y0) as i32)).map(move |k| (y0 + k as f64, v0 * (1.0 + rate).powi(k)));
        // Only the endpoints are stated: the years between are interpolated, drawn dashed.
        let (red, blue) = (PALETTE[3], PALETTE[0]);
        chart
            .draw_series(DashedLineSeries::new(path(stated), 10, 6, red.stroke_width(3)))
            .map_err(chart_err)?
            .label(format!("stated CAGR 复合增长率 {:.1}% (years between interpolated)", stated * 100.0))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 8, y)], red.stroke_width(3)));
        chart
            .draw_series(DashedLineSeries::new(path(implied), 4, 4, blue.stroke_width(3)))
            .map_err(chart_err)?
            .label(format!("implied by endpoints 端点推算 {:.1}% (interpolated)", implied * 100.0))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 4, y)], blue.stroke_width(3)));
        chart
            .draw_series([(y0, v0), (y1, v1)].map(|(x, y)| Circle::new((x, y), 6, BLACK.filled())))
            .map_err(chart_err)?
            .label(format!("stated 报告数值 ({y1}: {})", text(10)))
            .legend(|(x, y)| Circle::new((x + 10, y), 5, BLACK.filled()));
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Figure {
        title: "Market growth, stated vs implied 市场规模：报告增速与推算增速".into(),
        svg,
        source: "“百模大战”必有一战的因素分析 - 产业角度 / 亿欧智库：市场火热引发众多玩家入局".into(),
        // Every figure the note quotes is read from the mart, never typed here.
        note: format!(
            "The report states {} ({y0}), {} ({y1}) and a {} CAGR; the endpoints imply {:.1}%. Status: {}.",
            text(9),
            text(10),
            text(11),
            implied * 100.0,
            text(8)
        ),
        table: t,
    })
}

fn runs(conn: &duckdb::Connection) -> Result<Figure> {
    let t = query(
        conn,
        "select model, gpus, gpu, duration_raw, gpu_hours_high, rental_usd_high from marts.training_run_cost \
         where gpu_hours_high is not null order by gpu_hours_high desc",
    )?;
    let svg = bars(
        "单次训练GPU小时 GPU-hours per training run (high end of the stated duration)",
        "GPU-hours",
        &column(&t, 0),
        &[Part { label: "GPU-hours", values: numbers(&t, 4) }],
        Scale::Log,
    )?;
    Ok(Figure {
        title: "GPU-hours per training run 单次训练算力消耗".into(),
        svg,
        source: "“百模大战”必有一战的因素分析 - 资源角度 / 部分大模型消耗卡的数量及训练时长".into(),
        note: "The chart plots GPU-hours (GPUs × days × 24) on a log axis, since the runs span orders of magnitude; it is not a cost. The table's rental cost is GPU-hours at the assumed USD price per GPU-hour in raw/assumptions.csv (not from the report). Runs without a stated duration are left out.".into(),
        table: t,
    })
}

fn capacity(conn: &duckdb::Connection) -> Result<Figure> {
    // Each company's listed capacity split by what the report says of it: built (or a first
    // phase in operation), planned, or a figure whose status the report does not give.
    let t = query(
        conn,
        "with listed as (select company, basis, listed_pflops from marts.compute_capacity where listed_pflops is not null), \
         total as (select sum(listed_pflops) as pflops from listed) \
         select company, \
                sum(listed_pflops) filter (where basis in ('built', 'first_phase')) / any_value(total.pflops) as built_share, \
                sum(listed_pflops) filter (where basis = 'planned') / any_value(total.pflops) as planned_share, \
                sum(listed_pflops) filter (where basis is null or basis not in ('built', 'first_phase', 'planned')) / any_value(total.pflops) as unknown_share, \
                sum(listed_pflops) as pflops \
         from listed, total group by company order by pflops desc",
    )?;
    let svg = bars(
        "各厂商算力占比 Share of listed compute capacity, by status",
        "share of listed PFLOPS",
        &column(&t, 0),
        &[
            Part { label: "built 已建成", values: numbers(&t, 1) },
            Part { label: "planned 规划", values: numbers(&t, 2) },
            Part { label: "status not given 状态未知", values: numbers(&t, 3) },
        ],
        Scale::Percent,
    )?;
    Ok(Figure {
        title: "Each company's share of listed compute capacity 厂商算力中心规模占比".into(),
        svg,
        source: "亿欧智库：通用大模型“基建力”评估结果 / 大模型厂商算力中心建设情况".into(),
        note: "Each bar is a company's share of all listed PFLOPS, split into built (or a first phase in operation), planned, and figures whose status the report does not give (the inclusion rule is in pipelines/models/marts/compute_capacity.sql).".into(),
        table: t,
    })
}

fn rankings(conn: &duckdb::Connection) -> Result<Figure> {
    let t = query(
        conn,
        "select model, edition, rank, score, tied from marts.benchmark_rankings where benchmark = 'Xinhua' order by model, edition",
    )?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("新华社大模型体验报告排名 Xinhua ranks across editions", ("sans-serif", 22))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .right_y_label_area_size(10)
            .build_cartesian_2d(0.7f64..3.9, -9.5f64..-0.5)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_labels(3)
            .x_label_formatter(&|x| format!("{x:.1}"))
            .y_labels(9)
            .y_label_formatter(&|y| format!("{:.0}", -y))
            .y_desc("rank 排名")
            .x_desc("edition 版本")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(chart_err)?;
        let models: std::collections::BTreeSet<String> = column(&t, 0).into_iter().collect();
        for (k, model) in models.iter().enumerate() {
            // Seven colours; past them the lines are drawn dashed, so no two models look alike.
            let color = PALETTE[k % PALETTE.len()].to_rgba();
            let dashed = k >= PALETTE.len();
            let points: Vec<(f64, f64)> = t
                .rows
                .iter()
                .filter(|r| r[0].as_deref() == Some(model))
                .filter_map(|r| Some((r[1].as_deref()?.parse::<f64>().ok()?, -r[2].as_deref()?.parse::<f64>().ok()?)))
                .collect();
            if dashed {
                chart
                    .draw_series(DashedLineSeries::new(points.clone(), 6, 4, color.stroke_width(2)))
                    .map_err(chart_err)?;
            } else {
                chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(2))).map_err(chart_err)?;
            }
            chart.draw_series(points.iter().map(|p| Circle::new(*p, 4, color.filled()))).map_err(chart_err)?;
            if let Some(last) = points.last() {
                chart
                    .draw_series([Text::new(model.clone(), (last.0 + 0.05, last.1), ("sans-serif", 13).into_font())])
                    .map_err(chart_err)?;
            }
        }
        root.present().map_err(chart_err)?;
    }
    Ok(Figure {
        title: "Benchmark rankings across editions 大模型评测排名变化".into(),
        svg,
        source: "新华社研究院中国企业发展研究中心 / 人工智能大模型体验报告1.0-3.0".into(),
        note: "Ranks as the report gives them: ties share a rank (2.0: 商量 and ChatGLM both 3rd), and ranks of models it does not list stay gaps.".into(),
        table: t,
    })
}

fn video(conn: &duckdb::Connection) -> Result<Figure> {
    let t = query(
        conn,
        "select product, company, resolution, pixels_per_frame, pixels_vs_sora, clip_length_raw from marts.video_generation order by pixels_vs_sora desc, product",
    )?;
    let svg = bars(
        "视频生成产品 vs Sora: pixels per frame relative to Sora",
        "share of Sora's pixels",
        &column(&t, 0),
        &[Part { label: "pixels per frame vs Sora", values: numbers(&t, 4) }],
        Scale::Percent,
    )?;
    Ok(Figure {
        title: "Video products against Sora 国内视频生成产品与Sora对比".into(),
        svg,
        source: "多模态生成将在短中期内落地 / 国内部分AI视频生成产品 vs Sora".into(),
        note: "Pixels per frame from the stated resolution (Sora: the first size of its stated span, 1920x1080)."
            .into(),
        table: t,
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The marts the charts read.
const CHARTED: &[&str] = &[
    "marts.market_growth",
    "marts.training_run_cost",
    "marts.compute_capacity",
    "marts.benchmark_rankings",
    "marts.video_generation",
];

pub fn run(root: &Path) -> Result<()> {
    let font = register_font()?;
    tracing::info!("chart font: {font}");
    let conn = open_read_only(root)?;
    let missing = crate::warehouse::missing_tables(&conn, CHARTED)?;
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "baimo report charts the report's marts, and this warehouse has no {} (a project of other sources, such as `baimo gen` makes, has no report to chart)",
            missing.join(", ")
        )));
    }
    let figures = vec![growth(&conn)?, runs(&conn)?, capacity(&conn)?, rankings(&conn)?, video(&conn)?];
    // The run that made the warehouse: the last one its own history holds.
    let run = query(
        &conn,
        "select id, strftime(finished_at, '%Y-%m-%d %H:%M:%S %Z'), fingerprint from meta.runs \
         where status = 'success' order by finished_at desc limit 1",
    )?;
    let run_line = match run.rows.first() {
        Some(r) => format!(
            "<p class=\"run\">From the warehouse built by run <code>{}</code> at {} (inputs fingerprint <code>{}</code>).</p>\n",
            esc(r[0].as_deref().unwrap_or("?")),
            esc(r[1].as_deref().unwrap_or("?")),
            esc(r[2].as_deref().unwrap_or("?"))
        ),
        None => "<p class=\"run\">The warehouse records no run.</p>\n".into(),
    };
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>baimo report 百模大战</title>\n<style>\n\
         body{font-family:'Droid Sans Fallback','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}\n\
         figure{margin:2.5rem 0;border-top:1px solid #ddd;padding-top:1rem}figcaption{font-size:.9rem;color:#444}\n\
         table{border-collapse:collapse;font-size:.85rem;margin-top:.5rem}td,th{border:1px solid #ccc;padding:.2rem .4rem}\n\
         svg{max-width:100%;height:auto}\n</style></head><body>\n\
         <h1>百模大战 — key figures 关键指标</h1>\n<p>Charts of the warehouse's marts. Each cites the report section its figures come from.</p>\n",
    );
    html.push_str(&run_line);
    for (i, f) in figures.iter().enumerate() {
        let _ = write!(
            html,
            "<figure id=\"fig{}\">\n<h2>{}</h2>\n{}\n<figcaption>Source 来源: {}. {}</figcaption>\n<table><tr>",
            i + 1,
            esc(&f.title),
            f.svg,
            esc(&f.source),
            esc(&f.note)
        );
        for h in &f.table.headers {
            let _ = write!(html, "<th>{}</th>", esc(h));
        }
        html.push_str("</tr>");
        for r in &f.table.rows {
            html.push_str("<tr>");
            for v in r {
                let _ = write!(html, "<td>{}</td>", esc(v.as_deref().unwrap_or("")));
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>\n</figure>\n");
    }
    html.push_str("</body></html>\n");
    let dir = Paths::new(root).dir.join("report");
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    let path = dir.join("index.html");
    std::fs::write(&path, html).map_err(Error::io(&path))?;
    crate::say::info(format!("wrote {} ({} charts)", path.display(), figures.len()));
    Ok(())
}
