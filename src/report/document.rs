//! A report as plain structure (headings, paragraphs, facts, tables), and
//! its two renderings: Markdown and a self-contained HTML page. Every string
//! in a `Doc` is plain text, often straight from evidence; the renderers are
//! the only place it is escaped, so no section can forget to.

use crate::model::bidi;
use std::fmt::Write;

/// One block of a report.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading { level: u8, text: String },
    Paragraph(String),
    /// Label and value pairs (a short fact sheet).
    Facts(Vec<(String, String)>),
    Bullets(Vec<String>),
    Table { headers: Vec<String>, rows: Vec<Vec<String>> },
    /// The sign-in map: drawn as SVG in HTML (`geo::to_svg` escapes its
    /// texts), left out of Markdown, where the section's table stands in.
    SigninMap(crate::geo::SigninMap),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn heading(&mut self, level: u8, text: impl Into<String>) {
        self.blocks.push(Block::Heading { level, text: text.into() });
    }

    pub fn paragraph(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }

    pub fn facts(&mut self, facts: Vec<(String, String)>) {
        self.blocks.push(Block::Facts(facts));
    }

    pub fn bullets(&mut self, items: Vec<String>) {
        self.blocks.push(Block::Bullets(items));
    }

    pub fn table(&mut self, headers: &[&str], rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows });
    }

    pub fn signin_map(&mut self, map: crate::geo::SigninMap) {
        self.blocks.push(Block::SigninMap(map));
    }
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Markdown for `text` where a block starts (a paragraph, a list item, a
/// heading): also escapes what would open a block (`#`, `-`, `+`, `=`, `1.`).
pub fn markdown_line(text: &str) -> String {
    let inline = markdown_text(text);
    let digits = inline.chars().take_while(char::is_ascii_digit).count();
    match inline.chars().next() {
        Some('#' | '-' | '+' | '=') => format!("\\{inline}"),
        Some(_) if digits > 0 && matches!(inline[digits..].chars().next(), Some('.' | ')')) => {
            format!("{}\\{}", &inline[..digits], &inline[digits..])
        }
        _ => inline,
    }
}

/// Markdown text that shows `text` literally inside a line, and stays
/// readable: the characters that open inline markup, tables or HTML are
/// backslash-escaped; `://` and `www.` are broken up so no autolink forms;
/// line breaks become spaces so a value cannot start a block of its own.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            // `http://x` and `www.x` would become links in GitHub's Markdown.
            '/' if i > 0 && chars[i - 1] == ':' && chars.get(i + 1) == Some(&'/') => out.push_str("\\/"),
            '.' if i >= 3 && chars[i - 3..i].iter().collect::<String>().eq_ignore_ascii_case("www") => out.push_str("\\."),
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => match bidi::marker(c) {
                // A direction override would reorder the report as rendered.
                Some(m) => out.push_str(m),
                None => out.push(c),
            },
        }
    }
    out
}

/// HTML text content and attribute values: the five special characters as entities.
pub fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => match bidi::marker(c) {
                // A direction override would reorder the page as rendered.
                Some(m) => out.push_str(m),
                None => out.push(c),
            },
        }
    }
    out
}

