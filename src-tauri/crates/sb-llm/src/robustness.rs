//! Property tests over the SSE framer and both protocol mappers: whatever bytes a server sends,
//! in whatever splits they arrive, nothing panics and every stream ends in a definite outcome
//! (complete, or one error). Inputs are the reference fixtures mutated at random (bytes flipped,
//! deleted, duplicated, line endings and SSE syntax injected, cut short) plus pure noise.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::chat_completions::ChatStreamMapper;
use crate::mapper::{MappedChunk, StreamMapper};
use crate::responses::ResponsesStreamMapper;
use crate::sse::SseDecoder;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../../shared/reference/fixtures"
);

const SNIPPETS: &[&[u8]] = &[
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b":",
    b"data:",
    b"data: ",
    b"event: error\n",
    b"data: [DONE]\n\n",
    b"{",
    b"}",
    b"\"",
    b"\\",
    b"null",
    b"\xf0\x9f",
    b"\xe4\xbd\xa0",
    b"<think>",
    b"</think>",
    b"{\"error\":{\"message\":\"x\",\"code\":500}}",
    b"{\"type\":\"response.completed\"}",
    b"{\"choices\":[{\"index\":4294967295,\"delta\":{\"tool_calls\":[{\"index\":9}]}}]}",
];

fn fixtures() -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(FIXTURES).expect("fixtures folder beside the repo") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "sse") {
            all.push(std::fs::read(&path).expect("read fixture"));
        }
    }
    assert!(all.len() >= 12, "the reference fixtures are all there");
    all
}

fn mutate(input: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..rng.random_range(1..=12) {
        let at = rng.random_range(0..=bytes.len());
        match rng.random_range(0..6) {
            0 if at < bytes.len() => bytes[at] = rng.random(),
            1 if at < bytes.len() => {
                let end = (at + rng.random_range(1..64)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                let snippet = SNIPPETS[rng.random_range(0..SNIPPETS.len())];
                bytes.splice(at..at, snippet.iter().copied());
            }
            3 if at < bytes.len() => {
                let end = (at + rng.random_range(1..128)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            4 => bytes.truncate(at),
            _ => {}
        }
    }
    bytes
}

/// Feeds `bytes` in random splits; returns whether the stream ended with an error.
fn drive(bytes: &[u8], mapper: &mut dyn StreamMapper, rng: &mut StdRng) -> bool {
    let mut decoder = SseDecoder::new();
    let mut failed = false;
    let take = |chunk: MappedChunk, failed: &mut bool| {
        assert!(
            chunk.events.len() < 100_000,
            "output stays proportional to input"
        );
        *failed |= chunk.error.is_some();
    };
    let mut rest = bytes;
    while !rest.is_empty() && !failed && !mapper.is_done() {
        let n = rng.random_range(1..=rest.len().min(4096));
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        match decoder.push(chunk) {
            Ok(events) => {
                for event in events {
                    if mapper.is_done() {
                        break;
                    }
                    take(mapper.map(&event.data), &mut failed);
                }
            }
            Err(_) => return true,
        }
    }
    if !failed && !mapper.is_done() {
        match decoder.finish() {
            Ok(Some(event)) => take(mapper.map(&event.data), &mut failed),
            Ok(None) => {}
            Err(_) => return true,
        }
    }
    if !failed {
        take(mapper.finish(), &mut failed);
    }
    failed
}

#[test]
fn mutated_fixtures_and_noise_never_panic_in_either_protocol() {
    let inputs = fixtures();
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for round in 0..3_000 {
        let input = if round % 10 == 9 {
            (0..rng.random_range(0..2048))
                .map(|_| rng.random())
                .collect()
        } else {
            mutate(&inputs[round % inputs.len()], &mut rng)
        };
        drive(&input, &mut ChatStreamMapper::new(), &mut rng);
        drive(&input, &mut ResponsesStreamMapper::new(), &mut rng);
    }
}

/// Where the first end-of-answer marker of a fixture starts, if it has one.
fn first_terminal_marker(input: &[u8]) -> Option<usize> {
    const MARKERS: &[&[u8]] = &[
        b"\"finish_reason\":\"",
        b"\"type\":\"response.completed\"",
        b"\"type\":\"response.incomplete\"",
        b"\"type\":\"response.failed\"",
        b"\"type\":\"error\"",
        b"\"error\":{",
    ];
    MARKERS
        .iter()
        .filter_map(|m| input.windows(m.len()).position(|w| w == *m))
        .min()
}

#[test]
fn a_stream_cut_before_its_end_marker_always_fails() {
    let mut checked = 0;
    for entry in std::fs::read_dir(FIXTURES).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.ends_with(".sse") {
            continue;
        }
        let input = std::fs::read(&path).expect("read fixture");
        let end = first_terminal_marker(&input).unwrap_or(input.len());
        let mut rng = StdRng::seed_from_u64(end as u64);
        for cut in 0..end {
            let failed = if name.starts_with("chat_") {
                drive(&input[..cut], &mut ChatStreamMapper::new(), &mut rng)
            } else {
                drive(&input[..cut], &mut ResponsesStreamMapper::new(), &mut rng)
            };
            assert!(
                failed,
                "{name} cut at byte {cut} (before its end marker at {end}) must fail"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 1_000,
        "the property ran over many cut points ({checked})"
    );
}
