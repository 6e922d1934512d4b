//! The preview of an attached picture: decoded under the same limits as a profile picture
//! (`crate::images`), scaled to fit 1200×800, and encoded afresh, so what is shown inline
//! carries nothing of the upload but its pixels.

use crate::images::{self, Encoded, Encoding, Format, ImageError};

/// The largest preview, in pixels.
pub const MAX_WIDTH: u32 = 1200;
pub const MAX_HEIGHT: u32 = 800;

/// A picture read from an upload.
pub struct Preview {
    /// The upload's size in pixels.
    pub pixels: (u32, u32),
    pub encoded: Encoded,
    /// The preview's own size.
    pub width: u32,
    pub height: u32,
}

/// The format of an upload's first bytes, when it is a picture the server reads.
pub fn picture_format(head: &[u8]) -> Option<Format> {
    images::sniff(head).ok()
}

/// Reads a whole upload as a picture and makes its preview, or says why it cannot.
pub fn make(bytes: &[u8]) -> Result<Preview, ImageError> {
    let image = images::decode(bytes)?;
    let pixels = (image.width(), image.height());
    let fitted = images::fit(&image, MAX_WIDTH, MAX_HEIGHT);
    drop(image);
    let encoded = images::encode(&fitted, Encoding::for_image(&fitted));
    Ok(Preview {
        pixels,
        encoded,
        width: fitted.width(),
        height: fitted.height(),
    })
}
