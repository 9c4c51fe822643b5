//! The anonymous authenticator (`--anonymous-auth`,
//! `k8s.io/apiserver/pkg/authentication/request/anonymous/anonymous.go`): it answers every
//! request, with `system:anonymous` in `system:unauthenticated`. config.go puts it after the
//! rest in `union.NewFailOnError`, so it runs only when nothing authenticated the request
//! and nothing failed.

use crate::Identity;

/// `system:anonymous`, the anonymous authenticator's user.
pub const ANONYMOUS_USER: &str = "system:anonymous";
/// The anonymous user's only group.
pub const UNAUTHENTICATED_GROUP: &str = "system:unauthenticated";

/// The anonymous user.
pub fn identity() -> Identity {
    Identity::new(ANONYMOUS_USER, [UNAUTHENTICATED_GROUP])
}
