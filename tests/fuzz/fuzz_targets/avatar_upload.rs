//! Picture uploads (`make_avatar`, which runs `confab::images::decode`) on any bytes: they
//! never panic; what is accepted comes out as two square pictures, 256 and 64 pixels, that
//! decode again as the type their name says; what is refused says why in words.
#![no_main]

use confab::images::{Encoding, MAX_UPLOAD_BYTES, sniff};
use confab::people::avatar::make_avatar;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match make_avatar(7, data) {
        Ok(avatar) => {
            assert!(data.len() <= MAX_UPLOAD_BYTES);
            assert!(sniff(data).is_ok(), "accepted bytes of no known type");
            let encoding = avatar.large.encoding;
            assert_eq!(avatar.small.encoding, encoding);
            assert!(
                avatar.file.ends_with(&format!(".{}", encoding.extension())),
                "{}",
                avatar.file
            );
            for (picture, side) in [(&avatar.large, 256), (&avatar.small, 64)] {
                let format = match encoding {
                    Encoding::Jpeg => image::ImageFormat::Jpeg,
                    Encoding::Png => image::ImageFormat::Png,
                };
                let again = image::load_from_memory_with_format(&picture.bytes, format)
                    .expect("what is served decodes");
                assert_eq!((again.width(), again.height()), (side, side));
            }
        }
        Err(reason) => assert!(!reason.to_string().is_empty()),
    }
});