pub fn to_markdown(doc: &Doc) -> String {
    let mut out = format!("# {}\n", markdown_line(&doc.title));
    for block in &doc.blocks {
        out.push('\n');
        match block {
            Block::Heading { level, text } => {
                let _ = writeln!(out, "{} {}", "#".repeat(usize::from((*level).clamp(2, 6))), markdown_line(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "{}", markdown_line(text));
            }
            Block::Facts(facts) => {
                for (label, value) in facts {
                    let _ = writeln!(out, "- **{}**: {}", markdown_text(label), markdown_text(value));
                }
            }
            Block::Bullets(items) => {
                for item in items {
                    let _ = writeln!(out, "- {}", markdown_line(item));
                }
            }
            Block::Table { headers, rows } => {
                let line = |cells: &[String]| format!("| {} |", cells.iter().map(|c| markdown_text(c)).collect::<Vec<_>>().join(" | "));
                let _ = writeln!(out, "{}", line(headers));
                let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
                for row in rows {
                    let _ = writeln!(out, "{}", line(row));
                }
            }
            Block::SigninMap(_) => out.push_str("(The sign-in map is drawn in the HTML report.)\n"),
        }
    }
    out
}

/// Styles of the printable page: inline, since the page must stand alone.
const PAGE_STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;color:#111;background:#fff;margin:2rem auto;max-width:72rem;padding:0 1rem}\
h1{font-size:1.6rem;border-bottom:2px solid #333}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #999}h3{font-size:1.05rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:12.5px}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:break-word}\
th{background:#eee;white-space:nowrap}td.id{overflow-wrap:anywhere;font:11.5px ui-monospace,monospace}dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem}dt{font-weight:600}dd{margin:0}\
figure.map{margin:.5rem 0;border:1px solid #bbb}figure.map svg{display:block}\
@media print{body{margin:0;max-width:none}figure.map{break-inside:avoid}h2{break-after:avoid}tr{break-inside:avoid}}";

/// One unbroken token too long for a narrow column (a SHA-256, an object id,
/// a long account name): the page lets only these break anywhere. Breaking
/// every cell anywhere let the table squeeze its short columns until words
/// such as "Severity" and every timestamp were split letter by letter.
fn is_long_identifier(cell: &str) -> bool {
    cell.chars().count() > 32 && !cell.contains(char::is_whitespace)
}

/// A whole HTML page that needs nothing else: no script, no external
/// resource, and a CSP that forbids both in case evidence text ever
/// slipped through unescaped.
pub fn to_html(doc: &Doc) -> String {
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    let _ = writeln!(out, "<title>{}</title>", html_text(&doc.title));
    let _ = writeln!(out, "<style>{PAGE_STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{}</h1>", html_text(&doc.title));
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let level = (*level).clamp(2, 6);
                let _ = writeln!(out, "<h{level}>{}</h{level}>", html_text(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", html_text(text).replace('\n', "<br>"));
            }
            Block::Facts(facts) => {
                out.push_str("<dl>\n");
                for (label, value) in facts {
                    let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", html_text(label), html_text(value));
                }
                out.push_str("</dl>\n");
            }
            Block::Bullets(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", html_text(item));
                }
                out.push_str("</ul>\n");
            }
            Block::Table { headers, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in headers {
                    let _ = write!(out, "<th>{}</th>", html_text(h));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for cell in row {
                        let class = if is_long_identifier(cell) { " class=\"id\"" } else { "" };
                        let _ = write!(out, "<td{class}>{}</td>", html_text(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::SigninMap(map) => {
                let _ = writeln!(out, "<figure class=\"map\">{}</figure>", crate::geo::to_svg(map));
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<img src=x onerror=alert(1)>|**bold**\n# heading [link](http://evil.example) `code` &amp; \"q\" 'a'";

    fn hostile_doc() -> Doc {
        let mut doc = Doc { title: HOSTILE.into(), ..Doc::default() };
        doc.heading(2, HOSTILE);
        doc.paragraph(HOSTILE);
        doc.facts(vec![(HOSTILE.into(), HOSTILE.into())]);
        doc.bullets(vec![HOSTILE.into()]);
        doc.table(&["a", "b"], vec![vec![HOSTILE.into(), "x|y".into()]]);
        doc
    }

    #[test]
    fn html_never_carries_markup_from_text() {
        let page = to_html(&hostile_doc());
        assert!(!page.contains("<img"), "{page}");
        assert!(page.contains("&amp;amp;"), "the text's own entity is shown, not decoded");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains("&quot;q&quot; &#39;a&#39;"));
        assert_eq!(page.matches("<script").count(), 0);
        assert!(page.contains("default-src 'none'"));
    }

    #[test]
    fn only_long_unbroken_tokens_may_break_anywhere_in_a_table() {
        let mut doc = Doc::default();
        let sha = "1b969dc7ed9b6b3d6b3a58d5aa22a245cf5ced6048294b1431eec520cb65e018";
        doc.table(&["Severity", "When", "SHA-256", "Finding"], vec![vec!["High".into(), "2026-02-24T02:41:17.000Z".into(), sha.into(), "a finding of several words that is longer than thirty-two".into()]]);
        let page = to_html(&doc);
        assert!(page.contains(&format!("<td class=\"id\">{sha}</td>")), "{page}");
        assert!(page.contains("<td>High</td><td>2026-02-24T02:41:17.000Z</td>"), "short cells and timestamps keep their words: {page}");
        assert!(page.contains("<td>a finding of several words"), "{page}");
        assert!(page.contains("th{background:#eee;white-space:nowrap}"));
    }

    #[test]
    fn markdown_shows_text_literally() {
        let md = to_markdown(&hostile_doc());
        for line in md.lines().filter(|l| l.contains("img")) {
            assert!(line.contains("\\<img"), "{line}");
            assert!(line.contains("\\[link\\](http:\\//evil.example)"), "{line}");
            assert!(!line.contains("**bold"), "{line}");
        }
        assert_eq!(markdown_text("2026-02-24T02:41:17Z"), "2026-02-24T02:41:17Z", "times stay readable");
        assert_eq!(markdown_line("- item"), "\\- item");
        assert_eq!(markdown_line("12. x"), "12\\. x");
        assert_eq!(markdown_text("203.0.113.7 - x"), "203.0.113.7 - x", "inside a line nothing opens a block");
        assert_eq!(markdown_text("see www.evil.example"), "see www\\.evil.example");
        // A value's line break cannot start a heading of its own.
        assert!(!md.lines().any(|l| l.starts_with("# heading")), "{md}");
        // The table keeps two columns: the pipe inside a cell is escaped.
        let row = md.lines().find(|l| l.contains("x\\|y")).unwrap();
        assert_eq!(row.matches(" | ").count(), 1, "{row}");
    }

    #[test]
    fn direction_overrides_are_shown_as_markers_in_both_reports() {
        let mut doc = Doc { title: "IR \u{202E}gnp.exe".into(), ..Doc::default() };
        doc.facts(vec![("App".into(), "PDF SecureView Pro\u{202E}fdp.exe".into())]);
        doc.table(&["City"], vec![vec!["Frankfurt\u{2067}niaM\u{2069}".into()]]);
        for (what, text) in [("HTML", to_html(&doc)), ("Markdown", to_markdown(&doc))] {
            assert!(!text.chars().any(|c| bidi::marker(c).is_some()), "{what}: no override left");
            for shown in ["IR ⟨RLO⟩gnp.exe", "PDF SecureView Pro⟨RLO⟩fdp.exe", "Frankfurt⟨RLI⟩niaM⟨PDI⟩"] {
                assert!(text.contains(shown), "{what} shows {shown}");
            }
        }
    }
}
