//! Scenario tests of the controller, written as a browser would drive it.
