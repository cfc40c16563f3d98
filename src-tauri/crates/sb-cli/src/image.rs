//! `--image FILE`: the file becomes a `data:` URL attached to the question. The type is read
//! from the file's first bytes, not its name, and only the formats every vision model takes
//! are accepted.

use std::path::Path;

use sb_core::remote_image::{data_url, image_type};

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
    // Vision models take PNG, JPEG, GIF and WebP; AVIF (which the app may show) is not sent.
    let mime = image_type(&bytes)
        .filter(|mime| *mime != "image/avif")
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{name} is not a PNG, JPEG, GIF or WebP image (judged by its content)"
            ))
        })?;
    Ok(data_url(mime, &bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_four_formats_every_vision_model_takes_are_attached() {
        let dir = std::env::temp_dir().join(format!("sb-image-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let png = dir.join("a.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n....").expect("write");
        assert_eq!(
            load(&png).expect("a PNG"),
            "data:image/png;base64,iVBORw0KGgouLi4u"
        );
        let avif = dir.join("a.avif");
        std::fs::write(&avif, b"\0\0\0\x1cftypavif").expect("write");
        let wav = dir.join("a.webp");
        std::fs::write(&wav, b"RIFF\x10\0\0\0WAVEfmt ").expect("write");
        for refused in [avif, wav] {
            assert!(
                matches!(load(&refused), Err(CliError::Usage(m)) if m.contains("not a PNG")),
                "{} is refused by its content",
                refused.display()
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
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
