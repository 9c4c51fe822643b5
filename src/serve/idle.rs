//! Idle keep-alive connections and slow request headers, timed as Go's `net/http` server
//! times them for kube-apiserver (`staging/src/k8s.io/apiserver/pkg/server/secure_serving.go`,
//! `SecureServingInfo.Serve`: `IdleTimeout: 90 * time.Second`, `ReadHeaderTimeout: 32 *
//! time.Second`). Go (`net/http/server.go`, `conn.serve`) waits up to IdleTimeout for the
//! first byte of the next request, then gives the headers ReadHeaderTimeout.
//!
//! hyper's own `header_read_timeout` starts its clock as soon as the connection is idle, so
//! it would close every idle keep-alive connection after the header timeout; kcred tracks
//! the two phases itself: this wrapper notes when bytes arrive, [`Activity`] counts the
//! requests being answered, and [`watch`] closes a connection that is idle (no request in
//! flight, no byte for the idle timeout) or stuck in its headers.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What one connection is doing, shared by its IO wrapper, its service and its watcher.
#[derive(Debug)]
pub struct Activity {
    base: Instant,
    /// Milliseconds since `base` of the last byte read or written, or of the last answer.
    last: AtomicU64,
    /// Milliseconds since `base` (plus one) of the first byte of a request whose handler
    /// has not started yet; 0 when none.
    head_since: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    /// A new connection, active now.
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            base: Instant::now(),
            last: AtomicU64::new(0),
            head_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        })
    }

    fn now(&self) -> u64 {
        self.base.elapsed().as_millis() as u64
    }

    fn read(&self) {
        let now = self.now();
        self.last.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Relaxed) == 0 {
            let _ =
                self.head_since
                    .compare_exchange(0, now + 1, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn wrote(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
    }

    /// A request's headers were read: its handler starts.
    pub fn begin(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.head_since.store(0, Ordering::Relaxed);
    }

    /// A request's answer is ready.
    pub fn end(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// Whether the connection should be closed now, given the idle and header timeouts.
    fn expired(&self, idle: Duration, header: Duration) -> bool {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return false;
        }
        let now = self.now();
        match self.head_since.load(Ordering::Relaxed) {
            0 => now.saturating_sub(self.last.load(Ordering::Relaxed)) >= idle.as_millis() as u64,
            since => now.saturating_sub(since - 1) >= header.as_millis() as u64,
        }
    }
}

/// Resolves when the connection has been idle for `idle`, or has spent `header` reading
/// one request's headers; never while a request is being answered.
pub async fn watch(activity: Arc<Activity>, idle: Duration, header: Duration) {
    let step = (idle.min(header) / 4).max(Duration::from_millis(50));
    loop {
        tokio::time::sleep(step).await;
        if activity.expired(idle, header) {
            return;
        }
    }
}

/// An IO stream that reports its reads and writes to an [`Activity`].
pub struct Tracked<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> Tracked<T> {
    /// Wrap `inner`.
    pub fn new(inner: T, activity: Arc<Activity>) -> Tracked<T> {
        Tracked { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.read();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_only_without_a_request_in_flight() {
        let a = Activity::new();
        let zero = Duration::ZERO;
        assert!(a.expired(zero, Duration::from_secs(60)));
        a.begin();
        assert!(!a.expired(zero, zero));
        a.end();
        assert!(a.expired(zero, Duration::from_secs(60)));
    }

    #[test]
    fn a_started_request_head_gets_the_header_timeout_not_the_idle_one() {
        let a = Activity::new();
        a.read();
        assert!(!a.expired(Duration::ZERO, Duration::from_secs(60)));
        assert!(a.expired(Duration::from_secs(60), Duration::ZERO));
        a.begin();
        a.end();
        assert!(a.expired(Duration::ZERO, Duration::from_secs(60)));
    }
}
