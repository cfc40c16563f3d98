//! Images attached to a question, as the window sends them: `data:` URLs, checked before
//! anything is stored or sent, so a bad file is refused with a message that says which.

use base64::Engine as _;

use crate::error::CoreError;
use crate::remote_image::image_type;

/// Providers refuse larger images (OpenAI's limit is 20 MB per image).
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// More images than this in one question is almost certainly a mistake (and costly).
pub const MAX_ATTACHMENTS: usize = 10;

/// The types every vision model takes.
const TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Checks a question's images: at most [`MAX_ATTACHMENTS`], each a base64 `data:` URL of a
/// PNG, JPEG, GIF or WebP image (judged by its bytes, which must match the declared type) of
/// at most [`MAX_ATTACHMENT_BYTES`].
pub fn check_attachments(images: &[String]) -> Result<(), CoreError> {
    if images.len() > MAX_ATTACHMENTS {
        return Err(CoreError::InvalidInput(format!(
            "A message can carry at most {MAX_ATTACHMENTS} images; this one has {}.",
            images.len()
        )));
    }
    for (n, url) in images.iter().enumerate() {
        check_one(url).map_err(|problem| {
            CoreError::InvalidInput(format!("Image {} cannot be sent: {problem}", n + 1))
        })?;
    }
    Ok(())
}

fn check_one(url: &str) -> Result<(), String> {
    let (declared, data) = url
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .ok_or("it is not an image file read by Switchboard (a base64 data: URL).")?;
    if !TYPES.contains(&declared) {
        return Err(format!("{declared} is not a PNG, JPEG, GIF or WebP image."));
    }
    // Base64 grows data by a third: refuse before decoding a huge string.
    if data.len() / 4 * 3 > MAX_ATTACHMENT_BYTES + 3 {
        return Err(too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| "its data is damaged (not valid base64).".to_owned())?;
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(too_large());
    }
    match image_type(&bytes) {
        Some(actual) if actual == declared => Ok(()),
        Some(actual) => Err(format!("it says {declared} but holds {actual}.")),
        None => Err("its content is not a PNG, JPEG, GIF or WebP image.".into()),
    }
}

fn too_large() -> String {
    format!(
        "it is larger than {} MB, the most providers accept.",
        MAX_ATTACHMENT_BYTES / (1024 * 1024)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote_image::data_url;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000";

    #[test]
    fn real_images_pass() {
        let images = vec![
            data_url("image/png", PNG),
            data_url("image/gif", b"GIF89a.."),
        ];
        assert!(check_attachments(&images).is_ok());
    }

    #[test]
    fn each_refusal_names_the_image_and_the_reason() {
        let cases = [
            ("https://a.example/cat.png".to_owned(), "base64 data: URL"),
            (data_url("image/svg+xml", b"<svg/>"), "not a PNG"),
            ("data:image/png;base64,@@@".to_owned(), "damaged"),
            (data_url("image/jpeg", PNG), "holds image/png"),
            (data_url("image/png", b"hello"), "content is not"),
        ];
        for (url, reason) in cases {
            let error =
                check_attachments(&[data_url("image/png", PNG), url.clone()]).expect_err(&url);
            let text = error.to_string();
            assert!(
                text.starts_with("Image 2 cannot be sent") && text.contains(reason),
                "{text}"
            );
            assert_eq!(error.code(), "invalid_input");
        }
    }

    #[test]
    fn too_many_or_too_large_images_are_refused() {
        let many = vec![data_url("image/png", PNG); MAX_ATTACHMENTS + 1];
        assert!(check_attachments(&many).is_err());
        let mut big = PNG.to_vec();
        big.resize(MAX_ATTACHMENT_BYTES + 1, 0);
        let error = check_attachments(&[data_url("image/png", &big)]).expect_err("too large");
        assert!(error.to_string().contains("larger than 20 MB"), "{error}");
    }
}
