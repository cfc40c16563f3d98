//! Markdown rendering per streaming update: incremental (`StreamRenderer`) against rendering the
//! whole answer so far on every update (`render`), the O(n²) approach the house style forbids.
//!
//! Run: `cargo bench -p sb-markdown --bench stream` (release profile). The answer is generated
//! here: about 60 KB of mixed paragraphs (English and CJK, inline code, bold, links, bare URLs),
//! nested lists, Rust and Python fences, a table every fifth section, headings. It is cut into
//! pieces of 1 to 7 characters (seeded), as a fast provider streams it.
//!
//! `update_*` benchmarks time the 1,000 updates that end at 10%, 50% and 100% of the answer
//! (the renderer is brought to the start of that window outside the timing); divide by 1,000
//! for the cost of one update. `held_*` is the incremental renderer on the same answer with a
//! `[1]` citation in its first line, so no block can ever be committed (see the crate's
//! block-finishing rule); `update_in_open_20kb_fence` is the worst case, a long block still
//! open. The rest time one whole-answer render, the whole answer streamed, pulldown-cmark's own
//! HTML writer as a floor, and an ammonia pass over the rendered answer (the sanitizer's share).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sb_markdown::{render, sanitize_only, StreamRenderer};

/// Updates per timed window.
const WINDOW: usize = 1_000;
/// Target size of the answer in bytes.
const ANSWER_BYTES: usize = 60_000;

fn section(i: usize) -> String {
    let mut s = format!(
        "## Section {i}: 数据处理与流式渲染 {i}\n\n\
         The renderer receives **untrusted text** a few characters at a time and must show it \
         quickly. Call `render_section_{i}()` with the [reference guide](https://example.com/docs/{i}) \
         open, or read https://docs.example.com/streaming/{i} first. Numbers like {i}.5 and \
         *emphasis* appear in ordinary prose, as do `inline code` spans.\n\n\
         这是一个关于流式渲染的测试段落，包含中文字符和标点符号。我们希望渲染器能够正确处理每一个片段，\
         并且在回答变长时保持每次更新的成本不变。日本語のテキストも少し含まれています。\n\n\
         - First point about step {i}, with `code`\n\
         - Second point with a [link](https://example.com/{i})\n  \
           - nested detail 你好世界\n  \
           - another nested detail\n\
         - Third point\n\n\
         ```rust\n\
         fn section_{i}(input: &str) -> Result<u32, Error> {{\n    \
             // Parse the number and double it.\n    \
             let n: u32 = input.trim().parse()?;\n    \
             Ok(n * 2 + {i})\n\
         }}\n\
         ```\n\n"
    );
    if i.is_multiple_of(5) {
        s.push_str(
            "| Name | Value | 说明 |\n|:-----|------:|:----:|\n\
             | alpha | 1 | 一 |\n| beta | 22 | 二 |\n| gamma | 333 | 三 |\n\n",
        );
    }
    if i.is_multiple_of(3) {
        s.push_str(&format!(
            "```python\ndef step_{i}(items):\n    \"\"\"Sum the items.\"\"\"\n    return sum(x for x in items if x > {i})  # filter\n```\n\n"
        ));
    }
    s.push_str("1. Check the input.\n2. Render the tail.\n3. Commit finished blocks.\n\n");
    s
}

fn answer() -> String {
    let mut text = String::from("# Streaming answer\n\n");
    let mut i = 1;
    while text.len() < ANSWER_BYTES {
        text.push_str(&section(i));
        i += 1;
    }
    text
}

/// Piece boundaries (byte offsets, after each piece) of 1 to 7 characters.
fn boundaries(text: &str) -> Vec<usize> {
    let mut rng = StdRng::seed_from_u64(60);
    let chars: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at + 1 < chars.len() {
        at = (at + rng.random_range(1..=7)).min(chars.len() - 1);
        out.push(chars[at]);
    }
    out
}

/// The text, the piece ends, and the index of the last piece of the window ending at `percent`.
fn window(text_with_citation: bool, percent: usize) -> (String, Vec<usize>, usize) {
    let mut text = answer();
    if text_with_citation {
        text.insert_str(0, "As reported [1], ");
    }
    let ends = boundaries(&text);
    let last = (ends.len() * percent / 100).max(WINDOW) - 1;
    (text, ends, last)
}

/// A renderer that has streamed everything before the window.
fn renderer_before(text: &str, ends: &[usize], last: usize) -> StreamRenderer {
    let mut renderer = StreamRenderer::new();
    renderer.push(&text[..ends[last - WINDOW]]);
    divan::black_box_drop(renderer.update());
    renderer
}

