use super::*;

fn q(text: &str) -> Quantity {
    match parse_quantity(text, ParseOptions::default()) {
        Ok(Some(q)) => q,
        other => panic!("`{text}` should parse, got {other:?}"),
    }
}

fn err(text: &str) -> ValueError {
    match parse_quantity(text, ParseOptions::default()) {
        Err(e) => e,
        other => panic!("`{text}` should be an error, got {other:?}"),
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0))
}

#[test]
fn money_with_magnitudes_and_denominators() {
    let m = q("132.3亿元");
    assert!(close(m.point(), 132.3e8), "{m:?}");
    assert_eq!(m.unit, Unit::Cny);
    let p = q("15万元/张");
    assert!(close(p.point(), 150_000.0));
    assert_eq!(p.per.as_deref(), Some("张"));
    let t = q("0.36元/万tokens");
    assert!(close(t.point(), 0.36));
    assert_eq!(t.per.as_deref(), Some("万tokens"));
    let usd = q("超100万美元");
    assert_eq!((usd.unit, usd.qualifier), (Unit::Usd, Qualifier::Gt));
    assert!(close(usd.low, 1e6) && usd.high.is_none());
    assert_eq!(q("59.9元/月").per.as_deref(), Some("月"));
    assert!(close(q("1.5万").point(), 15_000.0));
}

#[test]
fn percents_are_fractions_and_ranges_give_low_and_high() {
    let p = q("50.6%");
    assert!(close(p.point(), 0.506));
    assert_eq!(p.unit, Unit::Fraction);
    let r = q("5%-8%");
    assert!(r.is_range && close(r.low, 0.05) && close(r.high, 0.08) && r.point().is_none());
    let spaced = q("5% - 8%");
    assert_eq!(spaced, r);
    let one_unit = q("20-30%");
    assert!(close(one_unit.low, 0.2) && close(one_unit.high, 0.3));
    let ge = q("50%以上");
    assert_eq!(ge.qualifier, Qualifier::Ge);
    assert!(close(ge.low, 0.5) && ge.high.is_none());
}

#[test]
fn compute_is_pflops() {
    assert!(close(q("500P").point(), 500.0));
    assert!(close(q("4EFLOPS").point(), 4000.0));
    assert!(close(q("12EFLOPS").point(), 12_000.0));
    assert!(close(q("3E").point(), 3000.0));
    assert!(close(q("100PFLOPS").point(), 100.0));
    assert_eq!(q("6800P").unit, Unit::Pflops);
}

#[test]
fn durations_are_days_with_an_explicit_month() {
    assert!(close(q("21天").point(), 21.0));
    assert!(close(q("2个月").point(), 60.0));
    let r = q("90-100天");
    assert!(close(r.low, 90.0) && close(r.high, 100.0));
    let m = q("3-4个月");
    assert!(close(m.low, 90.0) && close(m.high, 120.0));
    let opts = ParseOptions { days_per_month: 30.4375 };
    let exact = parse_quantity("2个月", opts).ok().flatten().and_then(|q| q.point());
    assert!(close(exact, 60.875));
    assert_eq!(q("3-7s").unit, Unit::Seconds);
}

#[test]
fn bounds_keep_their_qualifier() {
    let gt = q("超过300个");
    assert_eq!((gt.qualifier, gt.unit, gt.unit_text), (Qualifier::Gt, Unit::Count, "个"));
    assert!(close(gt.low, 300.0) && gt.high.is_none() && gt.point().is_none());
    let br = q("突破600亿元");
    assert_eq!(br.qualifier, Qualifier::Gt);
    assert!(close(br.low, 600e8));
    let near = q("近万张");
    assert_eq!(near.qualifier, Qualifier::Approx);
    assert!(close(near.low, 1e4) && close(near.high, 1e4));
    let order = q("数千张");
    assert_eq!(order.qualifier, Qualifier::Order);
    assert!(close(order.low, 1e3));
    let lt = q("不足80个");
    assert_eq!(lt.qualifier, Qualifier::Lt);
    assert!(lt.low.is_none() && close(lt.high, 80.0));
    let many = q("300多个");
    assert_eq!(many.qualifier, Qualifier::Gt);
    assert!(close(many.low, 300.0));
    let servers = q("超过5万台");
    assert!(close(servers.low, 5e4));
    assert_eq!(q("数十亿元").qualifier, Qualifier::Order);
    assert!(close(q("数十亿元").low, 1e9));
    assert_eq!(q("2800多款").qualifier, Qualifier::Gt);
}

