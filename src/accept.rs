//! The plain-TCP listener in front of poem. It exists for one setting: `TCP_NODELAY`. Chat
//! frames are small and must leave at once; with Nagle's algorithm a frame written while an
//! earlier one is unacknowledged waits for the peer's delayed ACK, up to 40 ms.

use std::io;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::net::{TcpListener, TcpStream};

pub struct PlainAcceptor {
    listener: TcpListener,
    local_addr: LocalAddr,
}

impl PlainAcceptor {
    pub fn new(listener: TcpListener) -> io::Result<Self> {
        let local_addr = LocalAddr(listener.local_addr()?.into());
        Ok(PlainAcceptor {
            listener,
            local_addr,
        })
    }
}

impl Acceptor for PlainAcceptor {
    type Io = TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        vec![self.local_addr.clone()]
    }

    async fn accept(&mut self) -> io::Result<(TcpStream, LocalAddr, RemoteAddr, Scheme)> {
        let (stream, peer) = self.listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok((
            stream,
            self.local_addr.clone(),
            RemoteAddr(peer.into()),
            Scheme::HTTP,
        ))
    }
}
