//! `confab doctor` and `confab status` with the real binary: a sound folder passes, and each
//! broken one (a world-writable folder, a damaged database, a port taken, a certificate that
//! never came, a full disk) is named with its fix and a failing exit; `status` reads a running
//! server and fails when none runs.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use confab::config::ServeArgs;
use confab::operator::doctor::{self, Level, Machine, Space};
use tempfile::TempDir;

use crate::common::tls::TestCa;
use crate::common::*;

const LIMIT: Duration = Duration::from_secs(60);

/// A data folder a server has run on and stopped: with an account, a room and messages.
async fn used_folder() -> TempDir {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = Binary::start(&data, &[]).await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("lobby").await;
    assert_eq!(server.terminate().await, Some(0));
    dir
}

/// Runs `confab doctor --data DATA` with a free port to listen on, and `extra`; its exit
/// code and standard output.
async fn doctor_on(data: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut args = vec![
        "doctor",
        "--data",
        data.to_str().unwrap(),
        "--listen",
        &listen,
    ];
    args.extend_from_slice(extra);
    let out = run_confab(&args, "", LIMIT).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code(), format!("{stdout}{stderr}"))
}

/// The line of a finding about `topic` at `level` (`ok`, `PROBLEM`…), with its fix after it.
fn finding<'a>(out: &'a str, level: &str, topic: &str) -> Option<&'a str> {
    let start = out.find(&format!("{level:<7}  {topic}: "))?;
    let rest = &out[start..];
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i)
        .find(|&i| !rest[i + 1..].starts_with("         fix:"))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

#[tokio::test]
async fn a_sound_folder_passes_and_each_broken_one_is_named_with_its_fix() {
    let dir = used_folder().await;
    let data = dir.path().join("data");
    let (code, out) = doctor_on(&data, &[]).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(finding(&out, "ok", "database").is_some(), "{out}");
    assert!(finding(&out, "ok", "schema").is_some(), "{out}");
    assert!(finding(&out, "ok", "free disk").is_some(), "{out}");
    assert!(finding(&out, "ok", "listen").is_some(), "{out}");
    assert!(
        out.contains("all good") || out.contains("no problems"),
        "{out}"
    );

    // Writable by everyone.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (code, out) = doctor_on(&data, &[]).await;
    assert_eq!(code, Some(1), "{out}");
    let found = finding(&out, "PROBLEM", "data folder").expect(&out);
    assert!(
        found.contains("writable by everyone") && found.contains("fix: chmod 700"),
        "{found}"
    );
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();

    // The address to listen on is taken by another program.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run_confab(
        &[
            "doctor",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            &addr,
        ],
        "",
        LIMIT,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let found = finding(&out, "PROBLEM", "listen").expect(&out);
    assert!(
        found.contains("in use by another program") && found.contains("fix:"),
        "{found}"
    );
    drop(taken);

    // A damaged database: the check refuses it and says to restore.
    let db = data.join("confab.redb");
    let mut bytes = std::fs::read(&db).unwrap();
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 8192] {
        *byte = !*byte;
    }
    std::fs::write(&db, &bytes).unwrap();
    let (code, out) = doctor_on(&data, &[]).await;
    assert_eq!(code, Some(1), "{out}");
    let found = finding(&out, "PROBLEM", "database").expect(&out);
    assert!(
        found.contains("cannot be read") && found.contains("confab restore"),
        "{found}"
    );
}

#[tokio::test]
async fn certificates_are_judged_by_their_days_left_and_one_that_never_came_is_a_problem() {
    let dir = used_folder().await;
    let data = dir.path().join("data");

    // Files: a certificate valid for a while yet.
    let ca = TestCa::new("doctor test CA");
    let (cert, key) = ca.issue(&["chat.example.com"]).write(dir.path(), "server");
    let (code, out) = doctor_on(
        &data,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{out}");
    let found = finding(&out, "ok", "certificate").expect(&out);
    assert!(found.contains("days left"), "{found}");
    std::fs::write(&cert, "not a certificate").unwrap();
    let (code, out) = doctor_on(
        &data,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, Some(1), "{out}");
    assert!(finding(&out, "PROBLEM", "certificate").is_some(), "{out}");

    // ACME: an account was made, and no certificate ever came.
    let acme = data.join("acme");
    std::fs::create_dir_all(&acme).unwrap();
    std::fs::write(acme.join("account-test"), b"{}").unwrap();
    let (code, out) = doctor_on(&data, &["--domain", "confab-doctor.invalid"]).await;
    assert_eq!(code, Some(1), "{out}");
    let found = finding(&out, "PROBLEM", "certificate").expect(&out);
    assert!(
        found.contains("issuing has failed") && found.contains("fix:"),
        "{found}"
    );
    assert!(
        finding(&out, "PROBLEM", "DNS").is_some(),
        "an unknown name: {out}"
    );
    assert!(finding(&out, "ok", "ACME account").is_some(), "{out}");
}

#[tokio::test]
async fn a_full_disk_is_a_problem_and_a_low_one_a_warning() {
    let dir = used_folder().await;
    let config = ServeArgs {
        listen: Some(format!("127.0.0.1:{}", free_port())),
        data: confab::config::DataArgs {
            dir: dir.path().join("data"),
        },
        ..ServeArgs::default()
    };
    let full = Machine {
        space: |_| {
            Ok(Space {
                free: 3 * 1024 * 1024,
                total: 20 * 1024 * 1024 * 1024,
            })
        },
    };
    let findings = doctor::examine(&config, &full).await;
    let disk = findings.iter().find(|f| f.topic == "free disk").unwrap();
    assert_eq!(disk.level, Level::Problem, "{disk:?}");
    assert!(disk.said.contains("full") && disk.fix.is_some(), "{disk:?}");
    assert_eq!(doctor::problems(&findings), 1, "{findings:?}");

    let low = Machine {
        space: |_| {
            Ok(Space {
                free: 512 * 1024 * 1024,
                total: 20 * 1024 * 1024 * 1024,
            })
        },
    };
    let findings = doctor::examine(&config, &low).await;
    let disk = findings.iter().find(|f| f.topic == "free disk").unwrap();
    assert_eq!(disk.level, Level::Warning, "{disk:?}");
    assert_eq!(doctor::problems(&findings), 0, "{findings:?}");
}

#[tokio::test]
async fn status_reads_the_running_server_and_doctor_leaves_its_database_alone() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = Binary::start(&data, &[]).await;
    let alice = signup(&server, "alice").await;
    let mut chat = connect(&server, &alice).await;
    chat.join("lobby").await;
    chat.send(serde_json::json!({"type": "send", "room_id": chat.id("lobby"), "text": "hi", "client_id": "s1"}))
        .await;
    chat.recv_type("message").await;

    let out = run_confab(&["status", "--data", data.to_str().unwrap()], "", LIMIT).await;
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.starts_with("confab 0.1.0"), "{said}");
    assert!(said.contains("\nup "), "{said}");
    assert!(said.contains("sockets open: 1; rooms live: 1"), "{said}");
    assert!(
        said.contains("last commit: ") && said.contains("messages stored since it started: 1"),
        "{said}"
    );

    let (code, out) = doctor_on(&data, &[]).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(finding(&out, "note", "server").is_some(), "{out}");
    assert!(
        finding(&out, "note", "database")
            .expect(&out)
            .contains("not checked"),
        "{out}"
    );

    drop(chat);
    assert_eq!(server.terminate().await, Some(0));
    let out = run_confab(&["status", "--data", data.to_str().unwrap()], "", LIMIT).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no confab server is running"));
}
