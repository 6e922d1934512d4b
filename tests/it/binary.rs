//! The real `confab` binary: start-up, errors, signals, restarts and the operator commands.

use std::process::{Output, Stdio};

use crate::common::*;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Runs `confab ARGS` to completion, feeding `stdin`.
async fn run(args: &[&str], stdin: &str) -> Output {
    run_confab(args, stdin, WAIT * 3).await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn version_names_the_release_and_the_revision() {
    let out = run(&["--version"], "").await;
    assert!(out.status.success());
    let line = text(&out.stdout);
    assert!(
        line.starts_with(&format!("confab {} (", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
}

#[tokio::test]
async fn with_no_data_flag_the_data_folder_is_created_beside_it_and_the_url_printed() {
    let dir = TempDir::new().unwrap();
    let mut child = tokio::process::Command::new(binary_path())
        .args(["--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("CONFAB_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(
        WAIT,
        tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut line),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(line.contains("http://127.0.0.1:"), "{line}");
    assert!(dir.path().join("confab-data").join("confab.redb").exists());
    child.kill().await.unwrap();
}

#[tokio::test]
async fn a_port_in_use_is_one_clear_line_and_a_failure() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("d");
    let out = run(&["--listen", &addr, "--data", data.to_str().unwrap()], "").await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(&addr) && err.contains("--listen"), "{err}");
}

#[tokio::test]
async fn an_unusable_data_folder_is_one_clear_line_and_a_failure() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let data = file.join("data");
    let out = run(
        &["--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()],
        "",
    )
    .await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("data folder") && err.contains("--data"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_flags_are_refused_with_a_message() {
    let out = run(&["--ws-send-rate", "lots"], "").await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("BURST/INTERVAL"));
}

#[tokio::test]
async fn sigterm_closes_sockets_with_1001_exits_0_and_a_restart_keeps_history_and_sessions() {
    let dir = TempDir::new().unwrap();
    let server = Binary::start(dir.path(), &[]).await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("r").await;
    let mut acked = Vec::new();
    for i in 0..15 {
        acked.push(
            chat.say("r", &format!("message {i}")).await["id"]
                .as_u64()
                .unwrap(),
        );
    }
    let exit = tokio::spawn(server.terminate());
    assert_eq!(chat.closed().await, Some(CloseCode::Away));
    assert_eq!(exit.await.unwrap(), Some(0), "graceful shutdown exits 0");

    let server = Binary::start(dir.path(), &[]).await;
    let me = http()
        .get(server.url("/api/v1/me"))
        .header("cookie", &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the session survived the restart");
    let mut chat = connect(&server, &alice).await;
    let joined = chat.join("r").await;
    let ids: Vec<u64> = joined["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, acked);
    let next = chat.say("r", "after restart").await;
    assert_eq!(
        next["id"].as_u64().unwrap(),
        acked.last().unwrap() + 1,
        "ids are never reused"
    );
    assert_eq!(server.terminate().await, Some(0));
}

/// `systemctl reload` sends SIGHUP: a server without certificate files has nothing to reload,
/// and goes on serving, its sockets open.
#[tokio::test]
async fn sighup_reloads_nothing_and_stops_nothing() {
    let dir = TempDir::new().unwrap();
    let server = Binary::start(dir.path(), &[]).await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("r").await;
    let pid = server.child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let started = std::time::Instant::now();
    while !server.logs().contains("SIGHUP") {
        assert!(
            started.elapsed() < WAIT,
            "the hangup is logged: {}",
            server.logs()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(chat.say("r", "still here").await["text"], "still here");
    assert_eq!(
        server.terminate().await,
        Some(0),
        "and stops as ever on SIGTERM"
    );
}

#[tokio::test]
async fn environment_variables_configure_the_server() {
    let dir = TempDir::new().unwrap();
    let mut child = tokio::process::Command::new(binary_path())
        .env("CONFAB_LISTEN", "127.0.0.1:0")
        .env("CONFAB_DATA", dir.path())
        .env("CONFAB_OPEN_SIGNUP", "false")
        .env("CONFAB_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut line)
        .await
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let resp = http()
        .post(format!("{url}api/v1/auth/signup"))
        .json(&json!({"username": "zed", "password": "password zed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    child.kill().await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    let first_log = text(&out.stderr).lines().next().unwrap_or("").to_owned();
    assert!(
        serde_json::from_str::<Value>(&first_log).is_ok(),
        "JSON logs: {first_log}"
    );
}

#[tokio::test]
async fn operator_commands_work_with_the_server_stopped_and_running() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().to_str().unwrap();

    // Stopped: straight into the data folder.
    let out = run(
        &["user", "add", "admin", "--password-stdin", "--data", data],
        "admin password\n",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("created user admin (id 1), an admin"),
        "the first account is the admin: {}",
        text(&out.stdout)
    );
    let out = run(
        &["user", "add", "ADMIN", "--password-stdin", "--data", data],
        "other password\n",
    )
    .await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("taken"), "{}", text(&out.stderr));
    let out = run(
        &["user", "add", "x", "--password-stdin", "--data", data],
        "short\n",
    )
    .await;
    assert!(!out.status.success());
    let out = run(
        &[
            "user",
            "reset-link",
            "admin",
            "--url",
            "https://chat.example.com/",
            "--data",
            data,
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\nhttps://chat.example.com/reset/"),
        "{}",
        text(&out.stdout)
    );

    // Running: through the control socket, with live effects.
    let server = Binary::start(dir.path(), &["--open-signup", "false"]).await;
    let resp = login(&server, "admin", "admin password").await;
    assert_eq!(resp.status(), 200);
    let admin = User {
        name: "admin".into(),
        password: "admin password".into(),
        cookie: cookie_pair(&resp).unwrap(),
    };
    let out = run(
        &["user", "add", "bea", "--password-stdin", "--data", data],
        "bea password\n",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bea = User {
        name: "bea".into(),
        password: "bea password".into(),
        cookie: cookie_pair(&login(&server, "bea", "bea password").await).unwrap(),
    };
    let out = run(&["user", "list", "--data", data], "").await;
    let listing = text(&out.stdout);
    assert!(
        listing.contains("admin") && listing.contains("bea") && listing.contains("active"),
        "{listing}"
    );
    let role = |listing: &str, name: &str| {
        let row = listing
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name));
        row.and_then(|l| l.split_whitespace().last())
            .map(str::to_owned)
    };
    assert_eq!(
        role(&listing, "bea").as_deref(),
        Some("member"),
        "{listing}"
    );

    // Roles: the last admin stays; another is made first, over the control socket.
    let out = run(&["user", "demote", "admin", "--data", data], "").await;
    assert!(!out.status.success(), "the last admin cannot be demoted");
    assert!(
        text(&out.stderr).contains("no admin left"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["user", "promote", "bea", "--data", data], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        get_json(&server, "/api/v1/me", &bea.cookie).await["user"]["admin"],
        true
    );
    let out = run(&["user", "demote", "admin", "--data", data], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&run(&["user", "list", "--data", data], "").await.stdout);
    assert_eq!(
        role(&listing, "admin").as_deref(),
        Some("member"),
        "{listing}"
    );
    assert_eq!(role(&listing, "bea").as_deref(), Some("admin"), "{listing}");
    let out = run(&["user", "promote", "nobody", "--data", data], "").await;
    assert!(!out.status.success(), "no such account");
    let out = run(&["user", "promote", "admin", "--data", data], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let mut chat = connect(&server, &admin).await;
    chat.join("ops").await;
    for i in 0..10 {
        chat.say("ops", &format!("note {i}")).await;
    }
    let backup = dir.path().join("confab.backup");
    let out = run(&["backup", backup.to_str().unwrap(), "--data", data], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(backup.exists());

    let mut bea_chat = connect(&server, &bea).await;
    bea_chat.join("ops").await;
    let out = run(&["user", "disable", "bea", "--data", data], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(bea_chat.closed().await, Some(CloseCode::Library(4001)));
    assert_eq!(login(&server, "bea", "bea password").await.status(), 403);
    let out = run(&["user", "enable", "bea", "--data", data], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(login(&server, "bea", "bea password").await.status(), 200);

    // Every one of those commands is in the audit log, in order, as the operator's.
    let entries = audit_entries(&server, &admin).await;
    let done: Vec<String> = entries.iter().map(action_and_target).collect();
    assert_eq!(
        done,
        [
            "user.add admin",
            "user.sign_in_link admin",
            "user.add bea",
            "user.promote bea",
            "user.demote admin",
            "user.promote admin",
            "user.disable bea",
            "user.enable bea",
        ],
    );
    assert!(
        entries
            .iter()
            .all(|e| e["by"] == "operator" && e["from"] == "command line" && e["by_id"].is_null()),
        "{entries:?}"
    );

    let out = run(
        &[
            "user",
            "reset-password",
            "admin",
            "--password-stdin",
            "--data",
            data,
        ],
        "new admin password\n",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(chat.closed().await, Some(CloseCode::Library(4001)));
    assert_eq!(
        login(&server, "admin", "new admin password").await.status(),
        200
    );

    // A sign-in link names the running server's own address; it works in a browser.
    let out = run(&["user", "reset-link", "bea", "--data", data], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let link = printed
        .lines()
        .find(|line| line.starts_with(&server.url("/reset/")))
        .unwrap_or_else(|| panic!("{printed}"));
    assert_eq!(http().get(link).send().await.unwrap().status(), 200);
    let out = run(&["user", "reset-link", "nobody", "--data", data], "").await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("No account is called that"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&["user", "disable", "nobody", "--data", data], "").await;
    assert!(!out.status.success());
    assert_eq!(server.terminate().await, Some(0));

    // The backup restores to a complete, consistent data folder: a server starts from it.
    let restored = TempDir::new().unwrap();
    let out = run(
        &[
            "restore",
            backup.to_str().unwrap(),
            "--data",
            restored.path().to_str().unwrap(),
        ],
        "",
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("restored"),
        "{}",
        text(&out.stdout)
    );
    let server = Binary::start(restored.path(), &[]).await;
    let admin = cookie_pair(&login(&server, "admin", "admin password").await)
        .expect("old password in the backup");
    let page: Value = http()
        .get(server.url("/api/v1/rooms/ops/messages"))
        .header("cookie", admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["messages"].as_array().unwrap().len(), 10);
    assert_eq!(server.terminate().await, Some(0));
}

#[tokio::test]
async fn healthcheck_exits_0_for_a_healthy_server_and_1_otherwise() {
    let dir = TempDir::new().unwrap();
    let server = Binary::start(dir.path(), &[]).await;
    let url = server.url("/healthz");
    let out = run(&["healthcheck", "--url", &url], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["healthcheck", "--listen", &server.addr.to_string()], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(server.terminate().await, Some(0));
    let out = run(&["healthcheck", "--url", &url], "").await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).trim().lines().count(), 1);
}

#[tokio::test]
async fn admin_commands_on_a_missing_data_folder_say_so() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("nope");
    let out = run(&["user", "list", "--data", missing.to_str().unwrap()], "").await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--data"));
}

#[tokio::test]
async fn the_control_socket_counts_durable_commits_for_the_benchmark() {
    use confab::operator::actions::AdminRequest;
    use confab::operator::control::request;
    let dir = TempDir::new().unwrap();
    let server = Binary::start(dir.path(), &[]).await;
    let commits = || async {
        let reply = request(dir.path(), &AdminRequest::Stats).await.unwrap();
        assert!(reply.ok, "{}", reply.output);
        let stats: Value = serde_json::from_str(&reply.output).unwrap();
        stats["durable_commits"].as_u64().unwrap()
    };
    let before = commits().await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("counted").await;
    chat.say("counted", "one").await;
    let after = commits().await;
    assert!(
        after >= before + 3,
        "sign-up, join and message each commit: {before} → {after}"
    );
    server.terminate().await;
}

/// Another account on the machine cannot run the server: the control socket answers only the
/// user the server runs as (mode 0600), even where the folder itself can be looked into.
#[tokio::test]
async fn the_control_socket_refuses_another_account_of_the_machine() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 {
        eprintln!("skipped: only root may run the command as another account");
        return;
    }
    let dir = TempDir::new().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().to_str().unwrap();
    let server = Binary::start(dir.path(), &[]).await;
    let _admin = signup(&server, "alice").await;
    let bob = signup(&server, "bob").await;
    let socket = dir.path().join("control.sock");
    assert_eq!(
        std::fs::metadata(&socket).unwrap().mode() & 0o777,
        0o600,
        "only its owner may connect"
    );

    for args in [
        vec!["user", "promote", "bob", "--data", data],
        vec!["user", "list", "--data", data],
        vec!["status", "--data", data],
    ] {
        let mut command = std::process::Command::new(binary_path());
        command.args(&args).uid(65534).gid(65534);
        let out = tokio::process::Command::from(command)
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap();
        assert!(!out.status.success(), "{args:?} as nobody must fail");
        let said = text(&out.stderr);
        assert!(
            said.contains("Permission denied") || said.contains("only the account it runs as"),
            "{args:?} says why: {said}"
        );
    }
    assert_eq!(
        get_json(&server, "/api/v1/me", &bob.cookie).await["user"]["admin"],
        false,
        "nothing changed"
    );
    server.terminate().await;
}
