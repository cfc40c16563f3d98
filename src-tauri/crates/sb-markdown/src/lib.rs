//! Model output is untrusted text. This crate turns it into HTML that is safe to put in the
//! window, in one go ([`render`]) or incrementally while it streams ([`StreamRenderer`]).
//!
//! - CommonMark plus tables, strikethrough, task lists, footnotes, GitHub alerts, bare
//!   `http(s)://` URLs as links, and math: `$…$` as `<span class="math-inline">` and a
//!   paragraph of only `$$…$$` as `<div class="math-display">` (elsewhere a
//!   `<span class="math-display">`), holding the escaped TeX for the UI to typeset.
//! - Fenced code as `<pre><code class="language-X" data-lang="X">` with `tok-*` highlighting
//!   classes; headings get ids `md-slug`, unique per document; footnotes link to `md-fn--N`.
//! - Raw HTML written by the model is shown as text (an HTML block as
//!   `<div class="raw-html">`). Links are live only for `http`, `https` and `mailto`, with
//!   `class="md-link"` and `rel="noopener noreferrer"`; other links keep only their text. Images
//!   are shown only from `data:image/{png,jpeg,gif,webp}`; a remote image becomes
//!   `<span class="remote-image" data-src=… data-alt=…>alt</span>` for the UI to load only if
//!   the user allows (fetching it would tell a third party the answer was read). Table
//!   alignment is a class (`align-left`...), never a `style`.
//! - Lists and block quotes nested deeper than 32 levels keep their content but lose their
//!   markup (HTML parsers spend quadratic time on deep nesting).
//! - Finally ammonia keeps only the elements, attributes, classes and URLs listed above.
#![deny(missing_docs)]

mod escape;
mod highlight;
mod ids;
mod linkify;
mod newlines;
mod region;
mod sanitize;
mod stream;
mod url;
mod writer;

pub use stream::{StreamRenderer, Update};
pub use url::is_live_link;

use ids::DocState;
use region::{render_region, Definitions};

/// Renders markdown to safe HTML (see the crate documentation for what it holds).
pub fn render(markdown: &str) -> String {
    render_region(
        &newlines::normalize(markdown),
        &mut DocState::default(),
        &Definitions::default(),
        false,
    )
    .html
}

/// The sanitizer pass alone, as `render` runs it on the writer's output (for the benchmark that
/// measures its share; not part of the API).
#[doc(hidden)]
pub fn sanitize_only(html: &str) -> String {
    sanitize::sanitize(html)
}

#[cfg(test)]
mod html_check;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod xss;
