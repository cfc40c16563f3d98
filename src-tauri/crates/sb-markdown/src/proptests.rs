//! Property tests: generated documents mixing every construct the renderer knows (nested
//! lists, fences inside lists, tables, link reference definitions, HTML blocks, footnotes,
//! math, CJK and emoji), streamed in random pieces down to one character. Every intermediate
//! page (committed blocks plus tail) must be well-formed HTML, and the committed blocks plus the
//! final tail must equal the one-shot render byte for byte.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::html_check::{check_tags, check_well_formed};
use crate::ids::DocState;
use crate::region::{write_region, Definitions};
use crate::sanitize::sanitize;
use crate::{render, StreamRenderer};

/// The document generator: a seeded RNG and whether to leave out references, definitions and
/// footnotes (so the documents exercise committing rather than holding).
struct Gen {
    rng: StdRng,
    plain: bool,
}

impl std::ops::Deref for Gen {
    type Target = StdRng;
    fn deref(&self) -> &StdRng {
        &self.rng
    }
}

impl std::ops::DerefMut for Gen {
    fn deref_mut(&mut self) -> &mut StdRng {
        &mut self.rng
    }
}

const WORDS: &[&str] = &[
    "alpha",
    "beta",
    "gamma",
    "the",
    "quick",
    "fox",
    "value",
    "render",
    "stream",
    "你好",
    "世界",
    "数据库",
    "日本語",
    "テスト",
    "한국어",
    "🎉",
    "👩‍👩‍👧",
    "🇯🇵",
    "é",
    "naïve",
    "Ω",
    "x",
    "1.",
];

/// Documents per property test (half of them plain in the streaming test); an optimised build
/// (`cargo test --release`) checks many more in the same time.
const DOCUMENTS: usize = if cfg!(debug_assertions) { 120 } else { 2000 };

fn word(rng: &mut Gen) -> &'static str {
    WORDS[rng.random_range(0..WORDS.len())]
}

/// Pieces 8, 9, 10, 19, 22 and 30 make a block depend on the rest of the document.
const DEPENDENT_PIECES: [u32; 6] = [8, 9, 10, 19, 22, 30];

fn inline_piece(rng: &mut Gen) -> String {
    let w = word(rng);
    let mut kind = rng.random_range(0..40);
    if rng.plain && DEPENDENT_PIECES.contains(&kind) {
        kind = 39;
    }
    match kind {
        0 => format!("*{w}*"),
        1 => format!("**{w}**"),
        2 => format!("~~{w}~~"),
        3 => format!("`{w} <b>`"),
        4 => "$x^2 + y_{i}$".to_owned(),
        5 => "$$\\frac{a}{b}$$".to_owned(),
        6 => format!("[{w}](https://example.com/{w})"),
        7 => format!("[{w}](javascript:alert(1))"),
        8 => "[see][r1]".to_owned(),
        9 => "[R2]".to_owned(),
        10 => format!("[^{}]", rng.random_range(1..4)),
        11 => "https://example.com/path_(x)?q=1&r=2.".to_owned(),
        12 => "<https://auto.example/a>".to_owned(),
        13 => format!("![{w}](https://example.com/i.png \"t\")"),
        14 => "![d](data:image/png;base64,AAAA)".to_owned(),
        15 => "<b onclick=\"x\">bold</b>".to_owned(),
        16 => "<script>alert(1)</script>".to_owned(),
        17 => "&amp; &#x3C; &copy; &nbsp;".to_owned(),
        18 => "\\*not\\*".to_owned(),
        19 => "[ ]".to_owned(),
        20 => "*".to_owned(),
        21 => "_".to_owned(),
        22 => "[".to_owned(),
        23 => "$5".to_owned(),
        24 => "`".to_owned(),
        25 => "<".to_owned(),
        26 => "|".to_owned(),
        27 => "user@example.com <me@example.com>".to_owned(),
        28 => "http://localhost:8080".to_owned(),
        29 => "\u{a0}\"'\u{0}\u{7}\u{feff}\u{202e}\t".to_owned(),
        30 => format!("[{w}][]"),
        _ => w.to_owned(),
    }
}

fn inline(rng: &mut Gen) -> String {
    let n = rng.random_range(1..8);
    (0..n)
        .map(|_| inline_piece(rng))
        .collect::<Vec<_>>()
        .join(" ")
}

