//! A SQL script split into its statements, as DuckDB's own shell splits it: at each `;` outside
//! a string (`'…'`), a quoted identifier (`"…"`), a dollar-quoted string (`$$…$$`, `$tag$…$tag$`)
//! and a comment (`-- …`, `/* … */`). A last statement without `;` is a statement too; what is
//! only blanks and comments is not. Pure text work, no database.

/// The statements of `script`, each trimmed, without its `;`.
pub fn split(script: &str) -> Vec<&str> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = close_quoted(bytes, i, bytes[i]).unwrap_or(bytes.len()),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = script[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = script[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b'$' => i = close_dollar_quoted(script, i).unwrap_or(bytes.len()),
            b';' => {
                push(&mut out, &script[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push(&mut out, &script[start..]);
    out
}

fn push<'a>(out: &mut Vec<&'a str>, statement: &'a str) {
    let statement = statement.trim();
    if has_code(statement) {
        out.push(statement);
    }
}

/// Whether the text holds anything but blanks and comments.
fn has_code(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.find('\n').map_or("", |n| &r[n + 1..]).trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |n| &r[n + 2..]).trim_start();
        } else {
            return !rest.is_empty();
        }
    }
}

/// Whether `script` ends at the end of a statement: its last code is a `;` outside quotes and
/// comments. The shell runs what it has then; a line ending in a `;` inside a string or a
/// comment that is still open goes on to the next line.
pub fn is_complete(script: &str) -> bool {
    let bytes = script.as_bytes();
    let (mut i, mut complete) = (0, false);
    while i < bytes.len() {
        let next = match bytes[i] {
            b'\'' | b'"' => close_quoted(bytes, i, bytes[i]),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                // A comment after the `;` leaves the statement complete.
                let Some(n) = script[i..].find('\n') else { return complete };
                i += n + 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match script[i + 2..].find("*/") {
                Some(n) => {
                    i += 2 + n + 2;
                    continue;
                }
                None => None,
            },
            b'$' => close_dollar_quoted(script, i),
            b';' => {
                complete = true;
                i += 1;
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => Some(i + 1),
        };
        let Some(next) = next else { return false };
        complete = false;
        i = next;
    }
    complete
}

/// Past a quoted run starting at `i` (`''` inside doubles the quote); None when the quote never
/// closes (DuckDB then reports the error).
fn close_quoted(bytes: &[u8], i: usize, quote: u8) -> Option<usize> {
    let mut j = i + 1;
    while j < bytes.len() {
        if bytes[j] == quote {
            if bytes.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return Some(j + 1);
        }
        j += 1;
    }
    None
}

/// Past `$tag$ … $tag$` starting at `i`, None when it never closes; a `$` that opens no such
/// string (a parameter `$1`) is one character.
fn close_dollar_quoted(script: &str, i: usize) -> Option<usize> {
    let rest = &script[i + 1..];
    let tag_len = rest.find('$').filter(|&n| rest[..n].chars().all(|c| c.is_alphanumeric() || c == '_'));
    let Some(n) = tag_len else { return Some(i + 1) };
    if rest[..n].starts_with(|c: char| c.is_ascii_digit()) {
        return Some(i + 1);
    }
    let tag = &script[i..i + n + 2];
    let body = i + n + 2;
    script[body..].find(tag).map(|m| body + m + tag.len())
}

#[cfg(test)]
mod tests {
    use super::{is_complete, split};

    #[test]
    fn a_statement_is_complete_at_a_semicolon_outside_strings_and_comments() {
        assert!(is_complete("select 1;"));
        assert!(is_complete("select 1;\n"));
        assert!(is_complete("select 1; -- done\n"));
        assert!(is_complete("select 1; -- done"));
        assert!(is_complete("select 'a;b';"));
        assert!(!is_complete("select 1"));
        assert!(!is_complete("select 'it is;\n"), "an open string");
        assert!(!is_complete("select 'it''s;"), "an open string ending in a doubled quote");
        assert!(!is_complete("select 1 /* note;\n"), "an open comment");
        assert!(!is_complete("select 1 -- note;"), "the ; is in a comment");
        assert!(!is_complete("select $$a;\n"), "an open dollar string");
        assert!(!is_complete("select 1; select"));
        assert!(!is_complete(""));
    }

    #[test]
    fn statements_split_at_semicolons_outside_quotes_and_comments() {
        assert_eq!(split("select 1; select 2"), ["select 1", "select 2"]);
        assert_eq!(split("select 5 as five;\n"), ["select 5 as five"]);
        assert_eq!(split("select ';' as s; select \"a;b\" from t"), ["select ';' as s", "select \"a;b\" from t"]);
        assert_eq!(split("select 'it''s; fine'"), ["select 'it''s; fine'"]);
        assert_eq!(split("select 1 -- a; comment\n; select 2"), ["select 1 -- a; comment", "select 2"]);
        assert_eq!(split("/* x; y */ select 1"), ["/* x; y */ select 1"]);
        assert_eq!(split("select $$a;b$$, $t$c;d$t$; select $1"), ["select $$a;b$$, $t$c;d$t$", "select $1"]);
    }

    #[test]
    fn blanks_and_comments_are_no_statement() {
        assert!(split("").is_empty());
        assert!(split("   ").is_empty());
        assert!(split(";").is_empty());
        assert!(split(" ; ;\n").is_empty());
        assert!(split("-- only a comment").is_empty());
        assert!(split("/* only */ ; -- this").is_empty());
    }

    #[test]
    fn an_unclosed_quote_keeps_the_rest_as_one_statement() {
        assert_eq!(split("select 'open; select 2"), ["select 'open; select 2"]);
    }
}
