//! Tianping's pure domain core: case numbers (案号), case types, organisations and roles, cases and
//! their procedural events. No IO, no async, no database types; time is always passed in.

pub mod case;
pub mod case_number;
pub mod case_type;
pub mod event;
pub mod history;
pub mod org;

pub use case::{CaseStatus, Clearance, Confidentiality, Party, PartyKind};
pub use case_number::{CaseNumber, CaseNumberError};
pub use case_type::{CaseKind, Procedure, Stage};
pub use event::{CaseState, EventBody, EventRecord, EventRejection};
pub use org::{AgencyKind, Level, OrgScope, Role};