fn indent(block: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    block
        .lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_owned()
            } else {
                format!("{pad}{line}\n")
            }
        })
        .collect()
}

fn fence(rng: &mut Gen) -> String {
    let marker = if rng.random_bool(0.8) { "```" } else { "~~~" };
    let lang = [
        "rust", "python", "js", "", "bash", "json", "html", "c++", "\"><x",
    ][rng.random_range(0..9)];
    let mut out = format!("{marker}{lang}\n");
    for _ in 0..rng.random_range(0..5) {
        out.push_str(match rng.random_range(0..8) {
            0 => "fn main() { let s = \"你好 🎉\"; } // done",
            1 => "",
            2 => "<script>alert(1)</script>",
            3 => "x = 1  # comment",
            4 => "  - not a list",
            5 => "$not math$ [not](link)",
            6 => "{\"a\": [1, 2.5, true]}",
            _ => "    indented",
        });
        out.push('\n');
    }
    if rng.random_bool(0.9) {
        out.push_str(marker);
        out.push('\n');
    }
    out
}

fn list(rng: &mut Gen, depth: usize) -> String {
    let marker = ["-", "*", "+", "1.", "3)"][rng.random_range(0..5)];
    let loose = rng.random_bool(0.3);
    let mut out = String::new();
    for _ in 0..rng.random_range(1..5) {
        let task = match rng.random_range(0..6) {
            0 => "[ ] ",
            1 => "[x] ",
            _ => "",
        };
        out.push_str(&format!("{marker} {task}{}\n", inline(rng)));
        let width = marker.len() + 1;
        match rng.random_range(0..8) {
            0 if depth < 3 => out.push_str(&indent(&list(rng, depth + 1), width)),
            1 => out.push_str(&indent(&format!("\n{}", fence(rng)), width)),
            2 => out.push_str(&indent(&format!("\n{}\n", inline(rng)), width)),
            3 => out.push_str(&format!("{}\n", inline(rng))), // lazy continuation
            _ => {}
        }
        if loose {
            out.push('\n');
        }
    }
    out
}

fn table(rng: &mut Gen) -> String {
    let cols = rng.random_range(1..4);
    let mut out = String::new();
    let cells = |rng: &mut Gen| {
        (0..cols)
            .map(|_| format!(" {} ", word(rng)))
            .collect::<Vec<_>>()
            .join("|")
    };
    out.push_str(&format!("|{}|\n", cells(rng)));
    let aligns: Vec<&str> = (0..cols)
        .map(|_| [":--", "--:", ":-:", "---"][rng.random_range(0..4)])
        .collect();
    out.push_str(&format!("|{}|\n", aligns.join("|")));
    for _ in 0..rng.random_range(0..4) {
        out.push_str(&format!("|{}|\n", cells(rng)));
    }
    out
}

