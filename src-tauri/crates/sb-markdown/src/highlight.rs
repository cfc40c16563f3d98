//! Syntax highlighting for fenced code: a small tokenizer per language family that wraps
//! keywords, strings, comments, numbers and the like in `<span class="tok-…">`, leaving colours
//! to the UI's CSS. Chosen over syntect (Sublime grammars), which added 54 s to a debug build and
//! 106 s to a release build on 2 cores and highlighted about 115 KB/s: the unfinished code block
//! of a streaming answer is highlighted again on every update, so speed matters more here than
//! grammar precision. Unknown languages are escaped without spans.

use crate::escape::escape_text;

/// Every class the highlighter emits (the sanitizer allows exactly these on `span`).
pub(crate) const TOKEN_CLASSES: [&str; 14] = [
    "tok-keyword",
    "tok-string",
    "tok-comment",
    "tok-number",
    "tok-literal",
    "tok-type",
    "tok-function",
    "tok-meta",
    "tok-property",
    "tok-variable",
    "tok-tag",
    "tok-attr",
    "tok-inserted",
    "tok-deleted",
];

/// A kind of token, one CSS class each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Keyword,
    String,
    Comment,
    Number,
    Literal,
    Type,
    Function,
    Meta,
    Property,
    Variable,
    Tag,
    Attr,
    Inserted,
    Deleted,
}

impl Token {
    fn class(self) -> &'static str {
        TOKEN_CLASSES[self as usize]
    }
}

/// How one family of languages is tokenized. Word lists are sorted (binary search; a test
/// checks) and lower-case when `case_insensitive`.
#[derive(Debug)]
struct Grammar {
    keywords: &'static [&'static str],
    literals: &'static [&'static str],
    types: &'static [&'static str],
    line_comments: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    quotes: &'static [u8],
    /// `"""` and `'''` strings (Python, TOML).
    triple_quotes: bool,
    case_insensitive: bool,
    /// Capitalized words are types (Rust, Java, ...).
    capitalized_types: bool,
    /// `$name` and `${...}` are variables (shells, PHP).
    dollar_variables: bool,
    /// `$` is part of identifiers (JavaScript).
    dollar_in_words: bool,
    /// `-` is part of identifiers (CSS, YAML, TOML).
    dash_in_words: bool,
    /// `@name` is an annotation or decorator.
    at_meta: bool,
    /// `#include` at the start of a line (C preprocessor).
    preprocessor: bool,
    /// `'a` is a lifetime unless it is a character literal (Rust).
    lifetimes: bool,
    /// `#[...]` attributes (Rust).
    hash_attributes: bool,
    /// A word followed by this byte is a property name (`key:` in YAML, `key =` in TOML).
    property_suffix: Option<u8>,
    /// A string followed by `:` is a property name (JSON).
    string_keys: bool,
}

const BASE: Grammar = Grammar {
    keywords: &[],
    literals: &[],
    types: &[],
    line_comments: &[],
    block_comment: None,
    quotes: b"\"'",
    triple_quotes: false,
    case_insensitive: false,
    capitalized_types: false,
    dollar_variables: false,
    dollar_in_words: false,
    dash_in_words: false,
    at_meta: false,
    preprocessor: false,
    lifetimes: false,
    hash_attributes: false,
    property_suffix: None,
    string_keys: false,
};

const C_COMMENTS: Grammar = Grammar {
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    ..BASE
};

#[rustfmt::skip] // word lists stay compact
const RUST: Grammar = Grammar {
    keywords: &[
        "Self", "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else",
        "enum", "extern", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "type",
        "unsafe", "use", "where", "while", "yield",
    ],
    literals: &["false", "true"],
    types: &[
        "bool", "char", "f32", "f64", "i128", "i16", "i32", "i64", "i8", "isize", "str", "u128",
        "u16", "u32", "u64", "u8", "usize",
    ],
    quotes: b"\"'",
    capitalized_types: true,
    lifetimes: true,
    hash_attributes: true,
    ..C_COMMENTS
};

