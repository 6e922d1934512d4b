//! Shared fixture: a real confab server on 127.0.0.1:0 with a temporary data folder, an HTTP
//! client that signs people up, and a WebSocket client that speaks the chat protocol.

mod memory;
mod setup;
pub mod tls;

pub use memory::{KIB, MIB, memory, mib, reset_peak};
pub use setup::{
    action_and_target, audit_entries, direct_room, me, message_texts, open_dm, path_segment,
    private_room,
};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use confab::clock::{ManualClock, SharedClock, SystemClock};
use confab::config::ServeArgs;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Anything that serves confab on an address: the in-process server or the binary.
pub trait Target {
    fn addr(&self) -> SocketAddr;

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr(), path)
    }

    fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr())
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr())
    }
}

impl Target for TestServer {
    fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Target for Binary {
    fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Just an address, for tasks that talk to a server they do not own.
#[derive(Debug, Clone, Copy)]
pub struct Address(pub SocketAddr);

impl Target for Address {
    fn addr(&self) -> SocketAddr {
        self.0
    }
}

/// How long a test waits for anything before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// Every integration test runs in one process, several at a time. Tests that measure time or
/// put the machine under load hold this for their whole run, so that none of them measures
/// while another one loads the two cores.
pub async fn alone() -> tokio::sync::MutexGuard<'static, ()> {
    static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    ALONE.lock().await
}

/// A server running in this process.
pub struct TestServer {
    pub addr: SocketAddr,
    pub data: PathBuf,
    _dir: Option<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    pub config: ServeArgs,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(ServeArgs::default()).await
    }

    pub async fn start_with(config: ServeArgs) -> TestServer {
        let dir = TempDir::new().expect("temp dir");
        let data = dir.path().join("data");
        Self::launch(config, data, Some(dir), Arc::new(SystemClock)).await
    }

    pub async fn start_with_clock(config: ServeArgs, clock: ManualClock) -> TestServer {
        let dir = TempDir::new().expect("temp dir");
        let data = dir.path().join("data");
        Self::launch(config, data, Some(dir), Arc::new(clock)).await
    }

    /// A server on a copy of a database file (a fixture written by an earlier release).
    pub async fn start_on_copy_of(database: &Path, clock: ManualClock) -> TestServer {
        let dir = TempDir::new().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::copy(database, data.join(confab::store::DB_FILE)).expect("copy the database");
        Self::launch(ServeArgs::default(), data, Some(dir), Arc::new(clock)).await
    }

    /// A server whose disk fails when the returned switch says so.
    pub async fn start_with_faults(config: ServeArgs) -> (TestServer, confab::store::FaultSwitch) {
        let dir = TempDir::new().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let faults = confab::store::FaultSwitch::new();
        let store = confab::store::Store::open_with_faults(&data, faults.clone()).expect("store");
        let server =
            Self::launch_with(config, data, Some(dir), Arc::new(SystemClock), Some(store)).await;
        (server, faults)
    }

    async fn launch(
        config: ServeArgs,
        data: PathBuf,
        dir: Option<TempDir>,
        clock: SharedClock,
    ) -> TestServer {
        Self::launch_with(config, data, dir, clock, None).await
    }

