//! Report-shaped values: the text a person typed from the report, turned into typed values.
//!
//! Pure functions, no I/O. Every parse either returns a typed value or a [`ValueError`] naming the
//! rule that failed; nothing is guessed silently and nothing panics (see the tests at the bottom).
//!
//! | text                               | parsed                                         |
//! |------------------------------------|------------------------------------------------|
//! | `132.3亿元`, `15万元/张`            | money (CNY/USD) with a magnitude, per-unit      |
//! | `50.6%`, `5%-8%`                   | fractions; ranges give low and high            |
//! | `500P`, `4EFLOPS`                  | compute in PFLOPS                              |
//! | `21天`, `2个月`, `90-100天`         | days (a month is `days_per_month`, default 30) |
//! | `超过300个`, `近万张`, `数千张`      | bounds: a qualifier plus a value               |
//! | `六次`, `二十`, `两万`, `千亿级`     | Chinese numerals; `级` an order of magnitude   |
//! | `2023.8`, `2023年8月`               | dates at the precision given ([`date`])        |
//! | `-`, `—`, empty                    | missing ([`is_missing`]), never zero           |

mod date;
mod text;

pub use date::{parse_date, DatePrecision, ParsedDate};
pub use text::normalise;

use std::borrow::Cow;
use std::fmt;
use std::io::Write as _;

/// A parse failure: the rule that was broken and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub rule: &'static str,
    pub message: String,
}

impl ValueError {
    pub fn new(rule: &'static str, message: impl Into<String>) -> Self {
        ValueError { rule, message: message.into() }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.rule)
    }
}

/// How a stated figure relates to the true value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// The figure as stated (also a range `90-100天`).
    Exact,
    /// 超过, 突破, 逾, 多: more than.
    Gt,
    /// 以上, 至少, 不少于: at least.
    Ge,
    /// 不足, 不到, 少于: less than.
    Lt,
    /// 不超过, 以内, 以下: at most.
    Le,
    /// 近, 约, 左右: about.
    Approx,
    /// 数千, 数万: the order of magnitude only.
    Order,
}

impl Qualifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::Exact => "=",
            Qualifier::Gt => ">",
            Qualifier::Ge => ">=",
            Qualifier::Lt => "<",
            Qualifier::Le => "<=",
            Qualifier::Approx => "~",
            Qualifier::Order => "order",
        }
    }
}

/// The canonical unit a value was normalised to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A bare number.
    Number,
    Cny,
    Usd,
    /// Percentages, stored as fractions (50.6% → 0.506).
    Fraction,
    Pflops,
    Days,
    Seconds,
    /// A counted thing: 张, 个, 家, 件 … (the classifier is kept in `unit_text`).
    Count,
    Tokens,
    /// 倍: a multiple.
    Times,
    /// 分: a score.
    Points,
}

impl Unit {
    pub fn as_str(&self) -> &'static str {
        match self {
            Unit::Number => "number",
            Unit::Cny => "CNY",
            Unit::Usd => "USD",
            Unit::Fraction => "fraction",
            Unit::Pflops => "PFLOPS",
            Unit::Days => "days",
            Unit::Seconds => "seconds",
            Unit::Count => "count",
            Unit::Tokens => "tokens",
            Unit::Times => "times",
            Unit::Points => "points",
        }
    }

    pub fn is_money(&self) -> bool {
        matches!(self, Unit::Cny | Unit::Usd)
    }
}

/// A parsed figure. `low`/`high` are in the canonical `unit`; which of them is set follows the
/// qualifier: both for an exact value or range, `~` and `order`; only `low` for `>`/`>=`; only
/// `high` for `<`/`<=`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub qualifier: Qualifier,
    pub unit: Unit,
    /// The unit as written, after normalisation (`张`, `亿元`, `EFLOPS`), empty for a bare number.
    pub unit_text: &'static str,
    /// The denominator after `/` (`张` in `15万元/张`).
    pub per: Option<String>,
    /// Whether the text was a range (`90-100天`).
    pub is_range: bool,
}

impl Quantity {
    /// The single stated value, when the text was one exact figure.
    pub fn point(&self) -> Option<f64> {
        match (self.qualifier, self.is_range, self.low, self.high) {
            (Qualifier::Exact, false, Some(l), Some(h)) if l == h => Some(l),
            _ => None,
        }
    }
}

/// Options that change how a value is read.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Days in a month for `个月`: an explicit assumption, stated in every contract that uses it.
    pub days_per_month: f64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { days_per_month: 30.0 }
    }
}

