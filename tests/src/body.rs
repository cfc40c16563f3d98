//! The response body: timed pieces of bytes, an optional cut or stall at the end, and the
//! bookkeeping that turns "what happened to this body" into an [`Outcome`].

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;
use tokio::time::Sleep;

/// What became of the response to one recorded request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The response is still being produced (or was never started).
    Pending,
    /// The whole response body was handed to the connection.
    Completed {
        /// Body bytes sent (headers not counted).
        bytes_sent: usize,
    },
    /// The client closed the connection (or dropped the response) before the body ended.
    ClientDisconnected {
        /// Body bytes sent before the client went away.
        bytes_sent: usize,
    },
    /// The script cut the connection: [`Ending::DisconnectAfter`](crate::Ending::DisconnectAfter),
    /// [`Script::disconnect_before_response`](crate::Script::disconnect_before_response), or the
    /// end of a stall.
    ServerDisconnected {
        /// Body bytes sent before the cut.
        bytes_sent: usize,
    },
}

/// Shared, awaitable cell holding an [`Outcome`]; the body writes it, tests read it.
#[derive(Clone, Debug)]
pub(crate) struct OutcomeCell(Arc<watch::Sender<Outcome>>);

impl OutcomeCell {
    pub(crate) fn new() -> Self {
        Self(Arc::new(watch::Sender::new(Outcome::Pending)))
    }

    pub(crate) fn get(&self) -> Outcome {
        self.0.borrow().clone()
    }

    /// Sets the outcome unless one was already decided: the first verdict wins.
    pub(crate) fn settle(&self, outcome: Outcome) {
        self.0.send_if_modified(|current| {
            if *current == Outcome::Pending {
                *current = outcome;
                true
            } else {
                false
            }
        });
    }

    /// Waits until the outcome is no longer [`Outcome::Pending`], or the timeout.
    pub(crate) async fn wait(&self, timeout: Duration) -> Outcome {
        let mut rx = self.0.subscribe();
        // The sender lives as long as `self`, so `wait_for` cannot fail with a closed channel;
        // a timeout simply reports the current value.
        let _ = tokio::time::timeout(timeout, rx.wait_for(|o| *o != Outcome::Pending)).await;
        self.get()
    }
}

/// A run of body bytes, sent after `delay`.
#[derive(Debug)]
pub(crate) struct Piece {
    pub(crate) delay: Duration,
    pub(crate) bytes: Bytes,
}

/// How the body ends once every piece has been sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tail {
    /// A normal end of body.
    End,
    /// Abort the connection (no terminating chunk).
    Disconnect,
    /// Send nothing for this long, then abort the connection.
    Stall(Duration),
}

/// Everything a [`SimBody`] will do, decided before the response starts.
#[derive(Debug)]
pub(crate) struct BodyPlan {
    pub(crate) pieces: Vec<Piece>,
    pub(crate) tail: Tail,
    /// Set for fixed bodies so hyper sends `content-length` instead of chunked encoding.
    pub(crate) exact_len: Option<u64>,
}

impl BodyPlan {
    /// A fixed body sent as one piece.
    pub(crate) fn fixed(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self {
            exact_len: Some(bytes.len() as u64),
            pieces: vec![Piece {
                delay: Duration::ZERO,
                bytes,
            }],
            tail: Tail::End,
        }
    }

    /// Re-splits the body into random pieces of `min..=max` bytes, ignoring the original
    /// boundaries (so a piece can end inside a UTF-8 character or between `\n` and `\n`).
    /// A new piece waits for the delays of every original piece whose first byte it carries,
    /// which keeps the total pacing.
    pub(crate) fn rechunk(mut self, min: usize, max: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut out = Vec::new();
        let mut current = Vec::new();
        let mut delay = Duration::ZERO;
        let mut target = rng.random_range(min..=max);
        for piece in self.pieces {
            delay += piece.delay;
            let mut rest = &piece.bytes[..];
            while !rest.is_empty() {
                let take = (target - current.len()).min(rest.len());
                current.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                if current.len() == target {
                    out.push(Piece {
                        delay: std::mem::take(&mut delay),
                        bytes: Bytes::from(std::mem::take(&mut current)),
                    });
                    target = rng.random_range(min..=max);
                }
            }
        }
        if !current.is_empty() {
            out.push(Piece {
                delay,
                bytes: Bytes::from(current),
            });
        }
        self.pieces = out;
        self
    }
}

/// The response body given to hyper. It records the bytes it hands over and settles the
/// request's [`Outcome`]: at the end, at a scripted cut, or in `Drop` when hyper drops it early
/// because the client went away.
#[derive(Debug)]
pub(crate) struct SimBody {
    pieces: VecDeque<Piece>,
    tail: Tail,
    exact_len: Option<u64>,
    sleep: Option<Pin<Box<Sleep>>>,
    /// Return `Pending` once before the next piece so hyper flushes each piece on its own
    /// instead of coalescing consecutive ready pieces into one write.
    yield_before_next: bool,
    bytes_sent: usize,
    outcome: OutcomeCell,
}

impl SimBody {
    pub(crate) fn new(plan: BodyPlan, outcome: OutcomeCell) -> Self {
        Self {
            pieces: plan.pieces.into(),
            tail: plan.tail,
            exact_len: plan.exact_len,
            sleep: None,
            yield_before_next: false,
            bytes_sent: 0,
            outcome,
        }
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.sleep = None;
            }
            if this.yield_before_next {
                this.yield_before_next = false;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if let Some(front) = this.pieces.front_mut() {
                if !front.delay.is_zero() {
                    let delay = std::mem::take(&mut front.delay);
                    this.sleep = Some(Box::pin(tokio::time::sleep(delay)));
                    continue;
                }
            }
            if let Some(piece) = this.pieces.pop_front() {
                this.bytes_sent += piece.bytes.len();
                this.yield_before_next = true;
                return Poll::Ready(Some(Ok(Frame::data(piece.bytes))));
            }
            match this.tail {
                Tail::End => {
                    this.outcome.settle(Outcome::Completed {
                        bytes_sent: this.bytes_sent,
                    });
                    return Poll::Ready(None);
                }
                Tail::Disconnect => {
                    this.outcome.settle(Outcome::ServerDisconnected {
                        bytes_sent: this.bytes_sent,
                    });
                    // A body error makes hyper drop the connection without ending the body.
                    return Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "the simulator script cut the connection",
                    ))));
                }
                Tail::Stall(duration) => {
                    this.tail = Tail::Disconnect;
                    this.sleep = Some(Box::pin(tokio::time::sleep(duration)));
                }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.exact_len
            .map_or_else(SizeHint::default, SizeHint::with_exact)
    }
}

impl Drop for SimBody {
    fn drop(&mut self) {
        // hyper may drop a fixed-length body as soon as its last byte is written, without
        // polling for the end: that is still a completed response.
        let outcome = if self.pieces.is_empty() && self.tail == Tail::End {
            Outcome::Completed {
                bytes_sent: self.bytes_sent,
            }
        } else {
            Outcome::ClientDisconnected {
                bytes_sent: self.bytes_sent,
            }
        };
        self.outcome.settle(outcome);
    }
}
