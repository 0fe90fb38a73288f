//! A real redis-server for a test: its own port and folder, stopped (and the folder removed)
//! when dropped; and specmock replicas started as processes, stopped when dropped.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// `requirepass`, when the test wants one.
    password: Option<String>,
}

impl RedisServer {
    /// A fresh redis-server, or `None` (saying the test is skipped) where there is none.
    /// Every write is fsynced before Redis answers it (appendfsync always), so a restart
    /// loses nothing Redis acknowledged.
    pub fn start(test: &str) -> Option<RedisServer> {
        RedisServer::start_with(test, None)
    }

    /// A fresh redis-server that requires `password` (AUTH), or `None` where there is none.
    pub fn start_with(test: &str, password: Option<&str>) -> Option<RedisServer> {
        let found = Command::new("redis-server").arg("--version").stdout(Stdio::null()).status();
        if !found.is_ok_and(|s| s.success()) {
            // Straight to stderr, past the test harness's capture: a skip is seen, not silent.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: redis-server not found (install it: apt-get install redis-server)"
            );
            return None;
        }
        let dir = std::env::temp_dir().join(format!("specmock-redis-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // A port that was free a moment ago may be taken by the time Redis binds it: try a few.
        for _ in 0..5 {
            let port = free_port();
            let mut server =
                RedisServer { port, dir: dir.clone(), child: None, password: password.map(str::to_string) };
            if server.spawn() {
                return Some(server);
            }
        }
        panic!("redis-server did not start (see {})", dir.display());
    }

    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.dir.join("redis.log"))
            .args(self.password.iter().flat_map(|p| ["--requirepass", p.as_str()]))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.ping() {
                return true;
            }
            if let Some(child) = &mut self.child
                && child.try_wait().ok().flatten().is_some()
            {
                self.child = None;
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Whether this test's Redis answers, loaded (not LOADING). Another test's Redis may have
    /// taken the port first: it answers too, so the answer must name this one's process id.
    pub fn ping(&self) -> bool {
        let Some(pid) = self.child.as_ref().map(Child::id) else { return false };
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let auth = self.password.as_ref().map(|p| format!("AUTH {p}\r\n")).unwrap_or_default();
        if stream.write_all(format!("{auth}INFO server\r\nPING\r\n").as_bytes()).is_err() {
            return false;
        }
        let mut reply = Vec::new();
        let mut chunk = [0u8; 4096];
        while reply.len() < 64 * 1024 {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => reply.extend_from_slice(&chunk[..n]),
            }
            if reply.ends_with(b"+PONG\r\n") || reply.starts_with(b"-") {
                break;
            }
        }
        let text = String::from_utf8_lossy(&reply);
        text.ends_with("+PONG\r\n") && text.contains(&format!("process_id:{pid}\r\n"))
    }

    pub fn url(&self, db: u8) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }

    /// Kills Redis at once (SIGKILL): no chance to save anything more.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts Redis again on the same port, from what it had written.
    pub fn restart(&mut self) {
        self.kill();
        assert!(self.spawn(), "redis-server restarts on port {}", self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `specmock serve ARGS` as a process, stopped when dropped.
pub struct Replica {
    child: Child,
    pub base: String,
}

impl Replica {
    pub fn start(args: &[&str]) -> Replica {
        let (child, base) = crate::common::spawn_specmock(&[&["serve"], args].concat());
        Replica { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