#[rustfmt::skip] // word lists stay compact
const PYTHON: Grammar = Grammar {
    keywords: &[
        "and", "as", "assert", "async", "await", "break", "case", "class", "continue", "def",
        "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
        "is", "lambda", "match", "nonlocal", "not", "or", "pass", "raise", "return", "try",
        "while", "with", "yield",
    ],
    literals: &["False", "None", "True"],
    types: &[
        "bool", "bytes", "dict", "float", "int", "list", "object", "set", "str", "tuple", "type",
    ],
    line_comments: &["#"],
    triple_quotes: true,
    capitalized_types: true,
    at_meta: true,
    ..BASE
};

#[rustfmt::skip] // word lists stay compact
const JAVASCRIPT: Grammar = Grammar {
    keywords: &[
        "abstract", "as", "async", "await", "break", "case", "catch", "class", "const", "continue",
        "debugger", "declare", "default", "delete", "do", "else", "enum", "export", "extends",
        "finally", "for", "from", "function", "get", "if", "implements", "import", "in",
        "instanceof", "interface", "keyof", "let", "namespace", "new", "of", "private", "protected",
        "public", "readonly", "return", "set", "static", "super", "switch", "this", "throw", "try",
        "type", "typeof", "var", "void", "while", "with", "yield",
    ],
    literals: &["Infinity", "NaN", "false", "null", "true", "undefined"],
    types: &[
        "any", "bigint", "boolean", "never", "number", "object", "string", "symbol", "unknown",
    ],
    quotes: b"\"'`",
    capitalized_types: true,
    dollar_in_words: true,
    at_meta: true,
    ..C_COMMENTS
};

#[rustfmt::skip] // word lists stay compact
const C_FAMILY: Grammar = Grammar {
    keywords: &[
        "auto", "break", "case", "catch", "class", "const", "constexpr", "continue", "default",
        "delete", "do", "else", "enum", "explicit", "extern", "for", "friend", "goto", "if",
        "inline", "namespace", "new", "noexcept", "operator", "override", "private", "protected",
        "public", "register", "restrict", "return", "sizeof", "static", "static_cast", "struct",
        "switch", "template", "this", "throw", "try", "typedef", "typename", "union", "using",
        "virtual", "volatile", "while",
    ],
    literals: &["NULL", "false", "nullptr", "true"],
    types: &[
        "bool", "char", "double", "float", "int", "int16_t", "int32_t", "int64_t", "int8_t",
        "long", "short", "signed", "size_t", "uint16_t", "uint32_t", "uint64_t", "uint8_t",
        "unsigned", "void",
    ],
    preprocessor: true,
    ..C_COMMENTS
};

#[rustfmt::skip] // word lists stay compact
const GO: Grammar = Grammar {
    keywords: &[
        "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
        "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
        "return", "select", "struct", "switch", "type", "var",
    ],
    literals: &["false", "iota", "nil", "true"],
    types: &[
        "any", "bool", "byte", "complex128", "complex64", "error", "float32", "float64", "int",
        "int16", "int32", "int64", "int8", "rune", "string", "uint", "uint16", "uint32", "uint64",
        "uint8", "uintptr",
    ],
    quotes: b"\"'`",
    ..C_COMMENTS
};

#[rustfmt::skip] // word lists stay compact
const JVM: Grammar = Grammar {
    keywords: &[
        "abstract", "as", "assert", "async", "await", "base", "break", "case", "catch", "class",
        "companion", "const", "continue", "data", "default", "do", "else", "enum", "extends",
        "final", "finally", "for", "foreach", "fun", "func", "get", "guard", "if", "implements",
        "import", "in", "init", "instanceof", "interface", "internal", "is", "let", "namespace",
        "new", "object", "open", "override", "package", "private", "protected", "public",
        "readonly", "record", "return", "sealed", "set", "static", "struct", "super", "switch",
        "synchronized", "this", "throw", "throws", "try", "using", "val", "var", "virtual", "void",
        "when", "where", "while", "yield",
    ],
    literals: &["false", "nil", "null", "true"],
    types: &[
        "boolean", "byte", "char", "decimal", "double", "float", "int", "long", "short", "string",
    ],
    capitalized_types: true,
    at_meta: true,
    ..C_COMMENTS
};

