//! A headless Chromium under chromedriver, for one test: started on a free port, ended
//! (both processes) when dropped.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// chromedriver and a browser session through it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    shots: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a `width`×`height` window;
    /// screenshots go to `target/tmp/console-screenshots/<run>/`.
    pub async fn start(run: &str, width: u32, height: u32) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            // Its own process group: ending it ends the Chromium it started too.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (scripts/install-deps.sh installs chromium-driver)");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "chromedriver never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         format!("--window-size={width},{height}"), "--lang=en-GB"],
            },
        });
        let capabilities = capabilities.as_object().cloned().expect("an object");
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots").join(run);
        std::fs::create_dir_all(&shots).expect("screenshot directory");
        Browser { client, driver, shots }
    }

    /// Writes a PNG of the window as `name.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        eprintln!("screenshot: {}", path.display());
    }

    /// The text of the first element `css` matches.
    pub async fn text(&self, css: &str) -> String {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        element.text().await.expect("text")
    }

    /// The decoded width of an image: 0 until (unless) it loaded. Read by WebDriver's own
    /// script call, which the page's Content-Security-Policy does not govern.
    pub async fn natural_width(&self, image: &fantoccini::elements::Element) -> u64 {
        let image = serde_json::to_value(image).expect("an element reference");
        let width =
            self.client.execute("return arguments[0].naturalWidth;", vec![image]).await.expect("script");
        width.as_u64().unwrap_or(0)
    }

    /// Clicks the first element `css` matches.
    pub async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        element.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Opens a one-time login link, presses its one button and waits for the review queue
    /// it lands on.
    pub async fn sign_in(&self, link: &str) {
        self.client.goto(link).await.expect("open the link");
        self.click("form[action='/console/login'] button").await;
        self.client.wait().for_element(Locator::Css("#waiting")).await.expect("the queue after signing in");
        assert_eq!(self.path().await, "/console/queue");
    }

    /// How many elements `css` matches.
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.expect("find").len()
    }

    /// The path of the page shown (without the origin).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        let mut path = url.path().to_owned();
        if let Some(fragment) = url.fragment() {
            path.push('#');
            path.push_str(fragment);
        }
        path
    }

    /// Ends the browser session and chromedriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and the browser it started (the group id is its pid).
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.driver.id())]).status();
        let _ = self.driver.wait();
    }
}
