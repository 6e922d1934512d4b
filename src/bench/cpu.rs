//! CPU time of the server under test, read from `/proc`: the whole process, and its writer
//! thread (`confab-writer`) and search index thread (`confab-index`) on their own, so a
//! figure can say where the time went. And CPU
//! pinning: the server on one core, the load generator on the others, so figures compare
//! across machines.

use std::time::Duration;

/// The name the writer thread gives itself (`rooms::writer`).
const WRITER_THREAD: &str = "confab-writer";
/// The name the search index thread gives itself (`search::indexer`).
const INDEX_THREAD: &str = "confab-index";

/// CPU time used so far, user and system together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub process: Duration,
    pub writer: Duration,
    pub indexer: Duration,
}

impl CpuTimes {
    /// The CPU time used between `earlier` and this reading.
    pub fn since(self, earlier: CpuTimes) -> CpuTimes {
        CpuTimes {
            process: self.process.saturating_sub(earlier.process),
            writer: self.writer.saturating_sub(earlier.writer),
            indexer: self.indexer.saturating_sub(earlier.indexer),
        }
    }
}

/// Reads the CPU times of process `pid` (None when it is gone or `/proc` is unreadable).
pub fn cpu_times(pid: u32) -> Option<CpuTimes> {
    let process = ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?;
    let (mut writer, mut indexer) = (0, 0);
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        match command(&stat) {
            Some(WRITER_THREAD) => writer += ticks(&stat).unwrap_or(0),
            Some(INDEX_THREAD) => indexer += ticks(&stat).unwrap_or(0),
            _ => {}
        }
    }
    Some(CpuTimes {
        process: from_ticks(process),
        writer: from_ticks(writer),
        indexer: from_ticks(indexer),
    })
}

fn from_ticks(ticks: u64) -> Duration {
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_micros(ticks * 1_000_000 / per_second)
}

/// The command name of a `stat` line: what is between the first `(` and the last `)`.
fn command(stat: &str) -> Option<&str> {
    let start = stat.find('(')?;
    let end = stat.rfind(')')?;
    stat.get(start + 1..end)
}

/// utime + stime (fields 14 and 15) of a `stat` line, in clock ticks. The fields are counted
/// after the command name, which may itself hold spaces and parentheses.
fn ticks(stat: &str) -> Option<u64> {
    let after = stat.get(stat.rfind(')')? + 1..)?;
    let mut fields = after.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// Pins the calling thread to one CPU (for a child between fork and exec, so every thread
/// the server starts inherits it).
pub fn pin_current_thread(cpu: usize) -> std::io::Result<()> {
    set_affinity(0, &[cpu])
}

/// Keeps every thread of this process off `cpu`, so the load generator does not compete with
/// a server pinned there.
pub fn keep_this_process_off(cpu: usize) -> std::io::Result<()> {
    let others: Vec<usize> = (0..online_cpus()).filter(|&c| c != cpu).collect();
    if others.is_empty() {
        return Err(std::io::Error::other(
            "one CPU only: nothing is left for the load generator",
        ));
    }
    for task in std::fs::read_dir("/proc/self/task")?.flatten() {
        if let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) {
            set_affinity(tid, &others)?;
        }
    }
    Ok(())
}

/// How many CPUs the system has online.
pub fn online_cpus() -> usize {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as usize
}

fn set_affinity(tid: libc::pid_t, cpus: &[usize]) -> std::io::Result<()> {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET writes within it for indexes
    // below CPU_SETSIZE, which the check keeps to; the pointer and size describe it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &cpu in cpus {
            if cpu >= libc::CPU_SETSIZE as usize {
                return Err(std::io::Error::other(format!("no CPU {cpu}")));
            }
            libc::CPU_SET(cpu, &mut set);
        }
        if libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_are_read_after_the_command_name() {
        let line = "4242 (confab (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 9 0";
        assert_eq!(command(line), Some("confab (odd) name"));
        assert_eq!(ticks(line), Some(300));
        assert_eq!(ticks("garbage"), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let times = cpu_times(std::process::id()).expect("/proc/self is readable");
        assert_eq!(times.writer, Duration::ZERO, "no writer thread in a test");
        assert_eq!(times.since(times), CpuTimes::default());
    }
}
