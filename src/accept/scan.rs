//! Reading the bytes of an HTTP/1 connection as they pass: where each request head ends,
//! whether the connection opened with the HTTP/2 preface, and what a response write starts
//! with. Apart from the deadline because it is pure byte matching, with no time or I/O in it,
//! and is tested on byte strings alone.

/// The first bytes of every HTTP/2 connection (RFC 9113, 3.4), up to where HTTP/1 would see a
/// request line.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// What a scan of read bytes found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scanned {
    /// This many complete request heads (pipelined requests come several to a read).
    Heads(usize),
    /// The connection speaks HTTP/2.
    Http2,
}

/// Finds the empty lines that end request heads, across reads. Empty lines before a request
/// line are skipped, as servers do; a bare `\n` ends a line as well as `\r\n`, as in hyper's
/// parser. Bodies are not told apart from heads: a body with an empty line in it would count
/// as a head, which only moves the connection to the longer Busy deadline.
#[derive(Debug)]
pub(super) struct HeadScan {
    /// Some byte other than CR or LF has been read: a request line has begun.
    pub(super) started: bool,
    /// The last line break was not followed by anything but CRs.
    at_line_start: bool,
    /// How much of the HTTP/2 preface the connection's first bytes matched, while they do.
    preface: Option<usize>,
}

impl HeadScan {
    /// A scan from the first byte of a connection, which may be the HTTP/2 preface.
    pub(super) fn new() -> Self {
        HeadScan {
            started: false,
            at_line_start: false,
            preface: Some(0),
        }
    }

    pub(super) fn feed(&mut self, bytes: &[u8]) -> Scanned {
        let mut heads = 0;
        for &byte in bytes {
            if let Some(matched) = self.preface {
                self.preface = (HTTP2_PREFACE[matched] == byte).then_some(matched + 1);
                if self.preface == Some(HTTP2_PREFACE.len()) {
                    return Scanned::Http2;
                }
            }
            match byte {
                b'\n' if self.started && self.at_line_start => {
                    heads += 1;
                    self.started = false;
                    self.at_line_start = false;
                }
                b'\n' => self.at_line_start = true,
                b'\r' => {}
                _ => {
                    self.started = true;
                    self.at_line_start = false;
                }
            }
        }
        Scanned::Heads(heads)
    }
}

/// What the server started writing, judged from the start of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Written {
    /// More of something already started (a body), or only interim (`1xx`) answers.
    Continuation,
    /// A final answer to a request.
    Response,
    /// `101 Switching Protocols`.
    Upgrade,
}

/// Looks at the status lines at the start of `bytes`, skipping interim answers such as
/// `100 Continue` (hyper may send one in the same write as the final answer).
pub(super) fn classify(mut bytes: &[u8]) -> Written {
    while bytes.starts_with(b"HTTP/1.") && bytes.len() >= 12 {
        match &bytes[9..12] {
            b"101" => return Written::Upgrade,
            [b'1', _, _] => match bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                Some(end) => bytes = &bytes[end + 4..],
                None => return Written::Continuation,
            },
            _ => return Written::Response,
        }
    }
    Written::Continuation
}
