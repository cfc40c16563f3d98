//! OpenAI's OpenAPI spec as JSON Schema validators: parsed once per test binary, with the two
//! request schemas compiled once.
//!
//! OpenAPI 3.1 schemas are JSON Schema 2020-12 plus annotations (`discriminator`, `example`,
//! `x-*`), which a validator ignores. Three adaptations make the check say what OpenAI's server
//! does, and are applied to every schema of the spec before compiling:
//!
//! - **Unknown properties are errors.** The spec never says `additionalProperties: false`, so as
//!   written it accepts any extra field, at the top level and in every nested object. OpenAI
//!   rejects them (`Unrecognized request argument supplied` / `Unknown parameter`), so every
//!   object schema gets `unevaluatedProperties: false` where all its properties are known: not
//!   on the parts of a composition (`allOf` members, `anyOf` / `oneOf` branches beside other
//!   properties), which refer to an open copy (`<name>__part`) of a named schema instead, and
//!   are closed by the schema that composes them. [`Spec::errors_as_written`] keeps the spec as
//!   written, to show the difference.
//! - **A discriminated `oneOf` is an `anyOf`.** OpenAPI picks the branch by the discriminator, but
//!   some branches overlap: a `{"type":"message","role":"user","content":[...]}` input item is
//!   both an `EasyInputMessage` and an `InputMessage`, which a strict `oneOf` rejects as
//!   ambiguous.
//! - **`nullable: true`** (an OpenAPI 3.0 keyword left in the spec) adds `"null"` to `type`.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, ValidationError, Validator};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Map, Value};

/// The spec, beside the repository (`shared/` sits next to it in CI too).
pub const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/reference/openai-openapi.yaml"
);

/// The request schemas the client's bodies are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `POST /chat/completions`.
    CreateChatCompletionRequest,
    /// `POST /responses`.
    CreateResponse,
}

impl Schema {
    fn pointer(self) -> &'static str {
        match self {
            Self::CreateChatCompletionRequest => "#/components/schemas/CreateChatCompletionRequest",
            Self::CreateResponse => "#/components/schemas/CreateResponse",
        }
    }
}

/// How long loading took.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Reading and parsing the YAML.
    pub parse: Duration,
    /// Adapting the schemas and compiling the validators.
    pub compile: Duration,
}

/// The compiled validators.
#[derive(Debug)]
pub struct Spec {
    chat: Validator,
    responses: Validator,
    responses_as_written: Validator,
    /// How long loading took.
    pub timings: Timings,
}

static SPEC: LazyLock<Spec> = LazyLock::new(Spec::load);

/// The spec, loaded on first use.
pub fn spec() -> &'static Spec {
    &SPEC
}

impl Spec {
    fn load() -> Self {
        let started = Instant::now();
        let text = std::fs::read_to_string(SPEC_PATH)
            .unwrap_or_else(|e| panic!("read the OpenAPI spec at {SPEC_PATH}: {e}"));
        let Yaml(document) = serde_yaml_ng::from_str(&text).expect("the OpenAPI spec is YAML");
        let parse = started.elapsed();

        let started = Instant::now();
        let components = document
            .get("components")
            .cloned()
            .expect("the spec has components");
        let responses_as_written = compile(&components, Schema::CreateResponse);
        let mut adapted = components;
        adapt_components(&mut adapted);
        let chat = compile(&adapted, Schema::CreateChatCompletionRequest);
        let responses = compile(&adapted, Schema::CreateResponse);
        let compile = started.elapsed();
        eprintln!("OpenAPI spec: parsed in {parse:?}, validators compiled in {compile:?}");
        Self {
            chat,
            responses,
            responses_as_written,
            timings: Timings { parse, compile },
        }
    }

    /// Every error of `body` against `schema` (adapted as the module doc says), one line each
    /// with the JSON pointer of the offending value; empty when the body is valid.
    pub fn errors(&self, schema: Schema, body: &Value) -> Vec<String> {
        let validator = match schema {
            Schema::CreateChatCompletionRequest => &self.chat,
            Schema::CreateResponse => &self.responses,
        };
        describe_all(validator, body)
    }

    /// Every error of `body` against `CreateResponse` exactly as the spec writes it.
    pub fn errors_as_written(&self, body: &Value) -> Vec<String> {
        describe_all(&self.responses_as_written, body)
    }

