//! `/avatars/SIDE/NAME`: the pictures people chose, to people who are signed in. A name
//! changes whenever the picture does, so each answer may be cached for a year; the type is
//! the one the server encoded, and `nosniff` (on every response) keeps browsers to it.

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::people::avatar::{LARGE, SMALL, file_encoding};
use crate::web::AppState;

/// Private: the picture is for signed-in eyes, so no shared cache keeps it.
const CACHE_CONTROL: &str = "private, max-age=31536000, immutable";

#[handler]
pub async fn serve_avatar(
    req: &Request,
    state: Data<&Arc<AppState>>,
    Path((side, file)): Path<(String, String)>,
) -> poem::Result<Response> {
    let nothing = || poem::Error::from_status(StatusCode::NOT_FOUND);
    match state.session(req).await {
        Ok(Some(_)) => {}
        Ok(None) => return Err(poem::Error::from_status(StatusCode::UNAUTHORIZED)),
        Err(_) => return Err(poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE)),
    }
    let side = match side.as_str() {
        "256" => LARGE,
        "64" => SMALL,
        _ => return Err(nothing()),
    };
    let encoding = file_encoding(&file).ok_or_else(nothing)?;
    let bytes = state
        .people
        .avatar_image(&file, side)
        .await
        .map_err(|_| poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE))?
        .ok_or_else(nothing)?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, encoding.mime())
        .header(header::CACHE_CONTROL, CACHE_CONTROL)
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::Encoding;

    #[test]
    fn only_names_the_server_makes_are_looked_up() {
        let stem = "0123456789abcdef0123456789abcdef";
        assert_eq!(file_encoding(&format!("{stem}.jpg")), Some(Encoding::Jpeg));
        assert_eq!(file_encoding(&format!("{stem}.png")), Some(Encoding::Png));
        for bad in [
            format!("{stem}.svg"),
            format!("{stem}.jpg.html"),
            format!("{}.jpg", stem.to_uppercase()),
            "../../confab.redb".to_owned(),
            stem.to_owned(),
            format!("{}.png", &stem[1..]),
        ] {
            assert_eq!(file_encoding(&bad), None, "{bad}");
        }
    }
}