/// Whether a cell is "missing": empty, or a dash the report uses for "no figure".
pub fn is_missing(text: &str) -> bool {
    is_missing_normalised(&normalise(text))
}

fn is_missing_normalised(t: &str) -> bool {
    matches!(t, "" | "-" | "--" | "—" | "——" | "–" | "N/A" | "n/a" | "NA" | "/")
}

const PREFIXES: &[(&str, Qualifier)] = &[
    ("不超过", Qualifier::Le),
    ("不少于", Qualifier::Ge),
    ("不低于", Qualifier::Ge),
    ("超过", Qualifier::Gt),
    ("突破", Qualifier::Gt),
    ("大于", Qualifier::Gt),
    ("高于", Qualifier::Gt),
    ("多于", Qualifier::Gt),
    ("至少", Qualifier::Ge),
    ("将近", Qualifier::Approx),
    ("接近", Qualifier::Approx),
    ("大约", Qualifier::Approx),
    ("不足", Qualifier::Lt),
    ("不到", Qualifier::Lt),
    ("少于", Qualifier::Lt),
    ("低于", Qualifier::Lt),
    ("至多", Qualifier::Le),
    ("超", Qualifier::Gt),
    ("逾", Qualifier::Gt),
    ("近", Qualifier::Approx),
    ("约", Qualifier::Approx),
    ("数", Qualifier::Order),
    ("上", Qualifier::Ge),
];

const SUFFIXES: &[(&str, Qualifier)] = &[
    ("以上", Qualifier::Ge),
    ("以下", Qualifier::Le),
    ("以内", Qualifier::Le),
    ("左右", Qualifier::Approx),
    ("多", Qualifier::Gt),
    ("余", Qualifier::Gt),
    // `7,500+个`: more than.
    ("+", Qualifier::Gt),
    // `千亿级`: of the order of a hundred billion.
    ("级", Qualifier::Order),
];

/// Units, longest first so that `EFLOPS` wins over `E` and `个月` over `个`.
/// (text, canonical unit, power of ten to the canonical unit, then a multiplier: 7 for a week,
/// 365 for a year; `f64::NAN` marks a month, whose length is an option.) Powers of ten are
/// applied in decimal, so `132.3亿` is exactly 13230000000 and `50.6%` exactly 0.506.
const UNITS: &[(&str, Unit, i32, f64)] = &[
    ("人民币", Unit::Cny, 0, 1.0),
    ("EFLOPS", Unit::Pflops, 3, 1.0),
    ("PFLOPS", Unit::Pflops, 0, 1.0),
    ("TFLOPS", Unit::Pflops, -3, 1.0),
    ("tokens", Unit::Tokens, 0, 1.0),
    ("个月", Unit::Days, 0, f64::NAN),
    ("美元", Unit::Usd, 0, 1.0),
    ("元", Unit::Cny, 0, 1.0),
    ("%", Unit::Fraction, -2, 1.0),
    ("E", Unit::Pflops, 3, 1.0),
    ("P", Unit::Pflops, 0, 1.0),
    ("天", Unit::Days, 0, 1.0),
    ("日", Unit::Days, 0, 1.0),
    ("周", Unit::Days, 0, 7.0),
    ("月", Unit::Days, 0, f64::NAN),
    ("年", Unit::Days, 0, 365.0),
    ("秒", Unit::Seconds, 0, 1.0),
    ("s", Unit::Seconds, 0, 1.0),
    ("倍", Unit::Times, 0, 1.0),
    ("分", Unit::Points, 0, 1.0),
    ("张", Unit::Count, 0, 1.0),
    ("个", Unit::Count, 0, 1.0),
    ("家", Unit::Count, 0, 1.0),
    ("件", Unit::Count, 0, 1.0),
    ("台", Unit::Count, 0, 1.0),
    ("人", Unit::Count, 0, 1.0),
    ("次", Unit::Count, 0, 1.0),
    ("篇", Unit::Count, 0, 1.0),
    ("项", Unit::Count, 0, 1.0),
    ("款", Unit::Count, 0, 1.0),
    ("位", Unit::Count, 0, 1.0),
    ("名", Unit::Count, 0, 1.0),
    ("架", Unit::Count, 0, 1.0),
    ("条", Unit::Count, 0, 1.0),
    ("份", Unit::Count, 0, 1.0),
    ("层", Unit::Count, 0, 1.0),
    ("种", Unit::Count, 0, 1.0),
    ("类", Unit::Count, 0, 1.0),
    ("轮", Unit::Count, 0, 1.0),
    ("批", Unit::Count, 0, 1.0),
    ("座", Unit::Count, 0, 1.0),
    ("所", Unit::Count, 0, 1.0),
    ("套", Unit::Count, 0, 1.0),
    ("届", Unit::Count, 0, 1.0),
    ("组", Unit::Count, 0, 1.0),
    ("对", Unit::Count, 0, 1.0),
];

