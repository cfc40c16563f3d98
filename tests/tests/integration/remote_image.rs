//! Remote images the user allowed: fetched by the core (never by the window), returned as
//! `data:` URLs, and refused when they are not raster images or too large.

use sb_core::remote_image::{fetch_image, MAX_IMAGE_BYTES};
use sb_sim::{SimConfig, Simulator};

/// The smallest PNG: a 1x1 transparent pixel.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

#[tokio::test]
async fn an_allowed_image_arrives_as_a_data_url_and_anything_else_is_refused() {
    let sim = Simulator::start(SimConfig::default()).await.expect("sim");
    // The content type says PNG for all of them: only the bytes decide.
    let png = sim.serve_file("/p.png", "image/png", PIXEL);
    let svg = sim.serve_file(
        "/s.png",
        "image/png",
        &b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"[..],
    );
    let mut big = PIXEL.to_vec();
    big.resize(MAX_IMAGE_BYTES + 1, 0);
    let big = sim.serve_file("/big.png", "image/png", big);
    let missing = format!("http://{}/missing.png", sim.addr());

    let data = fetch_image(&png).await.expect("a PNG is fetched");
    assert!(
        data.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "the window gets the image inline: {data}"
    );

    let error = fetch_image(&svg).await.expect_err("SVG can carry script");
    assert_eq!(error.code(), "invalid_input", "{error}");
    assert!(error.to_string().contains("not a PNG"), "{error}");

    let error = fetch_image(&big).await.expect_err("over the size limit");
    assert!(error.to_string().contains("larger than 10 MB"), "{error}");

    let error = fetch_image(&missing).await.expect_err("a 404");
    assert_eq!(error.code(), "network", "{error}");
    assert!(
        error.to_string().contains("127.0.0.1") && error.to_string().contains("404"),
        "names the host and the status: {error}"
    );

    let requests = sim.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization").is_none() && r.header("cookie").is_none()),
        "an image fetch carries no key and no cookie"
    );
    sim.shutdown().await;
}
