//! The access log: one line per request on stderr (who, verb and path, verdict, status,
//! latency), as text or JSON (`--log-format`).

use std::io::Write as _;
use std::time::Duration;

use serde_json::json;

/// `--log-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `TIME REMOTE "USER" METHOD "PATH" BODY VERDICT STATUS LATENCY`.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("{s:?}: expected text or json")),
        }
    }
}

/// One request, for the log.
#[derive(Debug)]
pub struct Entry<'a> {
    /// The client address.
    pub remote: &'a str,
    /// The authenticated user, if any.
    pub user: Option<&'a str>,
    /// Method.
    pub method: &'a str,
    /// Path.
    pub path: &'a str,
    /// The request body's encoding (`json`, `yaml`, `protobuf`; `-` for none).
    pub body: &'a str,
    /// allow / forbid / unauthorized / error.
    pub verdict: &'a str,
    /// HTTP status.
    pub status: u16,
    /// Time spent.
    pub latency: Duration,
}

/// Write one line.
pub fn write(format: LogFormat, e: &Entry<'_>) {
    let now = jiff::Timestamp::now();
    let user = e.user.unwrap_or("");
    let micros = e.latency.as_micros();
    let line = match format {
        LogFormat::Text => format!(
            "{now} {} {:?} {} {:?} {} {} {} {}.{:03}ms\n",
            e.remote,
            crate::output::sanitize(user),
            e.method,
            crate::output::sanitize(e.path),
            e.body,
            e.verdict,
            e.status,
            micros / 1000,
            micros % 1000
        ),
        LogFormat::Json => format!(
            "{}\n",
            json!({
                "time": now.to_string(),
                "remote": e.remote,
                "user": user,
                "method": e.method,
                "path": e.path,
                "body": e.body,
                "verdict": e.verdict,
                "status": e.status,
                "latencyMicros": micros as u64,
            })
        ),
    };
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// A line that is not about a request (start, reload, stop).
pub fn note(format: LogFormat, msg: &str) {
    let line = match format {
        LogFormat::Text => format!("{msg}\n"),
        LogFormat::Json => format!(
            "{}\n",
            json!({"time": jiff::Timestamp::now().to_string(), "msg": msg})
        ),
    };
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