    async fn launch_with(
        mut config: ServeArgs,
        data: PathBuf,
        dir: Option<TempDir>,
        clock: SharedClock,
        store: Option<confab::store::Store>,
    ) -> TestServer {
        config.data.dir = data.clone();
        let listener = confab::server::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let run_config = config.clone();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            let listeners = confab::server::Listeners {
                main: listener,
                redirect: None,
                metrics: confab::server::Listeners::bind_metrics(&run_config).await?,
            };
            let server = match store {
                Some(store) => {
                    confab::server::Server::start_with_store(listeners, &run_config, clock, store)
                        .await?
                }
                None => confab::server::Server::start(listeners, &run_config, clock).await?,
            };
            server.serve(shutdown).await
        });
        let server = TestServer {
            addr,
            data,
            _dir: dir,
            stop: Some(stop),
            task: Some(task),
            config,
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(resp) = client.get(self.url("/healthz")).send().await
                && resp.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("server did not become healthy");
    }

    /// Shuts down gracefully and waits until everything is stored and closed.
    pub async fn stop(mut self) -> (PathBuf, Option<TempDir>) {
        self.shutdown().await;
        (self.data.clone(), self._dir.take())
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("server stops within 30 s")
                .expect("server task")
                .expect("server ran without error");
        }
    }

    /// Stops and starts again on the same data folder (a new port).
    pub async fn restart(self) -> TestServer {
        let config = self.config.clone();
        let (data, dir) = self.stop().await;
        Self::launch(config, data, dir, Arc::new(SystemClock)).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A signed-in user: the cookie pair (`confab_session=…`) and the account.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub password: String,
    pub cookie: String,
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A form body as a browser encodes it.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v = percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC);
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// GETs `path` with a session cookie and returns the JSON answer, whatever its status.
pub async fn get_json(server: &impl Target, path: &str, cookie: &str) -> Value {
    http()
        .get(server.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Calls the JSON API as a signed-in user (no cookie: signed out); returns the status and the
/// JSON answer (null for an empty body).
pub async fn api(
    server: &impl Target,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http().request(method, server.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let resp = request.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// The median of timing samples (sorts them).
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// `name=value` from a Set-Cookie header.
pub fn cookie_pair(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("confab_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

pub async fn signup(server: &impl Target, name: &str) -> User {
    let password = format!("{name}-password");
    let resp = http()
        .post(server.url("/api/v1/auth/signup"))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        201,
        "signup of {name}: {:?}",
        resp.text().await
    );
    let cookie = cookie_pair(&resp).expect("session cookie");
    User {
        name: name.into(),
        password,
        cookie,
    }
}

pub async fn login(server: &impl Target, name: &str, password: &str) -> reqwest::Response {
    http()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap()
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A chat client on a WebSocket that has read its `hello` frame.
pub struct Chat {
    pub socket: Socket,
    /// The server's first frame: who this is and their rooms.
    pub hello: Value,
    /// Rooms joined by name (lower-cased) → their ids, from the `joined` answers.
    rooms: std::collections::HashMap<String, u64>,
}

/// Opens `/ws` with a cookie (and optionally an Origin); returns the HTTP error if refused.
pub async fn try_connect(
    server: &impl Target,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Chat, tungstenite::Error> {
    let mut request = server.ws_url().into_client_request().unwrap();
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", HeaderValue::from_str(cookie).unwrap());
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str(origin).unwrap());
    }
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Chat::greeted(socket).await
}

pub async fn connect(server: &impl Target, user: &User) -> Chat {
    try_connect(server, Some(&user.cookie), Some(&server.origin()))
        .await
        .expect("websocket connects")
}

/// A chat client whose socket buffers almost nothing, so a client that does not read fills
/// the server's outgoing queue quickly.
pub async fn connect_with_small_receive_buffer(server: &impl Target, user: &User) -> Chat {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(server.addr()).await.unwrap();
    let mut request = server.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", user.cookie.parse().unwrap());
    let (socket, _) =
        tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    Chat::greeted(socket).await.expect("the server says hello")
}

impl Chat {
    /// A client on a socket just opened: reads the `hello` the server sends first. A socket
    /// that closes before it is an error, not a panic (the server may be going down).
    pub async fn greeted(mut socket: Socket) -> Result<Chat, tungstenite::Error> {
        let hello = loop {
            match tokio::time::timeout(WAIT, socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    break serde_json::from_str::<Value>(text.as_str()).expect("JSON frame");
                }
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(Some(Err(err))) => return Err(err),
                _ => return Err(tungstenite::Error::ConnectionClosed),
            }
        };
        assert_eq!(hello["type"], "hello", "the first frame: {hello}");
        Ok(Chat {
            socket,
            hello,
            rooms: Default::default(),
        })
    }

    /// The id of a room this client joined by name.
    pub fn id(&self, room: &str) -> u64 {
        *self
            .rooms
            .get(&room.trim().to_lowercase())
            .unwrap_or_else(|| panic!("{room:?} was not joined by name on this socket"))
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("send frame");
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.socket.send(message).await.expect("send frame");
    }

    /// The next JSON frame (pings and pongs are skipped).
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a frame within the wait")
                .expect("socket open")
                .expect("frame readable");
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("JSON frame");
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Frames until one of type `kind` arrives; returns it and drops the others.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.recv().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// True if no frame arrives within `quiet`.
    pub async fn is_silent_for(&mut self, quiet: Duration) -> bool {
        tokio::time::timeout(quiet, self.socket.next())
            .await
            .is_err()
    }

    /// Joins a room by name and returns the `joined` answer.
    pub async fn join(&mut self, room: &str) -> Value {
        self.send(json!({"type": "join", "room": room})).await;
        self.joined(room).await
    }

    /// Joins a room by name, resuming after a sequence number.
    pub async fn join_since(&mut self, room: &str, since: u64) -> Value {
        self.send(json!({"type": "join", "room": room, "since": since}))
            .await;
        self.joined(room).await
    }

    async fn joined(&mut self, room: &str) -> Value {
        let joined = self.recv_type("joined").await;
        let id = joined["room_id"].as_u64().expect("joined has a room_id");
        self.rooms.insert(room.trim().to_lowercase(), id);
        joined
    }

    /// Joins a room by id and returns the `joined` answer.
    pub async fn join_id(&mut self, room_id: u64) -> Value {
        self.send(json!({"type": "join", "room_id": room_id})).await;
        self.recv_type("joined").await
    }

    /// Sends a message to a room joined by name and waits for its echo (the
    /// acknowledgement).
    pub async fn say(&mut self, room: &str, text: &str) -> Value {
        let room_id = self.id(room);
        let answer = self.say_in(room_id, text).await;
        assert_eq!(
            answer["type"], "message",
            "sending {text:?} failed: {answer}"
        );
        answer
    }

    /// Sends a message to a room followed on this socket; returns the answer that carries its
    /// `client_id`: the echo, or the `error` that refused it.
    pub async fn say_in(&mut self, room_id: u64, text: &str) -> Value {
        let client_id = format!("c-{}", rand_suffix());
        self.send(
            json!({"type": "send", "room_id": room_id, "text": text, "client_id": client_id}),
        )
        .await;
        loop {
            let frame = self.recv().await;
            if frame["client_id"] == client_id.as_str() {
                return frame;
            }
        }
    }

    /// Waits for the server to close the socket; returns the close code.
    pub async fn closed(&mut self) -> Option<CloseCode> {
        loop {
            match tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("the socket closes within the wait")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }
}

/// A loopback port that was free a moment ago (for servers whose port must be known before
/// they start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The real `confab` binary, started on a free port with a data folder.
pub struct Binary {
    pub child: tokio::process::Child,
    pub addr: SocketAddr,
    pub stderr_lines: Arc<std::sync::Mutex<Vec<String>>>,
}

pub fn binary_path() -> &'static str {
    env!("CARGO_BIN_EXE_confab")
}

/// Runs `confab ARGS` to completion within `limit`, feeding `stdin`.
pub async fn run_confab(args: &[&str], stdin: &str, limit: Duration) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(binary_path())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run confab");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    tokio::time::timeout(limit, child.wait_with_output())
        .await
        .expect("command finishes")
        .unwrap()
}

impl Binary {
    /// Starts `confab serve` on 127.0.0.1:0 and reads the URL it prints.
    pub async fn start(data: &Path, extra: &[&str]) -> Binary {
        let data = data.to_str().expect("UTF-8 path");
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--data", data];
        args.extend_from_slice(extra);
        Self::spawn(&args).await
    }

    /// Starts `confab ARGS`, waits for the URL line, and takes the address from it (a domain
    /// name in the URL stands for 127.0.0.1).
    pub async fn spawn(args: &[&str]) -> Binary {
        let mut child = tokio::process::Command::new(binary_path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start confab");
        let stderr = child.stderr.take().unwrap();
        let stderr_lines = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr_lines);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                sink.lock().unwrap().push(line);
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(WAIT, stdout.next_line())
            .await
            .expect("confab prints its URL")
            .unwrap()
            .unwrap_or_else(|| {
                panic!(
                    "no URL on stdout; stderr: {:?}",
                    stderr_lines.lock().unwrap()
                )
            });
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        let host_port = url.split("://").nth(1).unwrap().trim_end_matches('/');
        let addr = host_port.parse().unwrap_or_else(|_| {
            let port = host_port
                .rsplit(':')
                .next()
                .unwrap()
                .parse::<u16>()
                .expect("port in URL");
            SocketAddr::from(([127, 0, 0, 1], port))
        });
        Binary {
            child,
            addr,
            stderr_lines,
        }
    }

    /// Everything the server logged so far.
    pub fn logs(&self) -> String {
        self.stderr_lines.lock().unwrap().join("\n")
    }

    /// Sends SIGTERM and returns the exit code.
    pub async fn terminate(mut self) -> Option<i32> {
        let pid = self.child.id().expect("running") as i32;
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("exits within 30 s after SIGTERM")
            .unwrap();
        status.code()
    }
}

/// A form post as a browser on this site sends it.
pub async fn post_page(
    server: &TestServer,
    path: &str,
    pairs: &[(&str, &str)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = http()
        .post(server.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", server.origin())
        .header("sec-fetch-site", "same-origin")
        .body(form(pairs));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

/// GETs a page (with a session cookie, or signed out); returns its status and HTML.
pub async fn page(server: &TestServer, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut request = http().get(server.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let resp = request.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The usernames of a list of people as the server shows them (`[{"user_id","username",…}]`),
/// in their order.
pub fn usernames(people: &Value) -> Vec<&str> {
    people
        .as_array()
        .map(|people| {
            people
                .iter()
                .filter_map(|person| person["username"].as_str())
                .collect()
        })
        .unwrap_or_default()
}