/// Chinese magnitudes, in increasing order.
const MAGNITUDES: &[(char, i32)] = &[('十', 1), ('百', 2), ('千', 3), ('万', 4), ('亿', 8)];

/// A cursor over normalised text.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn eat(&mut self, prefix: &str) -> bool {
        match self.rest.strip_prefix(prefix) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    /// Whether the rest starts with `t`. Most table entries are hanzi, whose first byte many
    /// share: the first two bytes are compared before the rest (the tables are read for every
    /// cell).
    fn starts_with(&self, t: &str) -> bool {
        let (rest, t) = (self.rest.as_bytes(), t.as_bytes());
        match t {
            [a, b, ..] => rest.len() >= t.len() && rest[0] == *a && rest[1] == *b && rest.starts_with(t),
            _ => rest.starts_with(t),
        }
    }

    fn eat_table<T: Copy>(&mut self, table: &'static [(&'static str, T)]) -> Option<(&'static str, T)> {
        // Every qualifier is written in hanzi: a digit or ASCII letter cannot start one.
        let first = *self.rest.as_bytes().first()?;
        if first.is_ascii_alphanumeric() {
            return None;
        }
        let found = table.iter().find(|(t, _)| self.starts_with(t)).copied();
        if let Some((t, _)) = found {
            self.rest = &self.rest[t.len()..];
        }
        found
    }

    fn eat_unit(&mut self) -> Option<(&'static str, Unit, i32, f64)> {
        let found = UNITS.iter().find(|(t, _, _, _)| self.starts_with(t)).copied();
        if let Some((t, _, _, _)) = found {
            self.rest = &self.rest[t.len()..];
        }
        found
    }
}

/// A decimal number as written, scaled by a power of ten without rounding until [`Num::value`].
#[derive(Debug, Clone)]
struct Num<'a> {
    /// Digits, sign and point, separators removed (`-132.3`); borrowed from the cell when it has
    /// no separators.
    text: Cow<'a, str>,
    /// The number itself (`text` parsed once).
    plain: f64,
}

impl Num<'_> {
    fn one() -> Num<'static> {
        Num { text: Cow::Borrowed("1"), plain: 1.0 }
    }

    /// The value × 10^exp, rounded once (Rust's float parsing is correctly rounded).
    fn value(&self, exp: i32) -> f64 {
        if exp == 0 {
            return self.plain;
        }
        // `{text}e{exp}` in a stack buffer: a cell is parsed without allocating.
        let mut buf = [0u8; 64];
        let mut w = &mut buf[..];
        if write!(w, "{}e{exp}", self.text).is_err() {
            return format!("{}e{exp}", self.text).parse().unwrap_or(f64::NAN);
        }
        let len = 64 - w.len();
        std::str::from_utf8(&buf[..len]).ok().and_then(|t| t.parse().ok()).unwrap_or(f64::NAN)
    }
}

/// Reads a decimal number: digits, at most one point, thousands separators only in groups of 3.
fn number<'a>(c: &mut Cursor<'a>) -> Result<Option<Num<'a>>, ValueError> {
    let bytes = c.rest.as_bytes();
    let mut end = 0;
    let negative = bytes.first() == Some(&b'-') && bytes.get(1).is_some_and(u8::is_ascii_digit);
    if negative {
        end = 1;
    }
    let start_digits = end;
    // Points and commas are counted on the way: most figures have no comma, and then none of
    // the separator rules need reading.
    let (mut points, mut commas) = (0usize, 0usize);
    while let Some(&b) = bytes.get(end) {
        match b {
            b'0'..=b'9' => {}
            b'.' => points += 1,
            b',' => commas += 1,
            _ => break,
        }
        end += 1;
    }
    if end == start_digits {
        return Ok(None);
    }
    let rest: &'a str = c.rest;
    let token = &rest[..end];
    let digits = &token[start_digits..];
    if points > 1 || digits.starts_with('.') || digits.ends_with('.') {
        return Err(ValueError::new("number", format!("`{token}` is not a well-formed number")));
    }
    if commas > 0 {
        separators(token, digits)?;
    }
    let clean: Cow<'a, str> =
        if commas == 0 { Cow::Borrowed(token) } else { Cow::Owned(token.chars().filter(|&ch| ch != ',').collect()) };
    let Ok(plain) = clean.parse::<f64>() else {
        return Err(ValueError::new("number", format!("`{token}` is not a number")));
    };
    c.rest = &c.rest[end..];
    Ok(Some(Num { text: clean, plain }))
}

