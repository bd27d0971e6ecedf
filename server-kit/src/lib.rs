//! `server-kit`: what the project's two servers, `dev-provider` and the exchange, share.
#![deny(missing_docs)]
