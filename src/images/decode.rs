//! Opening an upload. The checks run cheapest first: the size, the type from the first bytes,
//! markup anywhere in the file, the dimensions from the header, then the end of the file, and
//! only then the pixels, under [`MAX_DECODED_BYTES`]. A small file that claims a huge picture
//! is refused from its header, before any pixel is allocated.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::{ImageError, MAX_DECODED_BYTES, MAX_SIDE, MAX_UPLOAD_BYTES};

/// The picture formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    WebP,
    Gif,
}

impl Format {
    fn image_format(self) -> ImageFormat {
        match self {
            Format::Png => ImageFormat::Png,
            Format::Jpeg => ImageFormat::Jpeg,
            Format::WebP => ImageFormat::WebP,
            Format::Gif => ImageFormat::Gif,
        }
    }
}

/// The format the bytes are, from their signature; an SVG (or any text) is named as such.
pub fn sniff(bytes: &[u8]) -> Result<Format, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(Format::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Ok(Format::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(Format::WebP)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Ok(Format::Gif)
    } else if looks_like_svg(bytes) {
        Err(ImageError::Svg)
    } else {
        Err(ImageError::NotAnImage)
    }
}

/// Text that opens with `<` (after a byte-order mark and white space) and names `svg` early.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else { return false };
    let head = &text[start..text.len().min(start + 4096)];
    head.first() == Some(&b'<') && contains_ignoring_case(head, b"<svg")
}

fn contains_ignoring_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// Tags and schemes a browser would act on. Each is long enough, or must be followed by a
/// delimiter, that compressed pixel data holds one by chance about once in ten thousand
/// uploads of the largest size; a real picture has no reason to.
const MARKUP: &[&[u8]] = &[
    b"<script",
    b"<html",
    b"<!doctype",
    b"<iframe",
    b"<body",
    b"<svg",
    b"<img",
    b"<object",
    b"<embed",
    b"<?php",
    b"<meta",
];

/// Whether the file holds web page code anywhere: appended after the picture's end, in a
/// comment or text chunk, or in its metadata. Such a polyglot is refused outright, even
/// though only a re-encoding is ever served.
fn carries_markup(bytes: &[u8]) -> bool {
    let tag = |at: usize| {
        MARKUP.iter().any(|sign| {
            let end = at + sign.len();
            end < bytes.len()
                && bytes[at..end].eq_ignore_ascii_case(sign)
                && matches!(bytes[end], b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/')
        })
    };
    let scheme = |at: usize| {
        bytes
            .get(at..at + 11)
            .is_some_and(|word| word.eq_ignore_ascii_case(b"javascript:"))
    };
    bytes.iter().enumerate().any(|(at, &byte)| match byte {
        b'<' => tag(at),
        b'j' | b'J' => scheme(at),
        _ => false,
    })
}

/// Whether the file reaches the end its format needs. Decoders fill a cut-short JPEG with
/// grey and keep going; a picture that is half missing is better refused.
fn is_complete(format: Format, bytes: &[u8]) -> bool {
    match format {
        Format::Png => bytes.windows(8).any(|w| w == b"IEND\xae\x42\x60\x82"),
        Format::Jpeg => jpeg_scan_start(bytes)
            .is_some_and(|scan| bytes[scan..].windows(2).any(|w| w == [0xff, 0xd9])),
        Format::WebP => {
            let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            bytes.len() as u64 >= u64::from(declared) + 8
        }
        // The trailer byte; what may follow it was checked for markup.
        Format::Gif => gif_ends_with_trailer(bytes),
    }
}

/// Where the main picture's compressed data starts: past every marker segment (each says its
/// length, so a thumbnail inside the metadata is skipped whole) up to the first scan.
fn jpeg_scan_start(bytes: &[u8]) -> Option<usize> {
    let mut at = 2;
    loop {
        let marker = bytes.get(at..at + 2)?;
        if marker[0] != 0xff {
            return None;
        }
        // Fill bytes, and the markers that have no length.
        if marker[1] == 0xff {
            at += 1;
            continue;
        }
        if matches!(marker[1], 0x01 | 0xd0..=0xd7) {
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let next = at + 2 + length;
        if marker[1] == 0xda {
            return (next <= bytes.len()).then_some(next);
        }
        at = next;
    }
}

/// A GIF ends with its trailer byte, possibly followed by padding zeros.
fn gif_ends_with_trailer(bytes: &[u8]) -> bool {
    bytes.iter().rev().find(|&&b| b != 0) == Some(&0x3b)
}

/// Opens an upload: the picture upright (as its orientation tag says), or why not.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = sniff(bytes)?;
    if carries_markup(bytes) {
        return Err(ImageError::CarriesMarkup);
    }
    // The sides are checked below, from the header, so the refusal can name them.
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format.image_format());
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Damaged);
    }
    if decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(ImageError::TooMuchMemory);
    }
    if !is_complete(format, bytes) {
        return Err(ImageError::Damaged);
    }
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// What a decoder's complaint means for the person uploading.
fn refusal(error: image::ImageError) -> ImageError {
    match error {
        image::ImageError::Limits(_) => ImageError::TooMuchMemory,
        image::ImageError::Unsupported(_) => ImageError::NotAnImage,
        _ => ImageError::Damaged,
    }
}