    /// Panics with the body and every error unless `body` is valid.
    pub fn assert_valid(&self, schema: Schema, body: &Value, case: impl fmt::Display) {
        let errors = self.errors(schema, body);
        assert!(
            errors.is_empty(),
            "{case}: the body does not validate against {schema:?}:\n{}\nbody: {}",
            errors.join("\n"),
            pretty(body)
        );
    }

    /// Panics unless `body` is invalid with an error that mentions `expected`.
    pub fn assert_invalid(&self, schema: Schema, body: &Value, expected: &str) {
        let errors = self.errors(schema, body);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{schema:?} must reject this body with an error mentioning {expected:?}; errors: {errors:#?}\nbody: {}",
            pretty(body)
        );
    }
}

fn compile(components: &Value, schema: Schema) -> Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": schema.pointer(),
        "components": components,
    });
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("compile {schema:?}: {e}"))
}

fn pretty(body: &Value) -> String {
    serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string())
}

// --- Reading YAML -------------------------------------------------------------------------

/// A YAML document as JSON. Unlike deserializing into [`Value`] directly, this accepts integers
/// beyond 64 bits (the spec's `seed.minimum` is −9223372036854776000), as floats, and mapping
/// keys that are not strings.
struct Yaml(Value);

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor).map(Yaml)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::from(v as f64))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::from(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Yaml::deserialize(deserializer).map(|Yaml(v)| v)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Yaml(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some((Yaml(key), Yaml(value))) = access.next_entry()? {
            let key = match key {
                Value::String(key) => key,
                other => other.to_string(),
            };
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

// --- Adapting the spec ---------------------------------------------------------------------

/// Applies the module doc's adaptations to every schema under `components.schemas`.
fn adapt_components(components: &mut Value) {
    let schemas = components
        .get_mut("schemas")
        .and_then(Value::as_object_mut)
        .expect("components.schemas");
    let originals = schemas.clone();
    let mut adapter = Adapter::default();
    for schema in schemas.values_mut() {
        adapter.adapt(schema, false);
    }
    // The open copies the composing schemas now refer to, and those they refer to in turn.
    let mut added = HashSet::new();
    while let Some(name) = adapter.parts.difference(&added).next().cloned() {
        let mut part = originals
            .get(&name)
            .cloned()
            .unwrap_or_else(|| panic!("$ref to a missing schema {name}"));
        adapter.adapt(&mut part, true);
        schemas.insert(format!("{name}{PART}"), part);
        added.insert(name);
    }
}

const SCHEMAS: &str = "#/components/schemas/";
/// The suffix of a named schema's open copy, for use as part of a composition.
const PART: &str = "__part";

/// Keywords whose value is one subschema.
const ONE_SCHEMA: [&str; 10] = [
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
];
/// Keywords whose value maps names to subschemas.
const SCHEMA_MAPS: [&str; 4] = [
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];

#[derive(Default)]
struct Adapter {
    /// The named schemas whose open copy is referred to.
    parts: HashSet<String>,
}

impl Adapter {
    /// Adapts one schema and its subschemas. An object schema is closed where its properties
    /// are all known: at a schema with its own `properties` or an `allOf`, unless `part` says it
    /// is itself part of a composition. The parts of a composition (its `allOf` members, and
    /// its `anyOf` / `oneOf` branches and `$ref` beside other properties) stay open, named
    /// schemas among them by referring to their open copy.
    fn adapt(&mut self, schema: &mut Value, part: bool) {
        let Value::Object(map) = schema else { return };

        if map.get("nullable") == Some(&Value::Bool(true)) {
            if let Some(Value::String(kind)) = map.get("type") {
                let kind = kind.clone();
                map.insert("type".into(), json!([kind, "null"]));
            }
        }
        if map.contains_key("discriminator") {
            if let Some(branches) = map.remove("oneOf") {
                map.insert("anyOf".into(), branches);
            }
        }

        let applicators = ["allOf", "anyOf", "oneOf", "$ref"]
            .iter()
            .filter(|k| map.contains_key(**k))
            .count();
        let composing =
            map.contains_key("properties") || map.contains_key("allOf") || applicators > 1;
        let open_ended = [
            "additionalProperties",
            "unevaluatedProperties",
            "patternProperties",
        ]
        .iter()
        .any(|k| map.contains_key(*k));
        if composing && !part && !open_ended {
            map.insert("unevaluatedProperties".into(), Value::Bool(false));
        }
        let parts_open = part || composing;
        if parts_open {
            if let Some(Value::String(target)) = map.get_mut("$ref") {
                if let Some(name) = target.strip_prefix(SCHEMAS) {
                    if !name.ends_with(PART) {
                        self.parts.insert(name.to_owned());
                        target.push_str(PART);
                    }
                }
            }
        }

        for keyword in ONE_SCHEMA {
            if let Some(sub) = map.get_mut(keyword) {
                self.adapt(sub, false);
            }
        }
        for (keyword, part) in [
            ("allOf", true),
            ("anyOf", parts_open),
            ("oneOf", parts_open),
        ] {
            if let Some(Value::Array(subs)) = map.get_mut(keyword) {
                subs.iter_mut().for_each(|s| self.adapt(s, part));
            }
        }
        if let Some(Value::Array(subs)) = map.get_mut("prefixItems") {
            subs.iter_mut().for_each(|s| self.adapt(s, false));
        }
        for keyword in SCHEMA_MAPS {
            if let Some(Value::Object(subs)) = map.get_mut(keyword) {
                subs.values_mut().for_each(|s| self.adapt(s, false));
            }
        }
    }
}

// --- Describing errors ---------------------------------------------------------------------

/// One line per error. A failed part of a composition also fails the `unevaluatedProperties`
/// of the object around it (a failed subschema's properties count as not evaluated); that error
/// only repeats the real one, so it is left out unless nothing else failed at or below it.
fn describe_all(validator: &Validator, body: &Value) -> Vec<String> {
    let errors: Vec<_> = validator.iter_errors(body).collect();
    let is_unevaluated = |e: &ValidationError<'_>| {
        matches!(e.kind(), ValidationErrorKind::UnevaluatedProperties { .. })
    };
    let mut lines = Vec::new();
    for error in &errors {
        if is_unevaluated(error) {
            let path = error.instance_path().as_str();
            let explained = errors.iter().any(|other| {
                !is_unevaluated(other) && other.instance_path().as_str().starts_with(path)
            });
            if explained {
                continue;
            }
        }
        describe(error, 0, &mut lines);
    }
    lines
}

/// One line for `error`; for a failed `anyOf` / `oneOf`, the errors of the branches that might
/// have been meant, indented below.
fn describe(error: &ValidationError<'_>, depth: usize, lines: &mut Vec<String>) {
    let path = error.instance_path().as_str();
    let mut message = error.to_string();
    if message.chars().count() > 240 {
        message = message.chars().take(240).collect::<String>() + "…";
    }
    let at = if path.is_empty() { "/" } else { path };
    lines.push(format!("{:indent$}{at}: {message}", "", indent = depth * 2));
    let context = match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context
        }
        _ => return,
    };
    for branch in meant_branches(context, path) {
        for inner in branch {
            describe(inner, depth + 1, lines);
        }
    }
}

