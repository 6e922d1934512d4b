//! Pictures people upload, made safe to show: the type is read from the bytes (never from the
//! name or the header the browser sent), the size and pixel count are checked before anything
//! is decoded, decoding runs under an allocation limit, and what is kept is always a fresh
//! encoding made here, so no metadata, script or second file inside the upload survives.
//!
//! - [`decode`] opens an upload, or says in words a person understands why it will not.
//! - [`encode`] crops square (an avatar) or fits within a box (a file's preview), scales, and
//!   writes the JPEG or PNG that is served.

mod decode;
mod encode;

use thiserror::Error;

pub use decode::{Format, decode, sniff};
pub use encode::{Encoded, Encoding, encode, fit, square};

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// The longest side accepted, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// What decoding may allocate: a 4096×4096 picture at 8 bits per channel with alpha. A
/// 16-bit or float picture that size is refused rather than held at twice or four times it.
pub const MAX_DECODED_BYTES: u64 = MAX_SIDE as u64 * MAX_SIDE as u64 * 4;

/// Why an upload is not taken; each says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImageError {
    #[error("The image is larger than 5 MiB; save it smaller and try again.")]
    TooLarge,
    #[error("The file is empty.")]
    Empty,
    #[error("SVG pictures are not accepted; upload a PNG, JPEG, WebP or GIF image.")]
    Svg,
    #[error("That is not a PNG, JPEG, WebP or GIF image.")]
    NotAnImage,
    #[error(
        "The image is {width}×{height} pixels; at most 4096×4096 are accepted. Save it smaller and try again."
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error(
        "The image would need too much memory to open; save it at 8 bits per channel, or smaller."
    )]
    TooMuchMemory,
    #[error(
        "The file carries web page code besides the picture; save the picture again on its own."
    )]
    CarriesMarkup,
    #[error("The image is damaged or cut short.")]
    Damaged,
}

#[cfg(test)]
mod tests;
