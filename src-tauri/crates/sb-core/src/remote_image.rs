//! Remote images in answers, fetched only when the user asks for them.
//!
//! The window never loads a remote URL itself (its CSP allows images only from the app and
//! `data:`): an answer's `![alt](https://…)` is a placeholder until the user allows it, and
//! then the image comes through here and reaches the window as a `data:` URL. The fetch sends
//! no cookies and no key, takes only raster formats recognised by their first bytes (never SVG,
//! which can carry script), and stops at [`MAX_IMAGE_BYTES`].

use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt;

use crate::error::CoreError;

/// The largest image fetched (an answer's picture, not a download).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// The whole fetch, connection to last byte.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Fetches the image at `url` (http or https) and returns it as a `data:image/…;base64,` URL.
pub async fn fetch_image(url: &str) -> Result<String, CoreError> {
    let parsed = reqwest::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            CoreError::InvalidInput(format!(
                "\"{url}\" is not a web address (http or https), so Switchboard will not load it."
            ))
        })?;
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let network = |what: String| {
        CoreError::Llm(sb_llm::LlmError::new(
            sb_llm::ErrorKind::Network,
            format!("The image at {host} could not be loaded: {what}"),
        ))
    };
    let proxy = sb_llm::proxy::ProxySettings::system()
        .map_err(|e| CoreError::InvalidInput(format!("The system proxy settings: {e}")))?;
    let builder = reqwest::Client::builder()
        .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
        .timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(5));
    let client = sb_llm::proxy::apply(builder, proxy, sb_llm::proxy::NoProxy::from_env())
        .build()
        .map_err(|e| CoreError::Storage(format!("Cannot start the HTTP client: {e}")))?;
    let response = client
        .get(parsed)
        .header(
            reqwest::header::ACCEPT,
            "image/avif,image/webp,image/png,image/jpeg,image/gif",
        )
        .send()
        .await
        .map_err(|e| network(without_url(e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(network(format!("the server answered {status}")));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_IMAGE_BYTES as u64)
    {
        return Err(too_large(&host));
    }
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| network(without_url(e)))?;
        if body.len() + chunk.len() > MAX_IMAGE_BYTES {
            return Err(too_large(&host));
        }
        body.extend_from_slice(&chunk);
    }
    let mime = image_type(&body).ok_or_else(|| {
        CoreError::InvalidInput(format!(
            "What {host} sent is not a PNG, JPEG, GIF, WebP or AVIF image, so it is not shown."
        ))
    })?;
    Ok(data_url(mime, &body))
}

fn too_large(host: &str) -> CoreError {
    CoreError::InvalidInput(format!(
        "The image at {host} is larger than {} MB, so it is not loaded.",
        MAX_IMAGE_BYTES / (1024 * 1024)
    ))
}

/// reqwest's message without the URL it appends (the host is named by the caller).
fn without_url(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The image type by its first bytes; `None` for anything else (SVG included).
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..12], b"avif" | b"avis")
    {
        Some("image/avif")
    } else {
        None
    }
}

/// `data:<mime>;base64,<bytes>`.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raster_formats_are_recognised_by_their_first_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a.."), Some("image/gif"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"\0\0\0\x1cftypavif"), Some("image/avif"));
        assert_eq!(
            image_type(b"RIFF\x10\0\0\0WAVEfmt "),
            None,
            "a WAV file is RIFF too"
        );
    }

    #[test]
    fn svg_html_and_empty_bodies_are_not_images() {
        assert_eq!(
            image_type(b"<svg xmlns='http://www.w3.org/2000/svg'>"),
            None
        );
        assert_eq!(image_type(b"<!DOCTYPE html><script>"), None);
        assert_eq!(image_type(b""), None);
    }

    #[test]
    fn data_urls_are_base64() {
        assert_eq!(
            data_url("image/gif", b"GIF89a"),
            "data:image/gif;base64,R0lGODlh"
        );
    }

    #[tokio::test]
    async fn only_web_addresses_are_fetched() {
        for url in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:image/png;base64,AA",
            "nonsense",
        ] {
            let error = fetch_image(url).await.expect_err(url);
            assert_eq!(error.code(), "invalid_input", "{url}: {error}");
        }
    }
}
