//! A process's memory as Linux tells it, for the tests that hold the server to its bounds.

pub const KIB: usize = 1024;
pub const MIB: usize = 1024 * 1024;

/// Resident and peak resident memory of a process, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss: usize,
    pub peak: usize,
}

/// What `/proc/PID/status` says of a process's memory now.
pub fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in /proc/{pid}/status"));
        let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * KIB
    };
    Memory {
        rss: field("VmRSS:"),
        peak: field("VmHWM:"),
    }
}

/// Forgets a process's peak memory so far (Linux: writing 5 to `clear_refs` starts `VmHWM`
/// over from the current resident size).
pub fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak");
}

pub fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}
