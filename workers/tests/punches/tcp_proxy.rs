//! A TCP proxy in front of PostgreSQL that a test can cut and restore: the server and its
//! connections are real, only the network path between the worker and it fails.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// Forwards every connection to `upstream` while up; while cut, closes each new
/// connection at once (as a refused or reset path would look to the client).
pub struct TcpProxy {
    address: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

#[derive(Default)]
struct State {
    up: AtomicBool,
    refused: AtomicUsize,
    /// The forwarding tasks, to sever the open connections when cut.
    links: Mutex<Vec<AbortHandle>>,
}

impl TcpProxy {
    /// A proxy on a free local port, up, forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let address = listener.local_addr().expect("proxy address");
        let state = Arc::new(State { up: AtomicBool::new(true), ..State::default() });
        let accept = tokio::spawn(accept_loop(listener, upstream, Arc::clone(&state)));
        TcpProxy { address, state, accept }
    }

    /// Where clients connect.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Severs every open connection and refuses new ones until [`TcpProxy::restore`].
    pub fn cut(&self) {
        self.state.up.store(false, Ordering::SeqCst);
        for link in self.state.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    /// Forwards new connections again.
    pub fn restore(&self) {
        self.state.up.store(true, Ordering::SeqCst);
    }

    /// Connections refused while cut.
    pub fn refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, state: Arc<State>) {
    loop {
        let Ok((client, _)) = listener.accept().await else { continue };
        if !state.up.load(Ordering::SeqCst) {
            state.refused.fetch_add(1, Ordering::SeqCst);
            drop(client);
            continue;
        }
        let link = tokio::spawn(forward(client, upstream));
        let mut links = state.links.lock().expect("links");
        links.retain(|link| !link.is_finished());
        links.push(link.abort_handle());
    }
}

async fn forward(mut client: TcpStream, upstream: SocketAddr) {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    // Either side closing ends the link; the errors are the point of the test.
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}