/// The rules a number's commas follow: thousands separators, before the point, not at either end.
fn separators(token: &str, digits: &str) -> Result<(), ValueError> {
    if digits.starts_with(',') || digits.ends_with(',') {
        return Err(ValueError::new("number", format!("`{token}` has a stray comma")));
    }
    let int_part = digits.split('.').next().unwrap_or("");
    if int_part.contains(',') {
        let groups: Vec<&str> = int_part.split(',').collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !first_ok || !rest_ok {
            return Err(ValueError::new("number", format!("`{token}` has commas that are not thousands separators")));
        }
    }
    if digits.split('.').nth(1).is_some_and(|f| f.contains(',')) {
        return Err(ValueError::new("number", format!("`{token}` has a comma after the decimal point")));
    }
    Ok(())
}

/// Chinese digits and their values (`两` is the counting form of two).
const CHINESE_DIGITS: &[(char, u64)] = &[
    ('零', 0),
    ('一', 1),
    ('二', 2),
    ('两', 2),
    ('三', 3),
    ('四', 4),
    ('五', 5),
    ('六', 6),
    ('七', 7),
    ('八', 8),
    ('九', 9),
];

/// Reads a number written in Chinese numerals below ten thousand (`六`, `十`, `二十`, `三百零五`,
/// `两千`); larger ones continue with a magnitude (`两万` is 2 then `万`). A run must start with a
/// digit or `十`, so `千亿` and `万` alone stay magnitudes. Each place may appear once, from the
/// thousands down (`二十三十` is an error), and a digit takes at most one place after it.
fn chinese_number(c: &mut Cursor<'_>) -> Result<Option<Num<'static>>, ValueError> {
    let digit = |ch: char| CHINESE_DIGITS.iter().find(|(d, _)| *d == ch).map(|&(_, v)| v);
    let place = |ch: char| match ch {
        '十' => Some(10u64),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    };
    match c.peek() {
        Some(ch) if digit(ch).is_some() || ch == '十' => {}
        _ => return Ok(None),
    }
    let start = c.rest;
    let (mut total, mut pending, mut last_place, mut len) = (0u64, None::<u64>, u64::MAX, 0);
    // Whether the last character was 零.
    let mut after_zero = false;
    for ch in start.chars() {
        if ch == '零' && pending.is_none() && last_place != u64::MAX {
            // `三百零五`: 零 holds an empty place, once.
            if after_zero {
                return Err(ValueError::new("number", format!("`{}`: 零 twice", &start[..len + ch.len_utf8()])));
            }
            after_zero = true;
            len += ch.len_utf8();
            continue;
        } else if let Some(d) = digit(ch) {
            if pending.is_some() {
                return Err(ValueError::new(
                    "number",
                    format!("`{}`: two Chinese digits in a row", &start[..len + ch.len_utf8()]),
                ));
            }
            pending = Some(d);
        } else if let Some(p) = place(ch) {
            if p >= last_place {
                return Err(ValueError::new(
                    "number",
                    format!("`{}` is not a well-formed Chinese numeral", &start[..len + ch.len_utf8()]),
                ));
            }
            if after_zero {
                // `三百零五十`: 零 stands only before the last digit.
                return Err(ValueError::new(
                    "number",
                    format!("`{}` is not a well-formed Chinese numeral", &start[..len + ch.len_utf8()]),
                ));
            }
            // `十五`: a leading 十 is one ten.
            total += pending.take().unwrap_or(1) * p;
            last_place = p;
            after_zero = false;
            len += ch.len_utf8();
            continue;
        } else {
            break;
        }
        len += ch.len_utf8();
    }
    // `三百五` is 350 and `一千二` 1200: a digit right after 百 or 千 (no 零 between) takes the
    // next lower place, as people read it; after 零 or 十 it is units.
    let trailing = pending.unwrap_or(0);
    let last_was_place_digit = pending.is_some() && !after_zero && last_place >= 100 && last_place != u64::MAX;
    total += if last_was_place_digit { trailing * (last_place / 10) } else { trailing };
    c.rest = &start[len..];
    Ok(Some(Num { text: Cow::Owned(total.to_string()), plain: total as f64 }))
}

/// A number in digits or, failing that, in Chinese numerals (not after `数`, which takes a
/// magnitude: `数十个`).
fn any_number<'a>(c: &mut Cursor<'a>, order: bool) -> Result<Option<Num<'a>>, ValueError> {
    match number(c)? {
        Some(n) => Ok(Some(n)),
        None if order => Ok(None),
        None => chinese_number(c),
    }
}

