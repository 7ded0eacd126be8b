//! Text clean-up applied before any value is read.

use std::borrow::Cow;

/// Full-width ASCII (digits, letters, `％`, `．`, `，`) becomes half-width, ideographic and other
/// spaces are removed, and the dashes people type for ranges (`–`, `－`, `—` between two figures)
/// become `-`. The result is what the parsers see; the original text is kept by the caller.
pub fn normalise(text: &str) -> Cow<'_, str> {
    // A long dash between two characters is a range (`90—100天`); on its own it means "missing",
    // which `is_missing` decides on the whole text.
    let range_dash = |out: &str| out.chars().nth(2).is_some();
    // Most cells need nothing changed: then the text is borrowed, not copied. Printable ASCII
    // without spaces maps to itself (checked byte by byte, without decoding characters).
    if text.bytes().all(|b| b.is_ascii_graphic()) {
        return Cow::Borrowed(text);
    }
    if text.chars().all(|ch| map(ch) == Some(ch)) && !(text.contains('\u{2014}') && range_dash(text)) {
        return Cow::Borrowed(text);
    }
    let mut out: String = text.chars().filter_map(map).collect();
    if range_dash(&out) {
        out = out.replace('\u{2014}', "-");
    }
    Cow::Owned(out)
}

/// What `normalise` makes of one character: itself, its half-width or plain form, or nothing
/// (spaces of every kind are dropped).
fn map(ch: char) -> Option<char> {
    let ch = match ch {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch),
        '\u{3000}' => ' ',
        '\u{2013}' | '\u{2212}' | '\u{2010}' | '\u{2011}' => '-',
        '\u{3002}' => '.',
        '\u{00A0}' | '\u{200B}' | '\u{FEFF}' => ' ',
        c => c,
    };
    (!ch.is_whitespace()).then_some(ch)
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn full_width_and_spaces() {
        assert_eq!(normalise("１３２．３亿元"), "132.3亿元");
        assert_eq!(normalise(" 5% - 8% "), "5%-8%");
        assert_eq!(normalise("５０％"), "50%");
        assert_eq!(normalise("90—100天"), "90-100天");
        assert_eq!(normalise("—"), "—");
        assert_eq!(normalise("A100\u{3000}80GB"), "A10080GB");
        assert_eq!(normalise("1—2"), "1-2");
        assert_eq!(normalise("——"), "——");
        assert!(matches!(normalise("178735元/张"), std::borrow::Cow::Borrowed(_)));
        assert!(matches!(normalise("132.3e9"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(normalise("1 234"), "1234");
    }
}