#[test]
fn normalisation_of_digits_and_separators() {
    assert!(close(q("２０４８张").point(), 2048.0));
    assert!(close(q("2,048张").point(), 2048.0));
    assert!(close(q("1,234,567").point(), 1_234_567.0));
    assert!(close(q("1,234.5万").point(), 12_345_000.0));
    assert!(close(q("0.506").point(), 0.506));
    assert!(close(q(" 21 天 ").point(), 21.0));
    assert!(close(q("-5张").point(), -5.0), "negative numbers parse; contracts bound them");
}

#[test]
fn missing_is_never_zero() {
    for t in ["", " ", "-", "—", "–", "－", "N/A"] {
        assert_eq!(parse_quantity(t, ParseOptions::default()), Ok(None), "`{t}`");
    }
}

#[test]
fn malformed_values_are_errors_not_panics() {
    assert_eq!(err("12..5亿").rule, "number");
    assert_eq!(err("%50").rule, "number");
    assert_eq!(err("%").rule, "number");
    assert_eq!(err("1,2,3").rule, "number");
    assert_eq!(err("超过").rule, "number");
    assert_eq!(err("数").rule, "number");
    assert_eq!(err("数万亿亿").rule, "magnitude");
    assert_eq!(err("万千").rule, "magnitude");
    assert_eq!(err("万亿").rule, "number");
    assert_eq!(err("abc").rule, "number");
    assert_eq!(err("12斤").rule, "unit");
    assert_eq!(err("100-90天").rule, "range_order");
    assert_eq!(err("5%-8天").rule, "unit");
    assert_eq!(err("5-").rule, "range");
    assert_eq!(err("15万元/").rule, "unit");
    assert_eq!(err("近300多个").rule, "qualifier");
    assert_eq!(err("数300").rule, "qualifier");
    assert_eq!(err("1.2.3").rule, "number");
    assert_eq!(err(".5").rule, "number");
    assert_eq!(err("5.").rule, "number");
    assert_eq!(err("5.亿").rule, "number");
    assert_eq!(err(",5").rule, "number");
    assert_eq!(err("5,").rule, "number");
    assert_eq!(err("1.234,5").rule, "number");
    assert_eq!(err("12,34").rule, "number");
}

#[test]
fn dates_keep_their_precision() {
    let d = parse_date("2023.8").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((d.date.to_string().as_str(), d.precision), ("2023-08-01", DatePrecision::Month));
    let d = parse_date("2023年8月").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.precision, DatePrecision::Month);
    let d = parse_date("2020年6月6日").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((d.date.to_string().as_str(), d.precision), ("2020-06-06", DatePrecision::Day));
    assert_eq!(parse_date("2024年").map(|d| d.precision), Ok(DatePrecision::Year));
    assert_eq!(parse_date("2023.12").map(|d| d.date.to_string()), Ok("2023-12-01".into()));
    for bad in
        ["2023.13", "23.8", "2023年底", "八月", "2023-02-30", "", "2023..8", "2023-+8", "2023年＋8月", "2023-00008"]
    {
        assert!(parse_date(bad).is_err(), "`{bad}` should be an error");
    }
}

#[test]
fn no_input_panics() {
    // A cheap sweep over short strings of report-ish characters; the fuzz target goes further.
    let alphabet: Vec<char> = "0１.,-~%万亿千数超过近不足多以上元/张个月天PE年s—".chars().collect();
    let n = alphabet.len();
    for a in 0..n {
        for b in 0..n {
            for c in 0..n {
                let s: String = [alphabet[a], alphabet[b], alphabet[c]].iter().collect();
                let _ = parse_quantity(&s, ParseOptions::default());
                let _ = parse_date(&s);
            }
        }
    }
}

