//! `--image FILE`: the file becomes a `data:` URL attached to the question. The type is read
//! from the file's first bytes, not its name, and only the formats every vision model takes
//! are accepted.

use std::path::Path;

use crate::error::CliError;

/// Providers refuse larger images (OpenAI's limit is 20 MB per image); failing here saves
/// encoding and uploading a file only to have it rejected.
pub const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;

/// Reads `path` into a `data:<mime>;base64,...` URL.
pub fn load(path: &Path) -> Result<String, CliError> {
    let name = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read the image {name}: {e}")))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(CliError::Usage(format!(
            "the image {name} is {} MB; providers accept at most {} MB per image",
            bytes.len() / (1024 * 1024),
            MAX_IMAGE_BYTES / (1024 * 1024)
        )));
    }
    let mime = sniff(&bytes).ok_or_else(|| {
        CliError::Usage(format!(
            "{name} is not a PNG, JPEG, GIF or WebP image (judged by its content)"
        ))
    })?;
    Ok(data_url(mime, &bytes))
}

/// The MIME type from the file's magic bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// `data:<mime>;base64,<bytes>`.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", base64(bytes))
}

/// Standard base64 (RFC 4648, `+/`, padded): small enough not to need a crate.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        // A chunk of k bytes gives k + 1 characters, padded with '=' to four.
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 0x3F) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64(plain.as_bytes()), encoded, "base64({plain:?})");
        }
        assert_eq!(
            base64(&[0xFB, 0xFF, 0xBF]),
            "+/+/",
            "the last two alphabet characters"
        );
    }

    #[test]
    fn sniff_knows_the_four_formats_by_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a..."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff(b"RIFF\x10\0\0\0WAVEfmt "),
            None,
            "a WAV file is RIFF too"
        );
        assert_eq!(sniff(b"hello"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn missing_files_are_usage_errors_naming_the_file() {
        let error = load(Path::new("/nonexistent/cat.png")).expect_err("no such file");
        assert!(
            matches!(&error, CliError::Usage(m) if m.contains("/nonexistent/cat.png")),
            "{error:?}"
        );
    }
}
