//! Writing what is served: a square crop from the middle, scaled with a Lanczos filter, encoded
//! afresh. Opaque pictures become JPEG (small, photographs are most avatars); a picture with
//! any transparency becomes PNG, which keeps it. Nothing of the upload's metadata is copied.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::{self, FilterType};
use image::{DynamicImage, GenericImageView, ImageBuffer, Pixel};

/// JPEG quality: no visible loss at avatar sizes, a quarter of the bytes of lossless.
const JPEG_QUALITY: u8 = 85;

/// How a picture is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Jpeg,
    Png,
}

impl Encoding {
    pub fn mime(self) -> &'static str {
        match self {
            Encoding::Jpeg => "image/jpeg",
            Encoding::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Jpeg => "jpg",
            Encoding::Png => "png",
        }
    }

    /// PNG when any pixel of `image` is see-through, JPEG otherwise.
    pub fn for_image(image: &DynamicImage) -> Encoding {
        let see_through =
            image.color().has_alpha() && image.to_rgba8().pixels().any(|pixel| pixel[3] < 255);
        if see_through {
            Encoding::Png
        } else {
            Encoding::Jpeg
        }
    }

    /// The encoding a file name ends with.
    pub fn from_extension(extension: &str) -> Option<Encoding> {
        match extension {
            "jpg" => Some(Encoding::Jpeg),
            "png" => Some(Encoding::Png),
            _ => None,
        }
    }
}

/// A picture as it is stored and served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub encoding: Encoding,
    pub bytes: Vec<u8>,
}

/// The middle square of `image`, scaled to `side`×`side`. It reads the decoded pixels in
/// place: the only new buffer is the small result.
pub fn square(image: &DynamicImage, side: u32) -> DynamicImage {
    match image {
        DynamicImage::ImageRgb8(pixels) => square_of(pixels, side).into(),
        DynamicImage::ImageRgba8(pixels) => square_of(pixels, side).into(),
        // Grey and deeper pictures are rare and were bounded at decoding: scale a colour copy
        // (one scaler per pixel type is code the binary carries).
        other if other.color().has_alpha() => square_of(&other.to_rgba8(), side).into(),
        other => square_of(&other.to_rgb8(), side).into(),
    }
}

fn square_of<I>(image: &I, side: u32) -> ImageBuffer<I::Pixel, Vec<<I::Pixel as Pixel>::Subpixel>>
where
    I: GenericImageView,
    I::Pixel: 'static,
{
    let (width, height) = image.dimensions();
    let edge = width.min(height);
    let middle = imageops::crop_imm(image, (width - edge) / 2, (height - edge) / 2, edge, edge);
    imageops::resize(&*middle, side, side, FilterType::Lanczos3)
}

/// `image` scaled down, keeping its shape, to fit within `width`×`height`; a picture that
/// fits already is returned as it is.
pub fn fit(image: &DynamicImage, width: u32, height: u32) -> DynamicImage {
    if image.width() <= width && image.height() <= height {
        return image.clone();
    }
    image.resize(width, height, FilterType::Triangle)
}

/// Encodes a (small) picture as `encoding` says.
pub fn encode(image: &DynamicImage, encoding: Encoding) -> Encoded {
    let mut bytes = Vec::new();
    let written = match encoding {
        Encoding::Png => image
            .to_rgba8()
            .write_with_encoder(PngEncoder::new(Cursor::new(&mut bytes))),
        Encoding::Jpeg => image
            .to_rgb8()
            .write_with_encoder(JpegEncoder::new_with_quality(
                Cursor::new(&mut bytes),
                JPEG_QUALITY,
            )),
    };
    // Encoding a valid in-memory buffer into memory has no failure left but a bug.
    written.expect("encoding pixels into memory");
    Encoded { encoding, bytes }
}
