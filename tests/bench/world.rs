//! A private world for one launch: its own HOME, XDG folders, data directory, session bus and
//! unlocked gnome-keyring (as the E2E harness builds one), and the processes launched in it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::BenchResult;

/// The keyring's password in every world (the template's keyring file is copied).
const KEYRING_PASSWORD: &str = "bench";

/// Holds the session: unlock a keyring on the new bus, say where the bus is, then wait.
const HOLDER_SCRIPT: &str = r#"
set -e
printf '%s' "$SB_BENCH_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
printf '%s' "$DBUS_SESSION_BUS_ADDRESS" > "$SB_BENCH_DIR/bus.tmp"
mv "$SB_BENCH_DIR/bus.tmp" "$SB_BENCH_DIR/bus"
exec sleep 100000
"#;

/// One private world. Dropping it ends its session bus (and so its keyring).
#[derive(Debug)]
pub struct World {
    pub dir: PathBuf,
    bus: String,
    holder: Child,
    /// Keep the folder when the world ends (the seeded template).
    pub keep: bool,
}

impl World {
    /// A fresh world under `dir`, its HOME and data copied from `template` if given.
    pub fn new(dir: &Path, template: Option<&Path>) -> BenchResult<World> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir)?;
        match template {
            Some(template) => {
                for sub in ["home", "data"] {
                    let status = Command::new("cp")
                        .arg("-a")
                        .arg(template.join(sub))
                        .arg(dir.join(sub))
                        .status()?;
                    if !status.success() {
                        return Err(format!("copying the template's {sub} failed").into());
                    }
                }
            }
            None => {
                std::fs::create_dir_all(dir.join("home"))?;
                std::fs::create_dir_all(dir.join("data"))?;
            }
        }
        std::fs::create_dir_all(dir.join("run"))?;
        std::fs::set_permissions(
            dir.join("run"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
        let mut holder = Command::new("dbus-run-session");
        holder.args(["--", "sh", "-c", HOLDER_SCRIPT]);
        Self::apply_env(&mut holder, dir);
        let holder = holder
            .env("SB_BENCH_KEYRING_PASSWORD", KEYRING_PASSWORD)
            .env("SB_BENCH_DIR", dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("session.log"))?)
            .spawn()
            .map_err(|e| format!("starting dbus-run-session: {e}"))?;
        let mut world = World {
            dir: dir.to_path_buf(),
            bus: String::new(),
            holder,
            keep: false,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(bus) = std::fs::read_to_string(dir.join("bus")) {
                world.bus = bus;
                return Ok(world);
            }
            if let Ok(Some(status)) = world.holder.try_wait() {
                let log = std::fs::read_to_string(dir.join("session.log")).unwrap_or_default();
                return Err(format!("the D-Bus session ended at once ({status}): {log}").into());
            }
            if Instant::now() > deadline {
                return Err("the D-Bus session and keyring did not start within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn apply_env(command: &mut Command, dir: &Path) {
        sb_sim::world::private_world_env(command, dir);
        command.env("SWITCHBOARD_READY_FILE", dir.join("ready"));
    }

    /// A command that runs in this world (its env, its bus).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        Self::apply_env(&mut command, &self.dir);
        command.env("DBUS_SESSION_BUS_ADDRESS", &self.bus);
        command
    }

    /// The page's start-up timeline the window wrote after its ready mark: each mark in ms
    /// after `spawned` (ns since the epoch), `navigation` first. Empty if it wrote none.
    pub fn page_marks(&self, spawned: i128) -> Vec<(String, f64)> {
        let text = std::fs::read_to_string(self.dir.join("ready")).unwrap_or_default();
        let Some(line) = text.lines().find_map(|line| line.strip_prefix("page ")) else {
            return Vec::new();
        };
        let mut words = line.split_whitespace();
        let Some(origin) = words.next().and_then(|w| w.parse::<f64>().ok()) else {
            return Vec::new();
        };
        let navigation = origin - spawned as f64 / 1e6;
        let mut marks = vec![("navigation".to_owned(), navigation)];
        marks.extend(words.filter_map(|word| {
            let (name, at) = word.split_once('=')?;
            Some((name.to_owned(), navigation + at.parse::<f64>().ok()?))
        }));
        marks
    }

    /// The wall clock (ns since the epoch) the launched window wrote as its ready mark.
    pub fn ready_mark(&self) -> Option<i128> {
        let text = std::fs::read_to_string(self.dir.join("ready")).ok()?;
        text.lines()
            .next()?
            .strip_prefix("ready ")?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // The holder's shell became `sleep`: ending it ends dbus-run-session, its bus and keyring.
        for pid in descendants(self.holder.id()) {
            if comm(pid).as_deref() == Some("sleep") {
                signal(pid, "TERM");
            }
        }
        if !wait_child(&mut self.holder, Duration::from_secs(10)) {
            let _ = self.holder.kill();
            let _ = self.holder.wait();
        }
        if !self.keep && std::env::var_os("SB_BENCH_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Waits for a child to exit; false on timeout.
pub fn wait_child(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Sends a signal by pid (no libc in this crate: `kill` does it).
pub fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Stops a launched app and everything it started: SIGTERM, then SIGKILL for whatever is left
/// after 10 s; returns once none of them is alive (so the next launch has the machine alone).
pub fn stop_tree(child: &mut Child) {
    let tree = descendants(child.id());
    signal(child.id(), "TERM");
    if !wait_child(child, Duration::from_secs(10)) {
        let _ = child.kill();
        let _ = child.wait();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    for pid in tree.into_iter().skip(1) {
        while alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if alive(pid) {
            signal(pid, "KILL");
        }
    }
}

fn alive(pid: u32) -> bool {
    // A zombie has no memory maps left: count it as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// The process's name (`/proc/PID/comm`).
pub fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim().to_owned())
}

/// `root` and every process below it, parents first (a walk of `/proc/*/stat` parent ids).
pub fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // Fields after the command name (which may hold spaces and parentheses).
            let Some((_, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = children.get(&out[i]) {
            out.extend(kids);
        }
        i += 1;
    }
    out
}

/// Memory of a process tree at one moment.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// Sum of proportional set sizes (bytes): shared pages split between their users.
    pub pss: u64,
    /// Sum of resident set sizes (bytes): shared pages counted once per process.
    pub rss: u64,
    /// Each counted process: name, PSS, RSS.
    pub processes: Vec<(String, u64, u64)>,
}

/// PSS and RSS summed over `root` and all its descendants, from `/proc/PID/smaps_rollup`.
pub fn tree_memory(root: u32) -> Memory {
    let mut memory = Memory::default();
    for pid in descendants(root) {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        let field = |name: &str| -> u64 {
            rollup
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|kb| kb.parse::<u64>().ok())
                .unwrap_or(0)
                * 1024
        };
        let (pss, rss) = (field("Pss:"), field("Rss:"));
        if rss == 0 {
            continue;
        }
        memory.pss += pss;
        memory.rss += rss;
        memory
            .processes
            .push((comm(pid).unwrap_or_default(), pss, rss));
    }
    memory
}
