//! Reaching a token: load the module (once per process), pick the slot the URI names, open a
//! session and log in.
//!
//! A PKCS#11 module may be initialized only once per process (`C_Initialize` answers
//! CKR_CRYPTOKI_ALREADY_INITIALIZED to a second call), and the login state is shared by all
//! sessions of the application (PKCS#11 v2.40 §5.6, `C_Login`). So the loaded modules live in
//! a process-wide table, and a second key on the same token finds the user already logged in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use super::uri::Pkcs11Uri;

/// Loaded modules by path. A module is never finalized before the process exits: keys held by
/// other parts of the program may still be using it.
fn modules() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    MODULES.get_or_init(Default::default)
}

/// Load and initialize the module at `path` (or return the one already loaded).
pub(crate) fn module(path: &Path) -> Result<Pkcs11, String> {
    let mut table = modules().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(m) = table.get(path) {
        return Ok(m.clone());
    }
    if !path.is_absolute() {
        // dlopen would search the library path for a bare name; a key file must say exactly
        // which code runs with its PIN.
        return Err(format!(
            "module-path {} is not an absolute path",
            path.display()
        ));
    }
    let m = Pkcs11::new(path).map_err(|e| match e {
        P11Error::LibraryLoading(e) => {
            format!("cannot load the PKCS#11 module {}: {e}", path.display())
        }
        e => format!("{} is not a PKCS#11 module: {e}", path.display()),
    })?;
    match m.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(describe(&e)),
    }
    table.insert(path.to_path_buf(), m.clone());
    Ok(m)
}

/// The one slot whose token matches the URI's token attributes.
pub(crate) fn slot(ctx: &Pkcs11, uri: &Pkcs11Uri) -> Result<Slot, String> {
    let mut found = Vec::new();
    for slot in ctx.get_slots_with_token().map_err(|e| describe(&e))? {
        if uri.slot_id.is_some_and(|id| id != slot.id()) {
            continue;
        }
        let Ok(info) = ctx.get_token_info(slot) else {
            continue;
        };
        // CK_TOKEN_INFO strings are blank-padded; cryptoki trims them.
        let fits = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        if fits(&uri.token, info.label())
            && fits(&uri.manufacturer, info.manufacturer_id())
            && fits(&uri.model, info.model())
            && fits(&uri.serial, info.serial_number())
            && info.token_initialized()
        {
            found.push(slot);
        }
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err("no token matches (check token=, or the module's configuration)".into()),
        more => Err(format!(
            "{} tokens match; add token=, serial= or slot-id= to pick one",
            more.len()
        )),
    }
}

/// A session on the URI's token, logged in as the user when a PIN is given.
pub(crate) fn session(
    uri: &Pkcs11Uri,
    read_write: bool,
) -> Result<(Pkcs11, Slot, Session), String> {
    let ctx = module(&uri.module()?)?;
    let slot = slot(&ctx, uri)?;
    let session = if read_write {
        ctx.open_rw_session(slot)
    } else {
        ctx.open_ro_session(slot)
    }
    .map_err(|e| describe(&e))?;
    let pin = uri.pin()?;
    let login_required = ctx
        .get_token_info(slot)
        .map(|i| i.login_required())
        .unwrap_or(true);
    match pin {
        Some(pin) => {
            let pin = AuthPin::from(pin.as_str());
            match session.login(UserType::User, Some(&pin)) {
                Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
                Err(e) => return Err(describe(&e)),
            }
        }
        None if login_required => {
            return Err(format!(
                "the token needs a PIN: set {} or add ?pin-source=file:PATH",
                super::uri::PIN_ENV
            ));
        }
        None => {}
    }
    Ok((ctx, slot, session))
}

/// One short line for a PKCS#11 failure, with the CKR_ name where the cause is common.
pub(crate) fn describe(e: &P11Error) -> String {
    match e {
        P11Error::Pkcs11(rv, func) => {
            let what = match rv {
                RvError::PinIncorrect => "wrong PIN (CKR_PIN_INCORRECT)",
                RvError::PinLocked => "the PIN is locked (CKR_PIN_LOCKED)",
                RvError::PinLenRange => "wrong PIN (CKR_PIN_LEN_RANGE)",
                RvError::MechanismInvalid => {
                    "the token does not support this mechanism (CKR_MECHANISM_INVALID)"
                }
                RvError::KeyTypeInconsistent => {
                    "the key cannot be used with this mechanism (CKR_KEY_TYPE_INCONSISTENT)"
                }
                RvError::UserNotLoggedIn => "not logged in: no PIN given (CKR_USER_NOT_LOGGED_IN)",
                RvError::TokenWriteProtected => {
                    "the token is read-only (CKR_TOKEN_WRITE_PROTECTED)"
                }
                _ => return format!("{} failed: {rv:?}", function_name(*func)),
            };
            what.to_string()
        }
        other => other.to_string(),
    }
}

fn function_name(f: Function) -> String {
    // cryptoki prints `Function::Sign`; the C name is what a token's logs show.
    format!("C_{}", format!("{f}").trim_start_matches("Function::"))
}