/// The branches that were not ruled out at once by the value's type or its discriminator
/// (`type` or `role`); if every branch was, the one with the fewest errors.
fn meant_branches<'e>(
    context: &'e [Vec<ValidationError<'static>>],
    path: &str,
) -> Vec<&'e Vec<ValidationError<'static>>> {
    let discriminators = [format!("{path}/type"), format!("{path}/role")];
    let ruled_out = |branch: &Vec<ValidationError<'static>>| {
        branch.iter().any(|e| {
            let at = e.instance_path().as_str();
            match e.kind() {
                ValidationErrorKind::Type { .. } => at == path,
                ValidationErrorKind::Enum { .. } | ValidationErrorKind::Constant { .. } => {
                    discriminators.iter().any(|d| d == at)
                }
                _ => false,
            }
        })
    };
    let meant: Vec<_> = context.iter().filter(|b| !ruled_out(b)).collect();
    if meant.is_empty() {
        context.iter().min_by_key(|b| b.len()).into_iter().collect()
    } else {
        meant
    }
}

/// Removes `fields` from the top level of `body` and returns those that were there, in order.
pub fn remove_fields(body: &mut Value, fields: &[&'static str]) -> Vec<&'static str> {
    let map: &mut Map<String, Value> = body.as_object_mut().expect("a request body is an object");
    fields
        .iter()
        .copied()
        .filter(|field| map.remove(*field).is_some())
        .collect()
}
