//! OAuth 2.0 itself: settings to a validated configuration, the requests the widget sends, the
//! responses it reads, the token it keeps, and the provider presets. Pure rules, no state.

pub mod config;
pub mod form;
pub mod provider;
pub mod request;
pub mod response;
pub mod token;
pub mod url;