#[rustfmt::skip] // word lists stay compact
const PHP: Grammar = Grammar {
    keywords: &[
        "abstract", "and", "as", "break", "case", "catch", "class", "const", "continue", "default",
        "do", "echo", "else", "elseif", "extends", "final", "finally", "fn", "for", "foreach",
        "function", "global", "if", "implements", "include", "instanceof", "interface", "match",
        "namespace", "new", "or", "private", "protected", "public", "require", "return", "static",
        "switch", "throw", "trait", "try", "use", "while", "yield",
    ],
    literals: &["false", "null", "true"],
    line_comments: &["//", "#"],
    dollar_variables: true,
    case_insensitive: true,
    ..C_COMMENTS
};

#[rustfmt::skip] // word lists stay compact
const RUBY: Grammar = Grammar {
    keywords: &[
        "alias", "and", "begin", "break", "case", "class", "def", "do", "else", "elsif", "end",
        "ensure", "for", "if", "in", "module", "next", "not", "or", "redo", "require", "rescue",
        "retry", "return", "self", "super", "then", "unless", "until", "when", "while", "yield",
    ],
    literals: &["false", "nil", "true"],
    line_comments: &["#"],
    capitalized_types: true,
    ..BASE
};

#[rustfmt::skip] // word lists stay compact
const SHELL: Grammar = Grammar {
    keywords: &[
        "case", "declare", "do", "done", "elif", "else", "esac", "eval", "exec", "exit", "export",
        "fi", "for", "function", "if", "in", "local", "readonly", "return", "select", "set",
        "shift", "source", "then", "trap", "unset", "until", "while",
    ],
    literals: &["false", "true"],
    line_comments: &["#"],
    dollar_variables: true,
    dash_in_words: true,
    ..BASE
};

#[rustfmt::skip] // word lists stay compact
const SQL: Grammar = Grammar {
    keywords: &[
        "add", "all", "alter", "and", "as", "asc", "begin", "between", "by", "cascade", "case",
        "check", "column", "commit", "constraint", "create", "default", "delete", "desc",
        "distinct", "drop", "else", "end", "exists", "foreign", "from", "full", "group", "having",
        "if", "in", "index", "inner", "insert", "into", "is", "join", "key", "left", "like",
        "limit", "not", "offset", "on", "or", "order", "outer", "primary", "references",
        "returning", "right", "rollback", "select", "set", "table", "then", "union", "unique",
        "update", "values", "view", "when", "where", "with",
    ],
    literals: &["false", "null", "true"],
    types: &[
        "bigint", "blob", "boolean", "char", "date", "decimal", "float", "int", "integer", "json",
        "jsonb", "numeric", "real", "serial", "smallint", "text", "timestamp", "varchar",
    ],
    line_comments: &["--"],
    block_comment: Some(("/*", "*/")),
    case_insensitive: true,
    ..BASE
};

#[rustfmt::skip] // word lists stay compact
const LUA: Grammar = Grammar {
    keywords: &[
        "and", "break", "do", "else", "elseif", "end", "for", "function", "goto", "if", "in",
        "local", "not", "or", "repeat", "return", "then", "until", "while",
    ],
    literals: &["false", "nil", "true"],
    line_comments: &["--"],
    block_comment: Some(("--[[", "]]")),
    ..BASE
};

const CSS: Grammar = Grammar {
    keywords: &["important"],
    block_comment: Some(("/*", "*/")),
    dash_in_words: true,
    at_meta: true,
    property_suffix: Some(b':'),
    ..BASE
};

const YAML: Grammar = Grammar {
    literals: &["false", "no", "null", "off", "on", "true", "yes"],
    line_comments: &["#"],
    dash_in_words: true,
    case_insensitive: true,
    property_suffix: Some(b':'),
    ..BASE
};

const TOML: Grammar = Grammar {
    literals: &["false", "true"],
    line_comments: &["#", ";"],
    triple_quotes: true,
    dash_in_words: true,
    property_suffix: Some(b'='),
    ..BASE
};

const JSON: Grammar = Grammar {
    literals: &["false", "null", "true"],
    string_keys: true,
    quotes: b"\"",
    ..C_COMMENTS
};

