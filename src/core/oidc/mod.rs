//! OpenID Connect: who logged in, proven. Pure rules: discovery documents, JWS and JWK, the
//! id_token's claims, and the profile.
