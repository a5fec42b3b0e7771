//! What every capability's routes share: extractors and request checks, access to cases, and the
//! page frame. Capability modules depend on this module, never on each other's handlers.

pub mod access;
pub mod extract;
pub mod page;

pub use extract::{ClientAddr, CurrentUser, PageUser};
