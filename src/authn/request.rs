//! The request the authenticators see: what client-go sends
//! (`client-go/transport/round_trippers.go`, `HTTPWrappersForConfig`): the client certificate
//! in the TLS handshake and the token in `Authorization: Bearer <token>`, both at once when a
//! kubeconfig user has both.

/// What the client presents.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The TLS client certificate chain (leaf first), DER.
    pub client_chain: Option<Vec<Vec<u8>>>,
    /// The bearer token the client sends: client-go writes `Authorization: Bearer <token>`
    /// (`bearerAuthRoundTripper.RoundTrip`); what the API server reads from that header is
    /// [`bearer_token_seen`].
    pub token: Option<String>,
}

/// The token kube-apiserver reads from the header client-go builds for `sent`
/// (`bearertoken.go`, `AuthenticateRequest`): the header value trimmed
/// (`strings.TrimSpace`), split as `strings.SplitN(auth, " ", 3)`, the first part must be
/// `bearer` in any case, and the token is the second part. So a token with an inner space
/// authenticates its first word, and one that starts with a space leaves an empty token,
/// which is no token at all (`nil, false, nil`: the request goes on, possibly anonymous).
pub fn bearer_token_seen(sent: &str) -> Option<&str> {
    // net/textproto already drops the header value's surrounding spaces and tabs; TrimSpace
    // drops any other Unicode space. The "Bearer " prefix is ASCII, so offsets line up.
    let header = format!("Bearer {sent}");
    let auth = header.trim();
    let mut parts = auth.splitn(3, ' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return None;
    }
    // `token` is a slice of `header` ("Bearer " + sent): map it back into `sent`.
    let start = token.as_ptr() as usize - header.as_ptr() as usize - "Bearer ".len();
    sent.get(start..start + token.len())
}

/// Why client-go could not send `token` as `Authorization: Bearer <token>`: Go's HTTP client
/// refuses a header value holding a control character other than a tab (net/http
/// `Transport`, `httpguts.ValidHeaderFieldValue`: "net/http: invalid header field value").
/// Such a token never reaches the API server through a request; only a TokenReview (JSON)
/// can carry it there.
pub fn unsendable(token: &str) -> Option<&'static str> {
    token
        .bytes()
        .any(|b| (b < b' ' && b != b'\t') || b == 0x7f)
        .then_some(
            "the token holds a control character (a line break?): client-go cannot send it (net/http: invalid header field value for \"Authorization\")",
        )
}