fn block(rng: &mut Gen) -> String {
    let mut kind = rng.random_range(0..22);
    if rng.plain && (kind == 14 || kind == 15) {
        kind = 0;
    }
    match kind {
        0..=3 => {
            let lines = rng.random_range(1..4);
            (0..lines).map(|_| format!("{}\n", inline(rng))).collect()
        }
        4 | 5 => {
            let title = if rng.random_bool(0.5) {
                "Intro".to_owned()
            } else {
                inline(rng)
            };
            format!("{} {title}\n", "#".repeat(rng.random_range(1..7)))
        }
        6 => format!(
            "{}\n{}\n",
            inline(rng),
            ["===", "---"][rng.random_range(0..2)]
        ),
        7 | 8 => list(rng, 0),
        9 | 10 => fence(rng),
        11 => "    let indented = 1;\n\n    more code\n".to_owned(),
        12 => table(rng),
        13 => match rng.random_range(0..3) {
            0 => format!("> {}\n> {}\n", inline(rng), inline(rng)),
            1 => format!("> [!NOTE]\n> {}\n", inline(rng)),
            _ => indent(&list(rng, 1), 0)
                .lines()
                .map(|l| format!("> {l}\n"))
                .collect(),
        },
        14 => match rng.random_range(0..4) {
            0 => "[r1]: https://example.com/r1 \"Title\"\n".to_owned(),
            1 => "[r2]: <https://example.com/r 2>\n".to_owned(),
            2 => "[r1]:\n  https://example.com/other\n  'second'\n".to_owned(),
            _ => "[bad]: javascript:alert(1)\n".to_owned(),
        },
        15 => format!(
            "[^{}]: {}\n    {}\n",
            rng.random_range(1..4),
            inline(rng),
            inline(rng)
        ),
        16 => [
            "<div onclick=\"x\">\n<b>bold</b>\n</div>\n",
            "<!-- a comment -->\n",
            "<script>\nalert(1)\n</script>\n",
            "<details><summary>S</summary>\n",
            "<pre>\n*x*\n</pre>\n",
        ][rng.random_range(0..5)]
        .to_owned(),
        17 => "$$\n\\int_0^1 f(x)\\,dx < 1\n$$\n".to_owned(),
        18 => ["---\n", "***\n", "___\n"][rng.random_range(0..3)].to_owned(),
        19 => match rng.random_range(0..3) {
            0 => format!("{}\n- {}\n", inline(rng), inline(rng)),
            1 => format!(
                "> - {}\n>   > {}\n>\n>   ```\n>   code\n",
                inline(rng),
                inline(rng)
            ),
            _ => format!("-\t{}\n\t- {}\n", inline(rng), inline(rng)),
        },
        20 => match rng.random_range(0..4) {
            0 => format!("{}{}\n", "> ".repeat(rng.random_range(28..40)), inline(rng)),
            1 => format!("{}{}\n", "- ".repeat(rng.random_range(28..40)), inline(rng)),
            _ => format!("1. {}\n\n   {}\n", inline(rng), inline(rng)),
        },
        _ => "\n".to_owned(),
    }
}

fn document(rng: &mut Gen) -> String {
    let mut doc = String::new();
    for _ in 0..rng.random_range(1..14) {
        doc.push_str(&block(rng));
        match rng.random_range(0..10) {
            0 => {}
            1 => doc.push_str("\n\n"),
            _ => doc.push('\n'),
        }
    }
    if rng.random_bool(0.3) {
        doc.truncate(doc.trim_end().len()); // no final newline
    }
    match rng.random_range(0..20) {
        0 | 1 => doc = doc.replace('\n', "\r\n"),
        2 => doc = doc.replace('\n', "\r"),
        _ => {}
    }
    doc
}

/// Splits `text` into pieces of 1 to `max` characters.
fn pieces<'t>(text: &'t str, rng: &mut StdRng, max: usize) -> Vec<&'t str> {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at + 1 < bounds.len() {
        let next = (at + rng.random_range(1..=max)).min(bounds.len() - 1);
        out.push(&text[bounds[at]..bounds[next]]);
        at = next;
    }
    out
}

/// Streams `pieces` and checks every intermediate page; returns the final page and how many
/// blocks were committed before the end.
fn stream(pieces: &[&str], check_every: usize) -> Result<(String, usize), String> {
    let mut renderer = StreamRenderer::new();
    let mut committed = String::new();
    let mut count = 0;
    for (n, piece) in pieces.iter().enumerate() {
        renderer.push(piece);
        let update = renderer.update();
        for block in &update.committed {
            check_well_formed(block).map_err(|e| format!("committed block: {e}"))?;
            committed.push_str(block);
            count += 1;
        }
        let page = format!("{committed}{}", update.tail);
        // The whole page now and then; the tail (which is all that changed) always, with a
        // browser's parser every other update and the tag checker in between.
        if n % check_every == 0 || n + 1 == pieces.len() {
            check_well_formed(&page).map_err(|e| format!("after {} pieces: {e}", n + 1))?;
        } else if n % 2 == 0 {
            check_well_formed(&update.tail).map_err(|e| format!("tail: {e}"))?;
        } else {
            check_tags(&update.tail).map_err(|e| format!("tail: {e}"))?;
        }
    }
    let last = renderer.finish();
    committed.extend(last.committed);
    committed.push_str(&last.tail);
    Ok((committed, count))
}