/// Reads a run of magnitude characters (`万`, `亿`, `万亿`, `千万`); each may appear once and
/// they must grow left to right, so `亿亿` and `万千` are errors.
fn magnitude(c: &mut Cursor<'_>) -> Result<Option<i32>, ValueError> {
    let mut exp = 0;
    let mut last = 0;
    let mut seen = String::new();
    // `300k`: the Latin thousands, written once right after the number.
    if let Some(rest) = c.rest.strip_prefix(['k', 'K']) {
        if !rest.starts_with(|ch: char| ch.is_ascii_alphabetic()) {
            c.rest = rest;
            return Ok(Some(3));
        }
    }
    while let Some(ch) = c.peek() {
        let Some(&(_, f)) = MAGNITUDES.iter().find(|(m, _)| *m == ch) else { break };
        // `十` right before a non-magnitude is still a magnitude (`数十个`); fine.
        if f <= last {
            seen.push(ch);
            return Err(ValueError::new("magnitude", format!("`{seen}` is not a valid magnitude")));
        }
        seen.push(ch);
        last = f;
        exp += f;
        c.rest = &c.rest[ch.len_utf8()..];
    }
    Ok(if seen.is_empty() { None } else { Some(exp) })
}

/// Parses any report-shaped figure: qualifier, number(s), magnitude, unit, denominator.
pub fn parse_quantity(text: &str, opts: ParseOptions) -> Result<Option<Quantity>, ValueError> {
    let norm = normalise(text);
    if is_missing_normalised(&norm) {
        return Ok(None);
    }
    let mut c = Cursor { rest: norm.as_ref() };

    let mut qualifier = c.eat_table(PREFIXES).map(|(_, q)| q).unwrap_or(Qualifier::Exact);
    let order = qualifier == Qualifier::Order;

    // `千亿级`, `十万级`: a magnitude alone, of that order (十 there is the magnitude, not ten).
    let order_suffix = c.rest.ends_with('级');
    let first = any_number(&mut c, order || order_suffix)?;
    let first_mag = magnitude(&mut c)?;
    let first = match (first, first_mag) {
        (Some(v), _) if order => {
            return Err(ValueError::new(
                "qualifier",
                format!("`数` takes a magnitude, not a number (found `{}`)", v.text),
            ))
        }
        (Some(v), _) if order_suffix => {
            return Err(ValueError::new(
                "qualifier",
                format!("`{text}`: `级` follows a magnitude (千亿级), not a number (found `{}`)", v.text),
            ))
        }
        (Some(v), _) => v,
        // 近万张, 数千张, 千亿级: the magnitude alone stands for one of it.
        (None, Some(_)) if qualifier != Qualifier::Exact || order_suffix => Num::one(),
        (None, _) if qualifier != Qualifier::Exact => {
            return Err(ValueError::new("number", format!("`{text}` has a qualifier but no number")))
        }
        (None, _) => return Err(ValueError::new("number", format!("`{text}` does not start with a number"))),
    };
    if order && first_mag.is_none() {
        return Err(ValueError::new("magnitude", format!("`{text}`: `数` needs a magnitude such as 千 or 万")));
    }

    // `300多个`: the qualifier can stand between the number and the unit.
    if let Some((_, q)) = c.eat_table(&SUFFIXES[4..]) {
        qualifier = merge_qualifier(qualifier, q, text)?;
    }

    let mut unit1 = c.eat_unit();
    let mut second = None;
    if c.eat("-") || c.eat("~") || c.eat("至") || c.eat("到") {
        let Some(v) = any_number(&mut c, order)? else {
            return Err(ValueError::new("range", format!("`{text}` has a range without an upper value")));
        };
        let mag2 = magnitude(&mut c)?;
        second = Some((v, mag2));
    }
    // Each end: its number and the power of ten its magnitude gives.
    let mut low = (first.clone(), first_mag.unwrap_or(0));
    let mut high = low.clone();
    if let Some((v, mag2)) = &second {
        let unit2 = c.eat_unit();
        match (unit1, unit2) {
            (Some((a, _, _, _)), Some((b, _, _, _))) if a != b => {
                return Err(ValueError::new("unit", format!("`{text}` mixes units `{a}` and `{b}` in one range")))
            }
            (None, Some(u)) => unit1 = Some(u),
            _ => {}
        }
        // `1.5-2万`: a magnitude written once applies to both ends.
        if first_mag.is_none() {
            low.1 = mag2.unwrap_or(0);
        }
        high = (v.clone(), mag2.or(first_mag).unwrap_or(0));
        if high.0.value(high.1) < low.0.value(low.1) {
            return Err(ValueError::new("range_order", format!("`{text}`: the range ends before it starts")));
        }
    }

    if let Some((_, q)) = c.eat_table(&SUFFIXES[..4]).or_else(|| c.eat_table(&SUFFIXES[4..])) {
        qualifier = merge_qualifier(qualifier, q, text)?;
    }

    let per = if c.eat("/") {
        let per: String = c.rest.to_string();
        c.rest = "";
        if per.is_empty() {
            return Err(ValueError::new("unit", format!("`{text}` ends with `/` and no denominator")));
        }
        Some(per)
    } else {
        None
    };

    if let Some((_, q)) = c.eat_table(SUFFIXES) {
        qualifier = merge_qualifier(qualifier, q, text)?;
    }
    if !c.rest.is_empty() {
        return Err(ValueError::new("unit", format!("`{text}`: unknown unit or trailing text `{}`", c.rest)));
    }

    let (unit, exp, mult, unit_text) = match unit1 {
        Some((t, u, e, m)) => (u, e, if m.is_nan() { opts.days_per_month } else { m }, t),
        None => (Unit::Number, 0, 1.0, ""),
    };
    let (low, high) = (low.0.value(low.1 + exp) * mult, high.0.value(high.1 + exp) * mult);
    if !low.is_finite() || !high.is_finite() {
        return Err(ValueError::new(
            "out_of_range",
            format!("`{}` is too large to store as a number", crate::error::clip(text, 40)),
        ));
    }
    let (low, high) = match qualifier {
        Qualifier::Gt | Qualifier::Ge => (Some(low), None),
        Qualifier::Lt | Qualifier::Le => (None, Some(high)),
        _ => (Some(low), Some(high)),
    };
    Ok(Some(Quantity { low, high, qualifier, unit, unit_text, per, is_range: second.is_some() }))
}

