//! Web Push subscriptions: `GET /api/v1/push/key` (the server's public VAPID key, to subscribe
//! with), `POST /api/v1/push/subscriptions` (the browser's `PushSubscription`, as it gives it),
//! `GET` the list of your subscribed browsers, and `DELETE /api/v1/push/subscriptions/{id}`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::push::{Device, NewSubscription};
use crate::web::AppState;
use crate::web::error::ApiError;

#[derive(Debug, Object)]
struct PushKey {
    /// base64url of the server's VAPID public key (the 65-byte uncompressed P-256 point): the
    /// `applicationServerKey` to subscribe with.
    public_key: String,
}

/// The keys of a browser's subscription, base64url as `PushSubscription.toJSON()` gives them.
#[derive(Debug, Object)]
struct SubscriptionKeys {
    #[oai(validator(max_length = 200))]
    p256dh: String,
    #[oai(validator(max_length = 100))]
    auth: String,
}

/// A browser's `PushSubscription` as JSON; other fields it has (`expirationTime`) are ignored.
#[derive(Debug, Object)]
struct NewPushSubscription {
    /// The push service's URL for this browser: `https` on a public address.
    #[oai(validator(max_length = 2048))]
    endpoint: String,
    keys: SubscriptionKeys,
}

#[derive(Debug, Object)]
struct SubscriptionId {
    /// Names the subscription in `DELETE /push/subscriptions/{id}`.
    id: u64,
}

/// A subscribed browser.
#[derive(Debug, Object)]
struct SubscriptionView {
    id: u64,
    /// The browser and system, from its user agent: "Firefox on Android".
    device: String,
    /// The push service's host.
    service: String,
    /// Unix milliseconds.
    created_at: u64,
    /// Subscribed from this request's own session.
    current: bool,
}

impl From<Device> for SubscriptionView {
    fn from(device: Device) -> Self {
        SubscriptionView {
            id: device.id,
            device: device.name,
            service: device.service,
            created_at: device.created_at,
            current: device.this_session,
        }
    }
}

#[derive(Debug, Object)]
struct SubscriptionList {
    subscriptions: Vec<SubscriptionView>,
}

#[derive(ApiResponse)]
enum KeyResponse {
    #[oai(status = 200)]
    Ok(Json<PushKey>),
}

#[derive(ApiResponse)]
enum SubscribedResponse {
    /// Kept; the same browser again keeps one subscription, with its new keys.
    #[oai(status = 201)]
    Created(Json<SubscriptionId>),
}

#[derive(ApiResponse)]
enum ListResponse {
    #[oai(status = 200)]
    Ok(Json<SubscriptionList>),
}

#[derive(ApiResponse)]
enum RemovedResponse {
    /// Removed: that browser is notified no more.
    #[oai(status = 204)]
    Done,
}

pub struct PushApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl PushApi {
    /// The server's public VAPID key.
    #[oai(path = "/push/key", method = "get")]
    async fn key(&self, state: Data<&Arc<AppState>>) -> KeyResponse {
        KeyResponse::Ok(Json(PushKey {
            public_key: state.push.public_key().to_owned(),
        }))
    }

    /// Notify this browser while none of your pages is open. 400 `invalid_endpoint` for an
    /// endpoint that is not `https` on a public address, 400 `invalid_push_keys` for keys that
    /// are not a P-256 public key and a 16-byte secret, 409 `too_many_subscriptions` past 20
    /// browsers. Signing this session out ends the subscription.
    #[oai(path = "/push/subscriptions", method = "post")]
    async fn subscribe(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<NewPushSubscription>,
    ) -> Result<SubscribedResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let body = body.0;
        let new = NewSubscription {
            endpoint: body.endpoint,
            p256dh: body.keys.p256dh,
            auth: body.keys.auth,
        };
        let user_agent = crate::web::device(req).user_agent;
        let id = state.push.subscribe(&session, new, user_agent).await?;
        Ok(SubscribedResponse::Created(Json(SubscriptionId { id })))
    }

    /// Your subscribed browsers, oldest first.
    #[oai(path = "/push/subscriptions", method = "get")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
    ) -> Result<ListResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        let devices = state.push.devices(&session).await?;
        Ok(ListResponse::Ok(Json(SubscriptionList {
            subscriptions: devices.into_iter().map(SubscriptionView::from).collect(),
        })))
    }

    /// Stop notifying one of your browsers. 404 `subscription_not_found` for an id that is not
    /// one of yours.
    #[oai(path = "/push/subscriptions/:id", method = "delete")]
    async fn remove(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        #[oai(validator(minimum(value = "0"), maximum(value = "9007199254740991")))] id: Path<u64>,
    ) -> Result<RemovedResponse, ApiError> {
        let session = super::signed_in(&state, req).await?;
        state.push.unsubscribe(session.user.id, id.0).await?;
        Ok(RemovedResponse::Done)
    }
}