/// How a language is tokenized.
#[derive(Debug, Clone, Copy)]
enum Lexer {
    Code(&'static Grammar),
    Markup,
    Diff,
}

/// The lexer for a fence's language name (already restricted to `[A-Za-z0-9_+#.-]`).
fn lexer_for(lang: &str) -> Option<Lexer> {
    let lang = lang.to_ascii_lowercase();
    let grammar = match lang.as_str() {
        "rust" | "rs" => &RUST,
        "python" | "py" | "python3" | "py3" | "pyi" => &PYTHON,
        "javascript" | "js" | "jsx" | "mjs" | "cjs" | "typescript" | "ts" | "tsx" | "node" => {
            &JAVASCRIPT
        }
        "c" | "h" | "cpp" | "c++" | "cc" | "cxx" | "hpp" | "objc" | "cuda" => &C_FAMILY,
        "go" | "golang" => &GO,
        "java" | "kotlin" | "kt" | "kts" | "csharp" | "cs" | "c#" | "swift" | "scala" | "dart"
        | "groovy" => &JVM,
        "php" => &PHP,
        "ruby" | "rb" => &RUBY,
        "bash" | "sh" | "shell" | "zsh" | "console" | "shell-session" | "fish" | "ps1"
        | "powershell" | "dockerfile" | "makefile" | "make" => &SHELL,
        "sql" | "postgres" | "postgresql" | "mysql" | "sqlite" | "plsql" => &SQL,
        "lua" => &LUA,
        "css" | "scss" | "less" => &CSS,
        "yaml" | "yml" => &YAML,
        "toml" | "ini" | "cfg" | "conf" => &TOML,
        "json" | "jsonc" | "json5" | "jsonl" => &JSON,
        "html" | "xml" | "svg" | "xhtml" | "vue" | "svelte" | "plist" => {
            return Some(Lexer::Markup)
        }
        "diff" | "patch" => return Some(Lexer::Diff),
        _ => return None,
    };
    Some(Lexer::Code(grammar))
}

/// Appends `code` as escaped HTML, with token spans when `lang` is a known language.
pub(crate) fn highlight(lang: &str, code: &str, out: &mut String) {
    match lexer_for(lang) {
        Some(Lexer::Code(grammar)) => code_tokens(grammar, code, out),
        Some(Lexer::Markup) => markup_tokens(code, out),
        Some(Lexer::Diff) => diff_tokens(code, out),
        None => escape_text(out, code),
    }
}

fn emit(out: &mut String, token: Token, text: &str) {
    out.push_str("<span class=\"");
    out.push_str(token.class());
    out.push_str("\">");
    escape_text(out, text);
    out.push_str("</span>");
}

/// Whether byte `b` continues a word.
fn is_word_byte(grammar: &Grammar, b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || b == b'_'
        || b >= 0x80
        || (grammar.dollar_in_words && b == b'$')
        || (grammar.dash_in_words && b == b'-')
}

fn word_end(grammar: &Grammar, bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| !is_word_byte(grammar, b))
        .map_or(bytes.len(), |n| from + n)
}

/// The first byte after `from` that is not a space or tab.
fn next_non_blank(bytes: &[u8], from: usize) -> Option<u8> {
    bytes[from..]
        .iter()
        .copied()
        .find(|&b| b != b' ' && b != b'\t')
}

fn in_list(list: &[&str], word: &str, case_insensitive: bool) -> bool {
    if case_insensitive && word.bytes().any(|b| b.is_ascii_uppercase()) {
        list.binary_search(&word.to_ascii_lowercase().as_str())
            .is_ok()
    } else {
        list.binary_search(&word).is_ok()
    }
}

/// True when the `#` at `at` starts a comment: at the start of a line or after a blank, not
/// inside a word or after `$` or `{` (`$#`, `${#x}` in shells).
fn hash_starts_comment(bytes: &[u8], at: usize) -> bool {
    at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n' | b'\r' | b';')
}

/// True when only blanks precede `at` on its line.
fn at_line_start(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .all(|&b| b == b' ' || b == b'\t')
}

