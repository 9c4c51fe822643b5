//! YAML through serde-saphyr (serde_yaml is unmaintained). Kept in one place so that every
//! reader gets the same budget against alias bombs and the same error wording.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Parse YAML into `T`. The error text is short and has no input echoed back.
pub fn from_str<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    serde_saphyr::from_str(text).map_err(|e| {
        let msg = e.to_string();
        msg.lines().next().unwrap_or("invalid YAML").to_string()
    })
}

/// Serialize `T` as YAML.
pub fn to_string<T: Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Crypto(format!("encoding YAML: {e}")))
}
