use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

use super::*;

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// A 300×200 photo-like picture: a gradient, red on the left, blue on the right.
fn landscape() -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(300, 200, |x, y| {
        Rgb([
            (255 - x * 255 / 300) as u8,
            (y * 255 / 200) as u8,
            (x * 255 / 300) as u8,
        ])
    }))
}

#[test]
fn every_accepted_format_opens_and_is_cropped_square() {
    for format in [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::WebP,
        ImageFormat::Gif,
    ] {
        let bytes = encoded(&landscape(), format);
        let picture = decode(&bytes).unwrap_or_else(|err| panic!("{format:?}: {err}"));
        assert_eq!(
            (picture.width(), picture.height()),
            (300, 200),
            "{format:?}"
        );
        let small = square(&picture, 64);
        assert_eq!((small.width(), small.height()), (64, 64));
        let out = encode(&small, Encoding::for_image(&small));
        assert_eq!(out.encoding, Encoding::Jpeg, "an opaque picture is a JPEG");
        let again = image::load_from_memory(&out.bytes).unwrap();
        assert_eq!((again.width(), again.height()), (64, 64));
    }
}

#[test]
fn the_crop_keeps_the_middle() {
    // Red left third, green middle, blue right third: the square is the green.
    let wide = DynamicImage::ImageRgb8(RgbImage::from_fn(300, 100, |x, _| match x / 100 {
        0 => Rgb([255, 0, 0]),
        1 => Rgb([0, 255, 0]),
        _ => Rgb([0, 0, 255]),
    }));
    let middle = square(&wide, 32).to_rgb8();
    let centre = middle.get_pixel(16, 16);
    assert!(
        centre[1] > 200 && centre[0] < 40 && centre[2] < 40,
        "{centre:?}"
    );
}

#[test]
fn see_through_pictures_stay_png() {
    let mut pixels = RgbaImage::from_pixel(100, 100, Rgba([10, 20, 30, 255]));
    pixels.put_pixel(50, 50, Rgba([0, 0, 0, 0]));
    let picture = DynamicImage::ImageRgba8(pixels);
    assert_eq!(Encoding::for_image(&picture), Encoding::Png);
    let opaque = DynamicImage::ImageRgba8(RgbaImage::from_pixel(8, 8, Rgba([1, 2, 3, 255])));
    assert_eq!(Encoding::for_image(&opaque), Encoding::Jpeg);
}

#[test]
fn what_is_not_a_picture_is_named() {
    assert_eq!(sniff(b""), Err(ImageError::Empty));
    assert_eq!(sniff(b"hello"), Err(ImageError::NotAnImage));
    let svg = b"\xef\xbb\xbf <?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    assert_eq!(sniff(svg), Err(ImageError::Svg));
    assert_eq!(
        decode(b"<svg onload=alert(1)>").map(|_| ()),
        Err(ImageError::Svg)
    );
    assert_eq!(
        decode(b"BM\x00\x00 a bitmap").map(|_| ()),
        Err(ImageError::NotAnImage)
    );
}

#[test]
fn a_picture_with_a_page_inside_is_refused() {
    let mut bytes = encoded(&landscape(), ImageFormat::Png);
    assert!(decode(&bytes).is_ok());
    bytes.extend_from_slice(b"<HTML><body><Script>alert(document.cookie)</script>");
    assert_eq!(decode(&bytes).map(|_| ()), Err(ImageError::CarriesMarkup));
    let mut jpeg = encoded(&landscape(), ImageFormat::Jpeg);
    jpeg.extend_from_slice(b"<a href=\"JavaScript:alert(1)\">x</a>");
    assert_eq!(decode(&jpeg).map(|_| ()), Err(ImageError::CarriesMarkup));
}

#[test]
fn a_file_cut_short_is_damaged() {
    for format in [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::WebP,
        ImageFormat::Gif,
    ] {
        let bytes = encoded(&landscape(), format);
        for keep in [bytes.len() / 2, bytes.len() - 3] {
            assert_eq!(
                decode(&bytes[..keep]).map(|_| ()),
                Err(ImageError::Damaged),
                "{format:?} cut to {keep} of {}",
                bytes.len()
            );
        }
    }
}

/// A progressive JPEG whose scan runs out of bits mid-block (found by fuzzing) is refused as
/// damaged, not half-drawn and not a panic.
#[test]
fn a_progressive_scan_that_runs_out_of_bits_is_damaged() {
    let bytes = include_bytes!("../../tests/fuzz/seeds/avatar_upload/truncated-progressive.jpg");
    assert_eq!(decode(bytes).map(|_| ()), Err(ImageError::Damaged));
}

#[test]
fn pixel_count_and_depth_are_refused_from_the_header() {
    let huge = encoded(
        &DynamicImage::ImageLuma8(image::GrayImage::new(4097, 1)),
        ImageFormat::Png,
    );
    assert_eq!(
        decode(&huge).map(|_| ()),
        Err(ImageError::TooManyPixels {
            width: 4097,
            height: 1
        })
    );
    let deep = encoded(
        &DynamicImage::ImageRgba16(image::ImageBuffer::new(4096, 4096)),
        ImageFormat::Png,
    );
    assert!(deep.len() < MAX_UPLOAD_BYTES, "{}", deep.len());
    assert_eq!(decode(&deep).map(|_| ()), Err(ImageError::TooMuchMemory));
    assert_eq!(
        decode(&vec![0u8; MAX_UPLOAD_BYTES + 1]).map(|_| ()),
        Err(ImageError::TooLarge)
    );
}