/// End of a string opened at `start` by `quote`: past the closing quote, or at the end of the
/// line (end of input for backtick strings).
fn string_end(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut j = start + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b if b == quote => return j + 1,
            b'\n' if quote != b'`' => return j,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// End of a Rust character literal starting at `start`, or `None` for a lifetime (`'a`).
fn char_literal_end(code: &str, start: usize) -> Option<usize> {
    let rest = &code[start + 1..];
    if let Some(escaped) = rest.strip_prefix('\\') {
        let close = escaped.find(['\'', '\n'])?;
        return (escaped.as_bytes()[close] == b'\'' && close <= 10).then_some(start + 3 + close);
    }
    let c = rest.chars().next()?;
    rest[c.len_utf8()..]
        .starts_with('\'')
        .then_some(start + 2 + c.len_utf8())
}

/// End of a number starting at `start`: digits, letters (hex, exponents, suffixes), `_`, and
/// one `.` followed by a digit (so `0..10` stays a range).
fn number_end(bytes: &[u8], start: usize) -> usize {
    let mut j = start;
    let mut dot = false;
    while j < bytes.len() {
        let b = bytes[j];
        if b.is_ascii_alphanumeric() || b == b'_' {
            j += 1;
        } else if b == b'.' && !dot && bytes.get(j + 1).is_some_and(u8::is_ascii_digit) {
            dot = true;
            j += 1;
        } else {
            break;
        }
    }
    j
}

fn classify_word(grammar: &Grammar, bytes: &[u8], word: &str, end: usize) -> Option<Token> {
    let ci = grammar.case_insensitive;
    if in_list(grammar.keywords, word, ci) {
        Some(Token::Keyword)
    } else if in_list(grammar.literals, word, ci) {
        Some(Token::Literal)
    } else if in_list(grammar.types, word, ci)
        || (grammar.capitalized_types && word.as_bytes()[0].is_ascii_uppercase())
    {
        Some(Token::Type)
    } else if grammar
        .property_suffix
        .is_some_and(|suffix| next_non_blank(bytes, end) == Some(suffix))
    {
        Some(Token::Property)
    } else if next_non_blank(bytes, end) == Some(b'(') {
        Some(Token::Function)
    } else {
        None
    }
}

/// The token starting at `i` and where it ends, or `None` for one byte of plain text.
fn next_token(grammar: &Grammar, code: &str, i: usize) -> Option<(Token, usize)> {
    let bytes = code.as_bytes();
    let rest = &code[i..];
    let b = bytes[i];
    if let Some((open, close)) = grammar.block_comment {
        if let Some(body) = rest.strip_prefix(open) {
            let end = body
                .find(close)
                .map_or(code.len(), |n| i + open.len() + n + close.len());
            return Some((Token::Comment, end));
        }
    }
    if grammar
        .line_comments
        .iter()
        .any(|m| rest.starts_with(m) && (*m != "#" || hash_starts_comment(bytes, i)))
    {
        return Some((
            Token::Comment,
            rest.find('\n').map_or(code.len(), |n| i + n),
        ));
    }
    if grammar.hash_attributes && (rest.starts_with("#[") || rest.starts_with("#![")) {
        let line = rest.find('\n').unwrap_or(rest.len());
        let end = rest[..line].rfind(']').map_or(line, |n| n + 1);
        return Some((Token::Meta, i + end));
    }
    if grammar.preprocessor && b == b'#' && at_line_start(bytes, i) {
        return Some((Token::Meta, word_end(grammar, bytes, i + 1)));
    }
    if grammar.quotes.contains(&b) {
        if grammar.triple_quotes && (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
            let end = rest[3..].find(&rest[..3]).map_or(code.len(), |n| i + 6 + n);
            return Some((Token::String, end));
        }
        if grammar.lifetimes && b == b'\'' {
            return char_literal_end(code, i).map(|end| (Token::String, end));
        }
        let end = string_end(bytes, i, b).min(code.len());
        let key = grammar.string_keys && next_non_blank(bytes, end) == Some(b':');
        return Some((if key { Token::Property } else { Token::String }, end));
    }
    if grammar.dollar_variables && b == b'$' {
        let end = if rest.starts_with("${") {
            rest.find('}').map_or(code.len(), |n| i + n + 1)
        } else {
            word_end(grammar, bytes, i + 1)
        };
        return (end > i + 1).then_some((Token::Variable, end));
    }
    if grammar.at_meta && b == b'@' {
        let end = word_end(grammar, bytes, i + 1);
        return (end > i + 1).then_some((Token::Meta, end));
    }
    if b.is_ascii_digit() {
        return Some((Token::Number, number_end(bytes, i)));
    }
    None
}

fn code_tokens(grammar: &Grammar, code: &str, out: &mut String) {
    let bytes = code.as_bytes();
    let mut i = 0;
    let mut plain = 0; // start of the pending run of plain text
    while i < bytes.len() {
        let b = bytes[i];
        let token = if is_word_byte(grammar, b) && !b.is_ascii_digit() && b != b'-' {
            let end = word_end(grammar, bytes, i);
            match classify_word(grammar, bytes, &code[i..end], end) {
                Some(token) => Some((token, end)),
                None => {
                    i = end; // a plain word stays in the pending plain run
                    continue;
                }
            }
        } else {
            next_token(grammar, code, i)
        };
        match token {
            Some((token, end)) => {
                escape_text(out, &code[plain..i]);
                emit(out, token, &code[i..end]);
                i = end;
                plain = end;
            }
            None => i = next_boundary(code, i + 1),
        }
    }
    escape_text(out, &code[plain..]);
}

/// The first char boundary at or after `at`.
fn next_boundary(code: &str, mut at: usize) -> usize {
    while at < code.len() && !code.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// HTML and XML: comments, tag names, attribute names and quoted values.
fn markup_tokens(code: &str, out: &mut String) {
    let bytes = code.as_bytes();
    let mut i = 0;
    let mut plain = 0;
    let mut in_tag = false;
    while i < bytes.len() {
        let rest = &code[i..];
        let token = if !in_tag && rest.starts_with("<!--") {
            Some((
                Token::Comment,
                rest.find("-->").map_or(code.len(), |n| i + n + 3),
            ))
        } else if !in_tag && bytes[i] == b'<' {
            let name = i + 1 + usize::from(matches!(bytes.get(i + 1), Some(b'/' | b'!' | b'?')));
            let end = bytes[name..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_')))
                .map_or(bytes.len(), |n| name + n);
            in_tag = end > name;
            in_tag.then_some((Token::Tag, end))
        } else if in_tag && bytes[i] == b'>' {
            in_tag = false;
            None
        } else if in_tag && (bytes[i] == b'"' || bytes[i] == b'\'') {
            let end = rest[1..].find(rest[..1].chars().next().unwrap_or('"'));
            Some((Token::String, end.map_or(code.len(), |n| i + n + 2)))
        } else if in_tag && bytes[i].is_ascii_alphabetic() {
            let end = bytes[i..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_')))
                .map_or(bytes.len(), |n| i + n);
            Some((Token::Attr, end))
        } else {
            None
        };
        match token {
            Some((token, end)) => {
                escape_text(out, &code[plain..i]);
                emit(out, token, &code[i..end]);
                i = end;
                plain = end;
            }
            None => i = next_boundary(code, i + 1),
        }
    }
    escape_text(out, &code[plain..]);
}

/// Unified diffs, line by line.
fn diff_tokens(code: &str, out: &mut String) {
    for line in code.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let token = if body.starts_with("+++") || body.starts_with("---") || body.starts_with("@@")
        {
            Some(Token::Meta)
        } else if body.starts_with('+') {
            Some(Token::Inserted)
        } else if body.starts_with('-') {
            Some(Token::Deleted)
        } else {
            None
        };
        match token {
            Some(token) if !body.is_empty() => emit(out, token, body),
            _ => escape_text(out, body),
        }
        out.push_str(&line[body.len()..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(lang: &str, code: &str) -> String {
        let mut out = String::new();
        highlight(lang, code, &mut out);
        out
    }

    fn all_grammars() -> [&'static Grammar; 16] {
        [
            &BASE,
            &C_COMMENTS,
            &RUST,
            &PYTHON,
            &JAVASCRIPT,
            &C_FAMILY,
            &GO,
            &JVM,
            &PHP,
            &RUBY,
            &SHELL,
            &SQL,
            &LUA,
            &CSS,
            &YAML,
            &TOML,
        ]
    }

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        for grammar in all_grammars().into_iter().chain([&JSON]) {
            for list in [grammar.keywords, grammar.literals, grammar.types] {
                assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
                if grammar.case_insensitive {
                    assert!(
                        list.iter().all(|w| w.to_ascii_lowercase() == *w),
                        "{list:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn rust_tokens() {
        let out = html(
            "rust",
            "fn main() { let x: u8 = 42; // hi\n    println!(\"{x}\"); }",
        );
        assert!(
            out.contains(r#"<span class="tok-keyword">fn</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-function">main</span>"#),
            "{out}"
        );
        assert!(out.contains(r#"<span class="tok-type">u8</span>"#), "{out}");
        assert!(
            out.contains(r#"<span class="tok-number">42</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-comment">// hi</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-string">"{x}"</span>"#),
            "{out}"
        );
    }

    #[test]
    fn rust_lifetimes_are_not_strings() {
        let out = html("rs", "fn f<'a>(x: &'a str) -> char { 'x' }");
        assert!(!out.contains("tok-string\">'a"), "{out}");
        assert!(
            out.contains(r#"<span class="tok-string">'x'</span>"#),
            "{out}"
        );
    }

    #[test]
    fn python_triple_quotes_and_comments() {
        let out = html(
            "py",
            "def f():\n    \"\"\"doc\nmore\"\"\"\n    return None # done\n",
        );
        assert!(
            out.contains("<span class=\"tok-string\">\"\"\"doc\nmore\"\"\"</span>"),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-literal">None</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-comment"># done</span>"#),
            "{out}"
        );
    }

    #[test]
    fn shell_variables_and_comments() {
        let out = html("bash", "echo \"$HOME\" ${#arr} # note\nexport X=1");
        assert!(
            out.contains(r#"<span class="tok-variable">${#arr}</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-comment"># note</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-keyword">export</span>"#),
            "{out}"
        );
    }

    #[test]
    fn sql_is_case_insensitive() {
        let out = html("sql", "SELECT id FROM t -- c");
        assert!(
            out.contains(r#"<span class="tok-keyword">SELECT</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-comment">-- c</span>"#),
            "{out}"
        );
    }

    #[test]
    fn json_keys_are_properties() {
        let out = html("json", r#"{"a": "b", "n": 1, "t": true}"#);
        assert!(
            out.contains(r#"<span class="tok-property">"a"</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-string">"b"</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-literal">true</span>"#),
            "{out}"
        );
    }

    #[test]
    fn markup_tags_attributes_and_comments() {
        let out = html("html", "<!-- c --><a href=\"x\">t</a>");
        assert!(
            out.contains(r#"<span class="tok-comment">&lt;!-- c --&gt;</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-tag">&lt;a</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-attr">href</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-tag">&lt;/a</span>"#),
            "{out}"
        );
    }

    #[test]
    fn diff_lines() {
        let out = html("diff", "@@ -1 +1 @@\n-old\n+new\n same\n");
        assert!(
            out.contains(r#"<span class="tok-deleted">-old</span>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<span class="tok-inserted">+new</span>"#),
            "{out}"
        );
    }

    #[test]
    fn unknown_languages_are_only_escaped() {
        assert_eq!(html("brainfuck", "<+>"), "&lt;+&gt;");
    }

    #[test]
    fn never_splits_characters_and_never_loses_text() {
        let samples = [
            "let 变量 = \"你好\"; // 注释 🎉\n'é' 'x",
            "\"unterminated 🎉",
            "/* open comment 你好",
            "#[attr 你\n#include <x>",
            "$ ${ @ 1.2.3 0x1F '\\",
            "<a b='🎉",
        ];
        for lang in [
            "rust", "python", "js", "c", "go", "java", "php", "ruby", "bash", "sql", "lua", "css",
            "yaml", "toml", "json", "html", "diff", "none",
        ] {
            for code in samples {
                let out = html(lang, code);
                let text = strip_tags(&out);
                let mut plain = String::new();
                escape_text(&mut plain, code);
                assert_eq!(text, plain, "{lang}: {code:?}");
            }
        }
    }

    fn strip_tags(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }
}