fn merge_qualifier(current: Qualifier, new: Qualifier, text: &str) -> Result<Qualifier, ValueError> {
    match current {
        Qualifier::Exact => Ok(new),
        q if q == new => Ok(q),
        _ => Err(ValueError::new("qualifier", format!("`{text}` has two qualifiers that disagree"))),
    }
}

/// A float as a person reads it, and as a spreadsheet shows it: whole numbers without a point,
/// others to 15 significant digits (what a double holds, and what Excel displays), never in
/// exponent notation and never to a fixed number of decimals: `1e-13` is `0.0000000000001`,
/// `123456789.123456` keeps every digit, and float noise such as `0.30000000000000004` reads
/// `0.3`.
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let magnitude = if v == 0.0 { 0 } else { v.abs().log10().floor() as i32 };
    let decimals = (14 - magnitude).clamp(0, 340) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A plain decimal (`-1333.5`, as [`format_number`] writes them) times 10^`places`, computed on
/// the digits, so `133300000000` in 亿 is exactly `1333` and `0.506` as percent exactly `50.6`
/// (no binary rounding: 0.506 × 100 is 50.599999999999994 in f64). None for other text.
pub fn shift_decimal(text: &str, places: i32) -> Option<String> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All the digits, and where the point sits among them after the shift.
    let all: String = [int, frac].concat();
    let point = int.len() as i64 + places as i64;
    let (mut int, mut frac) = if point <= 0 {
        ("0".to_string(), format!("{}{all}", "0".repeat(point.unsigned_abs() as usize)))
    } else if point as usize >= all.len() {
        (format!("{all}{}", "0".repeat(point as usize - all.len())), String::new())
    } else {
        (all[..point as usize].to_string(), all[point as usize..].to_string())
    };
    let trimmed = int.trim_start_matches('0');
    int = if trimmed.is_empty() { "0".into() } else { trimmed.into() };
    frac = frac.trim_end_matches('0').into();
    let sign = if int == "0" && frac.is_empty() { "" } else { sign };
    Some(if frac.is_empty() { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") })
}

#[cfg(test)]
mod tests;
