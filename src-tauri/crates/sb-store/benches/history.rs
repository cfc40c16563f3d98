//! History search and branch loading.
//!
//! Run: `cargo bench -p sb-store --bench history`. The search database is generated here, once,
//! and kept in `target/tmp/sb-store-bench/` (generation is the slow part): N messages
//! (`SB_STORE_BENCH_MESSAGES`, default 20,000) in conversations of 2 to 40 messages, some
//! with regenerated answers, 60% English (some with code), 25% Chinese, 15% Japanese; user
//! messages 20 to 400 characters, answers 150 to 2,500. It is written through
//! `Store::import_json` in batches, so the search index is built by the real triggers.
//!
//! Search benchmarks ask `Store::search(query, 50)`; the baseline, in the same run on the same
//! file, is what a store without an index does: `content LIKE '%query%'` newest first, limit
//! 50, on a raw connection. Queries (share of the million messages containing them):
//! `zephyrine` (0.5%), `because` (25%), `narwhal` (none), `量子计算` (18%), `機械学習` (10%),
//! and two words of two characters, too short for the trigram index, so the store scans too:
//! `世界` (22%) and `鲸鱼` (none: the worst case, a full scan).
//!
//! Branch benchmarks load one 10,000-message conversation (every 10th answer regenerated once):
//! the last screen (50 messages), the first screen, and the whole branch as the baseline.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sb_store::{ConversationId, Store};

const DEFAULT_MESSAGES: usize = 20_000;
/// Bump when the generator changes, so old files are not reused.
const GENERATOR_VERSION: u32 = 2;
const LIMIT: usize = 50;

const QUERIES: &[&str] = &[
    "zephyrine",
    "because",
    "narwhal",
    "量子计算",
    "機械学習",
    "世界",
    "鲸鱼",
];

fn message_count() -> usize {
    std::env::var("SB_STORE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(DEFAULT_MESSAGES)
}

/// splitmix64: deterministic, so every run searches the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ENGLISH: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "you",
    "that",
    "it",
    "for",
    "was",
    "on",
    "are",
    "as",
    "with",
    "they",
    "at",
    "be",
    "this",
    "have",
    "from",
    "or",
    "one",
    "had",
    "by",
    "word",
    "but",
    "not",
    "what",
    "all",
    "were",
    "we",
    "when",
    "your",
    "can",
    "said",
    "there",
    "use",
    "an",
    "each",
    "which",
    "she",
    "do",
    "how",
    "their",
    "if",
    "will",
    "up",
    "other",
    "about",
    "out",
    "many",
    "then",
    "them",
    "these",
    "so",
    "some",
    "her",
    "would",
    "make",
    "like",
    "him",
    "into",
    "time",
    "has",
    "look",
    "two",
    "more",
    "write",
    "go",
    "see",
    "number",
    "no",
    "way",
    "could",
    "people",
    "my",
    "than",
    "first",
    "water",
    "been",
    "call",
    "who",
    "oil",
    "its",
    "now",
    "find",
    "long",
    "down",
    "day",
    "did",
    "get",
    "come",
    "made",
    "may",
    "part",
    "because",
    "function",
    "return",
    "value",
    "error",
    "server",
    "request",
    "response",
    "database",
    "query",
    "index",
    "memory",
    "thread",
    "async",
    "compile",
    "release",
    "version",
    "module",
    "install",
    "config",
    "example",
    "question",
    "answer",
    "model",
    "token",
    "context",
    "performance",
    "latency",
    "network",
    "cache",
    "string",
    "vector",
    "array",
    "object",
];
const CHINESE: &[&str] = &[
    "我们",
    "世界",
    "问题",
    "可以",
    "因为",
    "时间",
    "工作",
    "学习",
    "数据",
    "模型",
    "系统",
    "方法",
    "开发",
    "程序",
    "一个",
    "这个",
    "没有",
    "什么",
    "知道",
    "现在",
    "需要",
    "如果",
    "但是",
    "所以",
    "已经",
    "应该",
    "非常",
    "中国",
    "北京",
    "上海",
    "技术",
    "网络",
    "服务器",
    "数据库",
    "性能",
    "内存",
    "版本",
    "安装",
    "配置",
    "例子",
    "回答",
    "的",
    "了",
    "是",
    "在",
    "和",
    "有",
    "我",
    "你",
    "他",
    "不",
    "也",
    "就",
    "都",
    "很",
];
const JAPANESE: &[&str] = &[
    "私",
    "は",
    "です",
    "ます",
    "日本語",
    "機械",
    "学習",
    "データ",
    "モデル",
    "東京",
    "今日",
    "天気",
    "について",
    "説明",
    "します",
    "これ",
    "それ",
    "あれ",
    "の",
    "が",
    "を",
    "に",
    "で",
    "と",
    "も",
    "から",
    "まで",
    "サーバー",
    "データベース",
    "設定",
    "インストール",
    "バージョン",
    "問題",
    "方法",
    "時間",
    "言葉",
    "勉強",
    "仕事",
    "会社",
    "電車",
    "駅",
    "大学",
    "先生",
];
const CODE: &str = "\n\n```rust\nfn main() {\n    let items: Vec<u32> = (0..10).collect();\n    println!(\"{:?}\", items);\n}\n```\n\n";

