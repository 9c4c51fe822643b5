//! `kcred whoami`: what kube-apiserver's authenticator chain ([`crate::authn`]) makes of a
//! credential, reported as `kubectl auth whoami` reports it ([`report`]): the table, the
//! `SelfSubjectReview`, or the 401 `Status` with each authenticator's reason.

pub mod report;

pub use report::{NOT_CHECKED_ANNOTATION, Object, object, text};
