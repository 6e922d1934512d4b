//! Records the git revision for `confab --version`. `CONFAB_GIT_REVISION` in the build
//! environment wins (for builds from a source archive or inside a container without `.git`).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CONFAB_GIT_REVISION");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
    let revision = std::env::var("CONFAB_GIT_REVISION")
        .ok()
        .filter(|r| !r.is_empty())
        .or_else(|| {
            let out = Command::new("git")
                .args(["rev-parse", "--short=10", "HEAD"])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CONFAB_GIT_REVISION={revision}");
}