#[derive(Clone, Copy)]
enum Language {
    English,
    Chinese,
    Japanese,
}

fn text(rng: &mut Rng, language: Language, chars: usize) -> String {
    let mut out = String::with_capacity(chars * 3);
    let mut count = 0;
    while count < chars {
        let (word, separator) = match language {
            Language::English => {
                if rng.chance(10_000) {
                    ("zephyrine", " ")
                } else if rng.chance(150) {
                    ("kubernetes", " ")
                } else if rng.chance(400) {
                    (CODE, "")
                } else {
                    (rng.pick(ENGLISH), if rng.chance(12) { ". " } else { " " })
                }
            }
            Language::Chinese => {
                if rng.chance(120) {
                    ("量子计算", "")
                } else {
                    (rng.pick(CHINESE), if rng.chance(10) { "，" } else { "" })
                }
            }
            Language::Japanese => {
                if rng.chance(120) {
                    ("機械学習", "")
                } else {
                    (rng.pick(JAPANESE), if rng.chance(10) { "。" } else { "" })
                }
            }
        };
        out.push_str(word);
        out.push_str(separator);
        count += word.chars().count() + separator.chars().count();
    }
    out
}

/// One conversation of about `size` messages in the export format.
fn conversation_json(rng: &mut Rng, number: usize, size: usize, base_time: i64) -> (String, usize) {
    let language = match rng.below(20) {
        0..=11 => Language::English,
        12..=16 => Language::Chinese,
        _ => Language::Japanese,
    };
    let mut messages = Vec::with_capacity(size);
    let mut parent: Option<String> = None;
    let mut time = base_time;
    let mut n = 0;
    while n < size {
        let user_id = format!("m{number}-{n}");
        let chars = 20 + rng.below(380);
        let user = text(rng, language, chars);
        messages.push(message_json(
            &user_id,
            parent.as_deref(),
            "user",
            &user,
            time,
        ));
        n += 1;
        time += 1_000;
        let regenerate = rng.chance(10) && n + 1 < size;
        let mut answer_id = String::new();
        for _ in 0..(1 + usize::from(regenerate)) {
            answer_id = format!("m{number}-{n}");
            let spread = rng.below(2_350) + 1;
            let chars = 150 + rng.below(spread);
            let answer = text(rng, language, chars);
            messages.push(message_json(
                &answer_id,
                Some(&user_id),
                "assistant",
                &answer,
                time,
            ));
            n += 1;
            time += 1_000;
        }
        parent = Some(answer_id);
    }
    let json = format!(
        "{{\"id\":\"c{number}\",\"title\":\"Conversation {number}\",\"created_at\":{base_time},\
         \"updated_at\":{time},\"target\":{{\"logical\":\"gpt-5\"}},\"current_leaf\":{},\
         \"messages\":[{}]}}",
        serde_json::to_string(&parent).expect("json"),
        messages.join(",")
    );
    (json, n)
}

fn message_json(id: &str, parent: Option<&str>, role: &str, content: &str, time: i64) -> String {
    format!(
        "{{\"id\":\"{id}\",\"parent_id\":{},\"role\":\"{role}\",\"created_at\":{time},\
         \"content\":{},\"status\":\"complete\",\"model\":\"gpt-5\"}}",
        serde_json::to_string(&parent).expect("json"),
        serde_json::to_string(content).expect("json")
    )
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("sb-store-bench")
}

