//! SSE framing plus protocol parsing throughput, in events per second.
//!
//! Run: `cargo bench -p sb-llm --bench sse` (release profile). The streams are generated here:
//! 20,000 chat-completion chunks shaped like OpenAI's (`id`, `created`, `model`,
//! `system_fingerprint`, `obfuscation`, one content token each, mixed English, CJK and emoji),
//! and the same tokens as a Responses stream with `event:` lines. Each benchmark decodes the whole
//! stream fed in 1,400-byte reads (a typical TCP segment), so events straddle reads.
//!
//! The baseline, measured in the same run, is the least any client must do: find the line
//! breaks (`baseline_split_lines`) and parse every payload as generic JSON
//! (`baseline_json_value`).

use sb_llm::chat_completions::ChatStreamMapper;
use sb_llm::responses::ResponsesStreamMapper;
use sb_llm::sse::SseDecoder;
use sb_llm::StreamMapper;

const EVENTS: usize = 20_000;
const READ: usize = 1_400;
const TOKENS: &[&str] = &[
    " The",
    " answer",
    " is",
    " 你好",
    "世界",
    " 🎉",
    " ok",
    ",",
    " `code`",
    "\n\n- item",
];

fn chat_stream() -> Vec<u8> {
    let mut out = String::new();
    for i in 0..EVENTS {
        let token = serde_json::to_string(TOKENS[i % TOKENS.len()]).expect("json string");
        out.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-5.1\",\"system_fingerprint\":\"fp_b705f0c291\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{token}}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null,\"obfuscation\":\"r4N7vQ2m\"}}\n\n"
        ));
    }
    out.push_str("data: {\"id\":\"chatcmpl-x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    out.into_bytes()
}

fn responses_stream() -> Vec<u8> {
    let mut out = String::from(
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\",\"output\":[]}}\n\n\
         event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":1,\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":[]}}\n\n",
    );
    for i in 0..EVENTS {
        let token = serde_json::to_string(TOKENS[i % TOKENS.len()]).expect("json string");
        out.push_str(&format!(
            "event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"sequence_number\":{},\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":{token},\"logprobs\":[],\"obfuscation\":\"kx9\"}}\n\n",
            i + 2
        ));
    }
    out.push_str("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":99999,\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":20000,\"total_tokens\":20001}}}\n\n");
    out.into_bytes()
}

/// Frames and maps a whole stream; returns the number of events produced (kept alive so the
/// work is not optimised away).
fn run(bytes: &[u8], mapper: &mut dyn StreamMapper) -> usize {
    let mut decoder = SseDecoder::new();
    let mut produced = 0;
    for read in bytes.chunks(READ) {
        for event in decoder.push(read).expect("well-formed stream") {
            produced += mapper.map(&event.data).events.len();
        }
    }
    produced + mapper.finish().events.len()
}

#[divan::bench]
fn baseline_split_lines(bencher: divan::Bencher) {
    let bytes = chat_stream();
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .bench(|| {
            divan::black_box(&bytes)
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count()
        });
}

#[divan::bench]
fn baseline_json_value(bencher: divan::Bencher) {
    let bytes = chat_stream();
    let text = String::from_utf8(bytes).expect("utf-8");
    let payloads: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter(|d| !d.starts_with("[DONE]"))
        .collect();
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .bench(|| {
            payloads
                .iter()
                .map(|p| {
                    serde_json::from_str::<serde_json::Value>(p)
                        .map(|_| 1)
                        .unwrap_or(0)
                })
                .sum::<usize>()
        });
}

#[divan::bench]
fn sse_framing_only(bencher: divan::Bencher) {
    let bytes = chat_stream();
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .bench(|| {
            let mut decoder = SseDecoder::new();
            bytes
                .chunks(READ)
                .map(|read| decoder.push(read).expect("well-formed").len())
                .sum::<usize>()
        });
}

#[divan::bench]
fn chat_completions_framing_and_parsing(bencher: divan::Bencher) {
    let bytes = chat_stream();
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .bench(|| run(&bytes, &mut ChatStreamMapper::new()));
}

#[divan::bench]
fn responses_framing_and_parsing(bencher: divan::Bencher) {
    let bytes = responses_stream();
    bencher
        .counter(divan::counter::ItemsCount::new(EVENTS))
        .bench(|| run(&bytes, &mut ResponsesStreamMapper::new()));
}

fn main() {
    divan::main();
}
