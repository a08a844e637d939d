//! A TCP proxy a test puts in front of a server (PostgreSQL, RabbitMQ) and cuts: every
//! open connection is severed and new ones are closed on arrival, as when the network or
//! the server goes away; restored, it forwards again. The server and the client under
//! test stay real; only the path between them fails.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// A running proxy on a free local port; stops forwarding when dropped.
pub struct Proxy {
    address: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

/// What the accepting task and the test share.
#[derive(Default)]
struct State {
    up: AtomicBool,
    refused: AtomicUsize,
    /// The forwarding tasks, to sever the open connections when cut.
    links: Mutex<Vec<AbortHandle>>,
}

impl Proxy {
    /// A proxy, up, forwarding every connection to `upstream` (`host:port`; the name is
    /// resolved at each connection, as the client would).
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let address = listener.local_addr().expect("proxy address");
        let state = Arc::new(State { up: AtomicBool::new(true), ..State::default() });
        let accept = tokio::spawn(accept_loop(listener, upstream.to_owned(), Arc::clone(&state)));
        Proxy { address, state, accept }
    }

    /// Where clients connect instead of the server.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Severs every open connection and refuses new ones until [`Proxy::restore`].
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

    /// How many connections were refused while cut: that the client really tried.
    pub fn refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn accept_loop(listener: TcpListener, upstream: String, state: Arc<State>) {
    loop {
        let Ok((client, _)) = listener.accept().await else { continue };
        if !state.up.load(Ordering::SeqCst) {
            // Cut: the client's connection closes at once, as a refused or reset path
            // looks to it.
            state.refused.fetch_add(1, Ordering::SeqCst);
            drop(client);
            continue;
        }
        let link = tokio::spawn(forward(client, upstream.clone()));
        let mut links = state.links.lock().expect("links");
        // Forget the links that ended on their own, so a long test does not pile them up.
        links.retain(|link| !link.is_finished());
        links.push(link.abort_handle());
    }
}

async fn forward(mut client: TcpStream, upstream: String) {
    let Ok(mut server) = TcpStream::connect(upstream.as_str()).await else { return };
    // Either side closing ends the link; the errors are the point of the tests.
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}
