//! One small function component per file; each renders props and reports
//! what the analyst did through callbacks.

pub mod checklist;
pub mod config_view;
pub mod context_panel;
pub mod detail;
pub mod exercise;
pub mod export_menu;
pub mod facets;
pub mod files_panel;
pub mod findings_panel;
pub mod histogram;
pub mod later;
pub mod map;
pub mod queries;
pub mod query_bar;
pub mod remediation;
pub mod show_more;
pub mod story;
pub mod tab_notice;
pub mod timeline;
pub mod topbar;