/// Streams `doc` in pieces of up to `max` characters; returns how many blocks were committed.
fn check_document(doc: &str, rng: &mut Gen, max: usize) -> usize {
    let expected = render(doc);
    check_well_formed(&expected).unwrap_or_else(|e| panic!("{e}\ndocument: {doc:?}"));
    let split = pieces(doc, &mut rng.rng, max);
    let check_every = if max == 1 { 97 } else { 13 };
    let (streamed, committed) = stream(&split, check_every).unwrap_or_else(|e| {
        panic!("{e}\ndocument: {doc:?}\npieces: {split:?}");
    });
    assert_eq!(
        streamed, expected,
        "streamed != one-shot\ndocument: {doc:?}\npieces: {split:?}"
    );
    committed
}

#[test]
fn streaming_in_random_pieces_equals_one_shot_and_stays_well_formed() {
    let mut rng = Gen {
        rng: StdRng::seed_from_u64(0x5b_6d61726b),
        plain: false,
    };
    let mut committed = [0usize; 2];
    for n in 0..DOCUMENTS {
        rng.plain = n % 2 == 0;
        let doc = document(&mut rng);
        let max = [1, 2, 3, 8, 8, 8, 64, 300][n / 2 % 8];
        committed[usize::from(rng.plain)] += check_document(&doc, &mut rng, max);
    }
    // Both paths are exercised: plain documents commit most blocks early, the others hold.
    assert!(
        committed[1] > DOCUMENTS * 2,
        "plain documents committed {committed:?}"
    );
    assert!(committed[0] > 0, "{committed:?}");
}

#[test]
fn writer_output_passes_the_sanitizer_unchanged() {
    let mut rng = Gen {
        rng: StdRng::seed_from_u64(7),
        plain: false,
    };
    for _ in 0..DOCUMENTS {
        let doc = document(&mut rng);
        let (raw, _) = write_region(
            &doc,
            &mut DocState::default(),
            &Definitions::default(),
            false,
        );
        let clean = sanitize(&raw);
        assert_eq!(
            clean, raw,
            "the sanitizer changed the writer's output\n{doc:?}"
        );
    }
}

/// Documents whose early blocks depend on later text, split at every character.
#[test]
fn tricky_documents_at_every_split_point() {
    let docs = [
        // A reference used before its definition, then text after it.
        "See [the docs][d] and [D].\n\nMore text.\n\n[d]: https://example.com/docs\n\nAfter.\n",
        // Footnotes defined after use, numbered by first use.
        "A[^b] and B[^a].\n\n[^a]: first\n[^b]: second\n\nEnd [^a].\n",
        // A paragraph that becomes a setext heading, a table, a list that goes on after a blank.
        "Title\n=====\n\na | b\n--|--\n1 | 2\n\n- one\n\n- two\n\n  still two\n\nout\n",
        // A fence inside a list with a blank line inside the fence; an unclosed fence at the end.
        "- item\n\n  ```rust\n  let a = 1;\n\n  ```\n- next\n\n```py\nprint('x')\n",
        // A definition whose title continues on the next line; HTML blocks.
        "[t]: https://example.com\n\"line one\nline two\"\n\n[t]\n\n<div>\nraw\n</div>\n\n<!--\nc\n-->\nz\n",
        // Indented code across blank lines, then math and a heading clash.
        "# A\n\n    code\n\n    more\n\n$$\nx\n$$\n\n# A\n\ntext https://example.com/a_b.\n",
        // Old Mac line endings: a fence closed on a line ended by a lone CR.
        "```\rcode\r```\rpara\r\r- a\r\r- b\rafter\r",
        // Windows line endings.
        "a\r\n\r\n```\r\nb\r\n```\r\n\r\nc\r\n",
    ];
    for doc in docs {
        let expected = render(doc);
        let bounds: Vec<usize> = doc.char_indices().map(|(i, _)| i).skip(1).collect();
        for &at in &bounds {
            let (streamed, _) = stream(&[&doc[..at], &doc[at..]], 1)
                .unwrap_or_else(|e| panic!("{e}\nsplit at {at} of {doc:?}"));
            assert_eq!(streamed, expected, "split at {at} of {doc:?}");
        }
        let chars: Vec<&str> = doc
            .char_indices()
            .map(|(i, c)| &doc[i..i + c.len_utf8()])
            .collect();
        let (streamed, _) = stream(&chars, 1).unwrap_or_else(|e| panic!("{e}\n{doc:?}"));
        assert_eq!(streamed, expected, "one character at a time: {doc:?}");
    }
}