fn incremental(bencher: divan::Bencher, held: bool, percent: usize) {
    let (text, ends, last) = window(held, percent);
    bencher
        .counter(divan::counter::ItemsCount::new(WINDOW))
        .with_inputs(|| renderer_before(&text, &ends, last))
        .bench_local_values(|mut renderer| {
            for n in last + 1 - WINDOW..=last {
                renderer.push(&text[ends[n - 1]..ends[n]]);
                divan::black_box_drop(renderer.update());
            }
            renderer
        });
}

#[divan::bench(args = [10, 50, 100], sample_count = 30)]
fn update_incremental(bencher: divan::Bencher, percent: usize) {
    incremental(bencher, false, percent);
}

#[divan::bench(args = [10, 50, 100], sample_count = 30)]
fn held_update_incremental(bencher: divan::Bencher, percent: usize) {
    incremental(bencher, true, percent);
}

#[divan::bench(args = [10, 50, 100], sample_count = 10, sample_size = 1)]
fn update_full_rerender(bencher: divan::Bencher, percent: usize) {
    let (text, ends, last) = window(false, percent);
    bencher
        .counter(divan::counter::ItemsCount::new(WINDOW))
        .bench(|| {
            for n in last + 1 - WINDOW..=last {
                divan::black_box(render(&text[..ends[n]]));
            }
        });
}

/// The worst case for the incremental renderer: one 20 KB fenced block still open, so every
/// update highlights and sanitizes the whole block again (cost within a block grows with it).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn update_in_open_20kb_fence(bencher: divan::Bencher) {
    let mut text = String::from("Here is the file:\n\n```rust\n");
    let mut i = 0;
    while text.len() < 20_000 {
        text.push_str(&format!(
            "    let value_{i} = compute(\"{i}\", {i}) * 2; // step {i}\n"
        ));
        i += 1;
    }
    let ends = boundaries(&text);
    let last = ends.len() - 1;
    bencher
        .counter(divan::counter::ItemsCount::new(WINDOW))
        .with_inputs(|| renderer_before(&text, &ends, last))
        .bench_local_values(|mut renderer| {
            for n in last + 1 - WINDOW..=last {
                renderer.push(&text[ends[n - 1]..ends[n]]);
                divan::black_box_drop(renderer.update());
            }
            renderer
        });
}

#[divan::bench(sample_count = 30)]
fn whole_answer_render(bencher: divan::Bencher) {
    let text = answer();
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| render(divan::black_box(&text)));
}

#[divan::bench(sample_count = 30)]
fn whole_answer_stream(bencher: divan::Bencher) {
    let text = answer();
    let ends = boundaries(&text);
    bencher
        .counter(divan::counter::ItemsCount::new(ends.len()))
        .bench(|| {
            let mut renderer = StreamRenderer::new();
            let mut start = 0;
            for &end in &ends {
                renderer.push(&text[start..end]);
                divan::black_box_drop(renderer.update());
                start = end;
            }
            renderer.finish()
        });
}

#[divan::bench(sample_count = 30)]
fn baseline_pulldown_push_html(bencher: divan::Bencher) {
    let text = answer();
    let options = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
        | pulldown_cmark::Options::ENABLE_TASKLISTS
        | pulldown_cmark::Options::ENABLE_FOOTNOTES
        | pulldown_cmark::Options::ENABLE_MATH
        | pulldown_cmark::Options::ENABLE_GFM;
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let mut html = String::new();
            let parser = pulldown_cmark::Parser::new_ext(divan::black_box(&text), options);
            pulldown_cmark::html::push_html(&mut html, parser);
            html
        });
}

/// The sanitizer's share: the ammonia pass over the rendered answer, exactly as `render` runs
/// it (the writer's output passes it unchanged, so the input is the same).
#[divan::bench(sample_count = 30)]
fn ammonia_pass_on_rendered_answer(bencher: divan::Bencher) {
    let html = render(&answer());
    assert_eq!(sanitize_only(&html), html, "same work as the real pass");
    bencher
        .counter(divan::counter::BytesCount::new(html.len()))
        .bench(|| sanitize_only(divan::black_box(&html)));
}

fn main() {
    let text = answer();
    eprintln!(
        "answer: {} bytes, {} characters, {} pieces",
        text.len(),
        text.chars().count(),
        boundaries(&text).len()
    );
    divan::main();
}