/// The search database for this N, generated on first use.
fn search_db() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let n = message_count();
        let dir = bench_dir();
        let path = dir.join(format!("search-{n}-v{GENERATOR_VERSION}.sqlite"));
        let done = path.with_extension("done");
        if done.exists() {
            return path;
        }
        std::fs::create_dir_all(&dir).expect("bench dir");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let started = std::time::Instant::now();
        eprintln!("generating {n} messages in {} ...", path.display());
        let store = Store::open(&path).expect("open bench db");
        let mut rng = Rng(0x5EED);
        let mut written = 0;
        let mut number = 0;
        let mut time = 1_700_000_000_000i64;
        while written < n {
            let mut batch = Vec::new();
            let mut in_batch = 0;
            while in_batch < 5_000 && written + in_batch < n {
                let size = (2 + rng.below(39)).min(n - written - in_batch).max(1);
                let (json, count) = conversation_json(&mut rng, number, size, time);
                batch.push(json);
                in_batch += count;
                number += 1;
                time += 60_000;
            }
            let file = format!(
                "{{\"format\":\"switchboard-history\",\"version\":1,\"conversations\":[{}]}}",
                batch.join(",")
            );
            store.import_json(file.as_bytes()).expect("import batch");
            written += in_batch;
            if number % 5_000 < 300 {
                eprintln!("  {written} messages ({:.0?})", started.elapsed());
            }
        }
        drop(store);
        std::fs::write(&done, format!("{n}\n")).expect("marker");
        eprintln!("generated in {:.1?}", started.elapsed());
        path
    })
}

fn search_store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| Store::open(search_db()).expect("open"))
}

fn raw_connection() -> &'static std::sync::Mutex<rusqlite::Connection> {
    static CONN: OnceLock<std::sync::Mutex<rusqlite::Connection>> = OnceLock::new();
    CONN.get_or_init(|| {
        let conn = rusqlite::Connection::open(search_db()).expect("open raw");
        std::sync::Mutex::new(conn)
    })
}

#[divan::bench(args = QUERIES)]
fn search(bencher: divan::Bencher, query: &str) {
    let store = search_store();
    bencher.bench(|| {
        store
            .search(divan::black_box(query), LIMIT)
            .expect("search")
            .len()
    });
}

#[divan::bench(args = QUERIES)]
fn baseline_like_scan(bencher: divan::Bencher, query: &str) {
    let conn = raw_connection().lock().expect("lock");
    let pattern = format!("%{query}%");
    let mut statement = conn
        .prepare(
            "SELECT m.id, m.content FROM messages m WHERE m.content LIKE ?1 \
             ORDER BY m.seq DESC LIMIT 50",
        )
        .expect("prepare");
    bencher.bench_local(|| {
        statement
            .query_map([divan::black_box(&pattern)], |r| r.get::<_, String>(1))
            .expect("query")
            .count()
    });
}

/// Opening the search database: header and `quick_check` (reads the whole file), migrations,
/// the interrupted-answer sweep.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn open_existing(bencher: divan::Bencher) {
    let path = search_db();
    bencher.bench(|| Store::open(path).expect("open"));
}

const BRANCH_MESSAGES: usize = 10_000;

/// A store holding one 10,000-message conversation (every 10th answer regenerated once).
fn branch_store() -> &'static (Store, ConversationId) {
    static STORE: OnceLock<(Store, ConversationId)> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = bench_dir();
        std::fs::create_dir_all(&dir).expect("bench dir");
        let path = dir.join("branch.sqlite");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let store = Store::open(&path).expect("open");
        let mut rng = Rng(0xB4A9C);
        let (json, _) = conversation_json(&mut rng, 0, BRANCH_MESSAGES, 1_700_000_000_000);
        let file = format!(
            "{{\"format\":\"switchboard-history\",\"version\":1,\"conversations\":[{json}]}}"
        );
        store.import_json(file.as_bytes()).expect("import");
        let id = ConversationId::from("c0");
        let total = store.branch_page(&id, None, 1).expect("page").total;
        eprintln!("branch benchmark: {BRANCH_MESSAGES} messages, {total} in the branch shown");
        (store, id)
    })
}

#[divan::bench]
fn branch_last_screen_50(bencher: divan::Bencher) {
    let (store, id) = branch_store();
    bencher.bench(|| {
        store
            .branch_page(id, None, 50)
            .expect("page")
            .messages
            .len()
    });
}

#[divan::bench]
fn branch_first_screen_50(bencher: divan::Bencher) {
    let (store, id) = branch_store();
    bencher.bench(|| {
        store
            .branch_page(id, Some(50), 50)
            .expect("page")
            .messages
            .len()
    });
}

#[divan::bench(sample_count = 20)]
fn baseline_whole_branch(bencher: divan::Bencher) {
    let (store, id) = branch_store();
    bencher.bench(|| store.branch(id).expect("branch").len());
}

fn main() {
    divan::main();
}
