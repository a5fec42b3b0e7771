//! The server's stories, told over HTTP against both stores (SQLite always; PostgreSQL when
//! `TIANPING_TEST_POSTGRES_URL` is set, which `.ci/run` does): one module per capability over the
//! shared helpers of `tests/common` (the application at a fixed instant, a logged-in client).

#[path = "../common/mod.rs"]
mod common;

mod account;
mod board;
mod cases;
mod deputies;
mod deputy_work;
mod dishonest;
mod evaluations;
mod feedback;
mod ledger;
mod letters;
mod metrics;
mod nodes;
mod people_supervisors;
mod persons;
mod procuratorial;
mod proofreading;
mod refusal;
mod risks;
mod self_checks;
mod similar;
mod supervision;
mod todo;
mod typical;