#[test]
fn chinese_numerals_are_numbers() {
    let six = q("六次");
    assert!(close(six.point(), 6.0) && six.unit == Unit::Count && six.unit_text == "次", "{six:?}");
    assert!(close(q("十家").point(), 10.0));
    assert!(close(q("二十").point(), 20.0));
    assert!(close(q("十五个").point(), 15.0));
    assert!(close(q("三百零五").point(), 305.0));
    assert!(close(q("两千").point(), 2000.0));
    assert!(close(q("两万张").point(), 20_000.0));
    assert!(close(q("一千零五").point(), 1005.0));
    // A digit right after 百 or 千 is the next place down, as people read it.
    assert!(close(q("三百五").point(), 350.0));
    assert!(close(q("一千二").point(), 1200.0));
    assert!(close(q("三百零五").point(), 305.0));
    assert_eq!(err("三百零零五").rule, "number");
    assert_eq!(err("三百零五十").rule, "number");
    assert!(close(q("五层").point(), 5.0));
    let range = q("三至五年");
    assert!(range.is_range && close(range.low, 3.0 * 365.0) && close(range.high, 5.0 * 365.0), "{range:?}");
    let over = q("超过十家");
    assert_eq!(over.qualifier, Qualifier::Gt);
    assert!(close(over.low, 10.0) && over.high.is_none());
    // After 数 a numeral is a magnitude, as before.
    let tens = q("数十个");
    assert_eq!(tens.qualifier, Qualifier::Order);
    assert!(close(tens.low, 10.0));
    // Words that are magnitudes alone keep their meaning.
    let thousand = q("上千");
    assert_eq!(thousand.qualifier, Qualifier::Ge);
    assert!(close(thousand.low, 1000.0));
    let millions = q("数百万");
    assert_eq!(millions.qualifier, Qualifier::Order);
    assert!(close(millions.low, 1e6));
    assert_eq!(err("二十三十").rule, "number");
    assert_eq!(err("六六").rule, "number");
    // 二十大 is a name (the 20th congress), not a count.
    assert_eq!(err("二十大").rule, "unit");
}

#[test]
fn ji_is_an_order_of_magnitude_after_a_magnitude_only() {
    let b = q("千亿级");
    assert_eq!(b.qualifier, Qualifier::Order);
    assert!(close(b.low, 1e11) && close(b.high, 1e11), "{b:?}");
    assert!(close(q("万亿级").low, 1e12));
    assert!(close(q("十万级").low, 1e5));
    assert!(close(q("十亿级").low, 1e9));
    assert_eq!(err("3级").rule, "qualifier");
}

/// A scale or qualifier written the Latin way is read, never dropped (issue 11 §2).
#[test]
fn latin_scale_and_plus_are_read() {
    let k = q("300k");
    assert!(close(k.point(), 300_000.0), "{k:?}");
    assert!(close(q("1.5K").point(), 1500.0));
    let plus = q("7,500+个");
    assert_eq!((plus.qualifier, plus.unit), (Qualifier::Gt, Unit::Count));
    assert!(close(plus.low, 7500.0) && plus.high.is_none(), "{plus:?}");
    let sets = q("50万组以上");
    assert_eq!(sets.qualifier, Qualifier::Ge);
    assert!(close(sets.low, 500_000.0));
    assert!(close(q("超过50亿对").low, 5e9));
    // `k` followed by letters is not the scale.
    assert!(parse_quantity("3kg", ParseOptions::default()).is_err());
}

#[test]
fn numbers_too_large_for_a_double_are_refused_not_infinite() {
    let huge = format!("1{}", "0".repeat(400));
    assert_eq!(err(&huge).rule, "out_of_range");
    assert_eq!(err(&format!("{huge}%")).rule, "out_of_range");
}

#[test]
fn shift_decimal_moves_the_point_on_the_digits() {
    assert_eq!(shift_decimal("13330000000", -8).as_deref(), Some("133.3"));
    assert_eq!(shift_decimal("0.506", 2).as_deref(), Some("50.6"));
    assert_eq!(shift_decimal("1", 2).as_deref(), Some("100"));
    assert_eq!(shift_decimal("-0.05", 2).as_deref(), Some("-5"));
    assert_eq!(shift_decimal("15000", -4).as_deref(), Some("1.5"));
    assert_eq!(shift_decimal("123", -8).as_deref(), Some("0.00000123"));
    assert_eq!(shift_decimal("0", -8).as_deref(), Some("0"));
    assert_eq!(shift_decimal("-0.000", 2).as_deref(), Some("0"));
    assert_eq!(shift_decimal("1.0413926851582251", 2).as_deref(), Some("104.13926851582251"));
    assert_eq!(shift_decimal("NaN", 2), None);
    assert_eq!(shift_decimal("1e5", 2), None);
    assert_eq!(shift_decimal(".5", 2), None);
}
