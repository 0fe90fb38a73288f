//! The inspector page in a real browser: headless Chromium (Debian's `chromium`, installed
//! by .ci/run when missing), driven over the DevTools protocol. It loads the page, the test
//! sends requests to the mock, and the rows appear live with the reason each was refused;
//! the detail view shows the violations and a curl command with credentials redacted. A
//! screenshot is left under target/ for review. Where Chromium cannot run, the test says
//! it skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or an example: a failure should stop it

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// Headless Chromium with its DevTools endpoint, killed when dropped.
struct Browser {
    child: Child,
    profile: PathBuf,
    devtools: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Starts Chromium, or says why it cannot.
fn chromium() -> Result<Browser, String> {
    let profile = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("chromium-{}", std::process::id()));
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox", // CI runs as root, where Chromium's sandbox cannot start
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "--window-size=1400,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start chromium: {e}"))?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let (found, wait) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("DevTools listening on ").nth(1) {
                let _ = found.send(url.trim().to_string());
            }
        }
    });
    match wait.recv_timeout(Duration::from_secs(30)) {
        Ok(url) => {
            // ws://127.0.0.1:PORT/devtools/browser/ID → 127.0.0.1:PORT
            let devtools = url.trim_start_matches("ws://").split('/').next().unwrap_or("").to_string();
            Ok(Browser { child, profile, devtools })
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&profile);
            Err("chromium started but never opened its DevTools endpoint".into())
        }
    }
}

/// One page's DevTools connection: commands by id, events ignored.
struct Page {
    socket: tungstenite::WebSocket<TcpStream>,
    next: u64,
}

impl Page {
    fn open(runtime: &tokio::runtime::Runtime, browser: &Browser) -> Page {
        let list: Value = runtime.block_on(async {
            let url = format!("http://{}/json/list", browser.devtools);
            common::client().get(url).send().await.unwrap().json().await.unwrap()
        });
        let target = list.as_array().unwrap().iter().find(|t| t["type"] == "page").expect("a page target").clone();
        let ws = target["webSocketDebuggerUrl"].as_str().unwrap();
        let stream = TcpStream::connect(&browser.devtools).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let (socket, _) = tungstenite::client(ws, stream).expect("the DevTools websocket opens");
        Page { socket, next: 0 }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let message = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket.send(tungstenite::Message::text(message)).unwrap();
        loop {
            let reply = self.socket.read().unwrap_or_else(|e| panic!("{method}: no answer from chromium: {e}"));
            let Ok(text) = reply.to_text() else { continue };
            let value: Value = serde_json::from_str(text).unwrap();
            if value["id"] == id {
                assert!(value.get("error").is_none(), "{method}: {value}");
                return value["result"].clone();
            }
        }
    }

    /// Evaluates JavaScript in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true}));
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {result}");
        result["result"]["value"].clone()
    }

    /// Polls until `expression` is true (within a bound), or fails saying what it waited for.
    fn wait_for(&mut self, expression: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.eval(expression) == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let page = self.eval("document.body ? document.body.innerText : ''");
        panic!("waited 20 s for {what}; the page shows:\n{}", page.as_str().unwrap_or(""));
    }
}

#[test]
fn requests_appear_live_in_the_inspector_with_their_reasons() {
    let browser = match chromium() {
        Ok(browser) => browser,
        Err(why) => {
            println!("skipped: the inspector browser test needs headless Chromium ({why}); .ci/run installs it");
            return;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let running =
        runtime.block_on(specmock::MockServer::start(common::data("devloop/pets.yaml"))).expect("the mock starts");
    let base = running.url();
    let mut page = Page::open(&runtime, &browser);
    page.call("Page.navigate", json!({"url": format!("{base}/__specmock/")}));
    page.wait_for("document.body && document.body.dataset.live === 'true'", "the page to connect to the event stream");
    assert_eq!(page.eval("document.querySelectorAll('#rows tr').length"), json!(0), "nothing was sent yet");

    // Sent after the page is live: only the event stream can bring these rows.
    runtime.block_on(async {
        let client = common::client();
        let refused = client
            .post(format!("{base}/pets"))
            .header("x-api-key", "secret-key-123")
            .json(&json!({"nickname": "Rex"}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422);
        let fine = client.get(format!("{base}/pets/2")).send().await.unwrap();
        assert_eq!(fine.status(), 200);
    });
    page.wait_for("!!document.querySelector('#rows tr[data-status=\"422\"]')", "the refused request's row");
    page.wait_for("!!document.querySelector('#rows tr[data-status=\"200\"]')", "the answered request's row");
    let row = page.eval("document.querySelector('#rows tr[data-status=\"422\"]').innerText");
    let row = row.as_str().unwrap();
    assert!(row.contains("POST") && row.contains("/pets") && row.contains("createPet"), "{row}");
    assert!(row.contains("body/name: required"), "the row says why it was refused: {row}");
    let ok = page.eval("document.querySelector('#rows tr[data-status=\"200\"]').innerText");
    assert!(ok.as_str().unwrap().contains("getPet"), "{ok}");

    // The detail view: violations, the reason, and the request as curl without the key.
    page.eval("document.querySelector('#rows tr[data-status=\"422\"]').click(); true");
    page.wait_for("!!document.getElementById('curl')", "the detail view");
    let detail = page.eval("document.getElementById('detail').innerText");
    let detail = detail.as_str().unwrap();
    assert!(detail.contains("name is required"), "{detail}");
    assert!(detail.contains("Copy as curl"), "{detail}");
    let curl = page.eval("document.getElementById('curl').textContent");
    let curl = curl.as_str().unwrap();
    assert!(curl.starts_with("curl -X POST") && curl.contains("/pets'"), "{curl}");
    assert!(curl.contains("x-api-key: [redacted]") && !curl.contains("secret-key-123"), "{curl}");
    assert!(curl.contains(r#"--data-binary '{"nickname":"Rex"}'"#), "{curl}");

    let shot = page.call("Page.captureScreenshot", json!({"format": "png"}));
    let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("inspector.png");
    std::fs::write(&path, png).unwrap();
    println!("screenshot of the inspector: {}", path.display());
    drop(running);
}
