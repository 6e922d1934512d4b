//! A room's outgoing webhooks: `/api/v1/rooms/{name}/webhooks`. Its owners (and the server's
//! admins where they moderate) make one with a URL, and optionally a bot whose mentions alone
//! are sent; the secret that signs every delivery is in the answer, the only time it is shown.
//! A signed-in browser only: a token cannot set up webhooks.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::names::RoomName;
use super::text::Text;
use crate::rooms::RoomRef;
use crate::web::AppState;
use crate::web::error::ApiError;
use crate::webhooks::WebhookInfo;

/// A webhook to make.
#[derive(Debug, Object)]
struct NewWebhook {
    /// Where to POST each message: an `https` URL on a public address (plain `http` and
    /// private addresses only where the server allows them).
    #[oai(validator(max_length = 2048))]
    url: Text,
    /// Send only the messages that mention this username (a bot's account); absent or null:
    /// every new message.
    #[oai(nullable, validator(max_length = 64))]
    mentions_of: Option<Text>,
}

/// A webhook as its room's owners see it: never its secret.
#[derive(Debug, Object)]
struct WebhookView {
    id: u64,
    url: String,
    /// Only messages that mention this username; null: every message.
    #[oai(nullable)]
    mentions_of: Option<String>,
    created_by: String,
    /// Unix milliseconds.
    created_at: u64,
    /// Sending: not stopped for failing.
    enabled: bool,
    /// Why it stopped sending; null while enabled.
    #[oai(nullable)]
    disabled_reason: Option<String>,
    /// Deliveries that failed in a row (after their retries).
    failures: u32,
    /// Unix milliseconds of the last delivery's end; null: none yet.
    #[oai(nullable)]
    last_delivery_at: Option<u64>,
    /// How it ended: the receiver's status (`200 OK`), or why it failed.
    #[oai(nullable)]
    last_result: Option<String>,
}

impl From<WebhookInfo> for WebhookView {
    fn from(info: WebhookInfo) -> Self {
        let (last_delivery_at, last_result) = info.last_delivery.unzip();
        WebhookView {
            id: info.id,
            url: info.url,
            mentions_of: info.mentions_of,
            created_by: info.created_by,
            created_at: info.created_at,
            enabled: info.disabled.is_none(),
            disabled_reason: info.disabled,
            failures: info.failures,
            last_delivery_at,
            last_result,
        }
    }
}

/// A new webhook and its secret.
#[derive(Debug, Object)]
struct MadeWebhook {
    webhook: WebhookView,
    /// The HMAC-SHA256 key (hex) of `X-Confab-Signature: sha256=<hex>`; shown this once.
    secret: String,
}

#[derive(Debug, Object)]
struct WebhookEnvelope {
    webhook: WebhookView,
}

#[derive(Debug, Object)]
struct WebhookList {
    /// Oldest first.
    webhooks: Vec<WebhookView>,
}

#[derive(ApiResponse)]
enum MadeResponse {
    #[oai(status = 201)]
    Created(Json<MadeWebhook>),
}

#[derive(ApiResponse)]
enum ListResponse {
    #[oai(status = 200)]
    Ok(Json<WebhookList>),
}

#[derive(ApiResponse)]
enum EnabledResponse {
    #[oai(status = 200)]
    Ok(Json<WebhookEnvelope>),
}

#[derive(ApiResponse)]
enum RemovedResponse {
    /// Removed: nothing more is sent to it.
    #[oai(status = 204)]
    Done,
}

pub struct WebhooksApi;

#[OpenApi(tag = "ApiTags::Rooms")]
impl WebhooksApi {
    /// Make a webhook: each new message of the room (or each that mentions `mentions_of`) is
    /// POSTed to `url` as `{"type":"message","message":M}`, signed. 400 `invalid_webhook_url`,
    /// 404 `user_not_found` for an unknown bot, 409 `too_many_webhooks` past 10. The room's
    /// owners, and admins where they moderate.
    #[oai(path = "/rooms/:name/webhooks", method = "post")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        body: Json<NewWebhook>,
    ) -> Result<MadeResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let NewWebhook { url, mentions_of } = body.0;
        let made = state
            .webhooks
            .create(
                session.actor(),
                RoomRef::Name(name.0.0),
                url.0,
                mentions_of.map(|name| name.0),
            )
            .await?;
        Ok(MadeResponse::Created(Json(MadeWebhook {
            webhook: made.webhook.into(),
            secret: made.secret,
        })))
    }

    /// The room's webhooks, with how their last delivery went; never their secrets.
    #[oai(path = "/rooms/:name/webhooks", method = "get")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
    ) -> Result<ListResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let webhooks = state
            .webhooks
            .list(session.actor(), RoomRef::Name(name.0.0))
            .await?;
        Ok(ListResponse::Ok(Json(WebhookList {
            webhooks: webhooks.into_iter().map(WebhookView::from).collect(),
        })))
    }

    /// Enable a webhook that stopped for failing; its count of failures starts again.
    #[oai(path = "/rooms/:name/webhooks/:id/enable", method = "post")]
    async fn enable(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
    ) -> Result<EnabledResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let webhook = state
            .webhooks
            .enable(session.actor(), RoomRef::Name(name.0.0), id.0)
            .await?;
        Ok(EnabledResponse::Ok(Json(WebhookEnvelope {
            webhook: webhook.into(),
        })))
    }

    /// Remove a webhook. 404 `webhook_not_found` for an id that is not the room's.
    #[oai(path = "/rooms/:name/webhooks/:id", method = "delete")]
    async fn remove(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// Room name, in any case.
        name: Path<RoomName>,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
    ) -> Result<RemovedResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        state
            .webhooks
            .remove(session.actor(), RoomRef::Name(name.0.0), id.0)
            .await?;
        Ok(RemovedResponse::Done)
    }
}
