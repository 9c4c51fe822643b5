//! The cluster's `server` and `proxy-url` as client-go reads them: whether kubectl can reach
//! the server at all, and whether it sends the user's credentials there.
//!
//! - `clientcmd.DirectClientConfig.ClientConfig` (client_config.go) reads the user's
//!   credentials "only if we are secure": `restclient.IsConfigTransportTLS`, decided from the
//!   server URL before the cluster's CA is merged in, so a server without a scheme is
//!   `http://` (rest/url_utils.go `DefaultServerURL`, with defaultTLS false) and gets no
//!   client certificate and no token. An empty server is kubectl's default,
//!   `http://localhost:8080` (clientcmd `ClusterDefaults`).
//! - A URL `DefaultServerURL` cannot read is kubectl's error before any request.
//! - User info in the URL (`https://joe:pw@host`) is sent by Go's HTTP client as
//!   `Authorization: Basic`, set before client-go's bearer round tripper, which then leaves
//!   the header alone (net/http `Client.send`, transport/round_trippers.go): the token is not
//!   sent.
//! - `proxy-url` must parse with an http, https or socks5 scheme (validation.go
//!   `parseProxyURL`).
//!
//! URLs are read with [`crate::gourl`], the part of Go's `net/url.Parse` these need.

use crate::gourl;

/// What kubectl does with the cluster's server URL.
#[derive(Debug, PartialEq, Eq)]
pub enum Server {
    /// `https`: credentials are sent.
    Https {
        /// The URL carries user info (sent as `Authorization: Basic`).
        userinfo: bool,
    },
    /// Any other scheme: kubectl talks to it without the user's credentials (or fails).
    Insecure {
        /// The URL kubectl would use.
        url: String,
    },
}

/// What kubectl does with `server` (the cluster's `server` field; empty for none), or the
/// error it stops with.
pub fn server(server: &str) -> Result<Server, String> {
    let raw = if server.is_empty() {
        "http://localhost:8080"
    } else {
        server
    };
    // DefaultServerURL: without a scheme and a host, "http://" is put in front.
    let url = match gourl::parse(raw) {
        Ok(u) if !u.scheme.is_empty() && !u.host.is_empty() => u,
        _ => {
            let u = gourl::parse(&format!("http://{raw}"))?;
            if !u.path.is_empty() && u.path != "/" {
                return Err(format!(
                    "host must be a URL or a host:port pair: {}",
                    crate::authn::x509::go_quote(raw)
                ));
            }
            u
        }
    };
    Ok(if url.scheme == "https" {
        Server::Https {
            userinfo: url.userinfo,
        }
    } else {
        Server::Insecure {
            url: format!("{}://{}{}", url.scheme, url.host, url.path),
        }
    })
}

/// validation.go `parseProxyURL`: the refusal for a `proxy-url`, in its words.
pub fn proxy_url_error(proxy_url: &str) -> Option<String> {
    let why = match gourl::parse(proxy_url) {
        Err(_) => format!("could not parse: {proxy_url}"),
        Ok(u) if matches!(u.scheme.as_str(), "http" | "https" | "socks5") => return None,
        Ok(u) => format!(
            "unsupported scheme {}, must be http, https, or socks5",
            crate::authn::x509::go_quote(&u.scheme)
        ),
    };
    Some(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_sends_credentials_and_anything_else_does_not() {
        assert_eq!(
            server("https://10.0.0.1:6443"),
            Ok(Server::Https { userinfo: false })
        );
        assert_eq!(
            server("https://joe:pw@h:6443"),
            Ok(Server::Https { userinfo: true })
        );
        for insecure in ["", "http://h:6443", "h:6443", "h"] {
            assert!(
                matches!(server(insecure), Ok(Server::Insecure { .. })),
                "{insecure}"
            );
        }
        for broken in [
            " https://h:6443",
            "https://",
            "https:/h:6443",
            "https://h:x/",
        ] {
            assert!(server(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn proxy_urls_as_validation_go_reads_them() {
        assert_eq!(proxy_url_error("socks5://p:1080"), None);
        assert_eq!(
            proxy_url_error("ftp://x").unwrap(),
            "unsupported scheme \"ftp\", must be http, https, or socks5"
        );
        assert_eq!(proxy_url_error("::bad").unwrap(), "could not parse: ::bad");
    }
}
