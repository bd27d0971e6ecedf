//! The browser layer: the one wasm export JS calls, [`Widget::on`]. It reads a JSON input,
//! hands it to the core with the page's storage and the time, and writes the commands back.
//! Nothing here decides anything, and nothing here holds a JS object between calls, so a
//! removed element is collected with its controller.

pub mod edge;

#[cfg(target_arch = "wasm32")]
mod export {
    use std::cell::RefCell;

    use wasm_bindgen::prelude::*;

    use super::edge::{self, Commands};
    use super::store::WebStore;
    use crate::core::machine::callback::PageState;
    use crate::core::machine::io::{Command, Emit};
    use crate::core::machine::{Env, Machine};

    thread_local! {
        /// What the page keeps for all its widgets: responses waiting for them.
        static PAGE: RefCell<PageState> = const { RefCell::new(PageState::new()) };
    }

    /// The controller of one `<oauth-login>` (or of one `login(options)`).
    #[wasm_bindgen]
    #[derive(Default)]
    pub struct Widget(Machine);

    #[wasm_bindgen]
    impl Widget {
        /// A new controller, idle.
        #[wasm_bindgen(constructor)]
        pub fn new() -> Self {
            Self::default()
        }

        /// One input (a JSON array, see [`edge`]) at `now` (ms since the epoch); answers with
        /// the JSON commands it leads to. An input that cannot be read answers with a `fault`.
        pub fn on(&mut self, input: &str, now: f64) -> String {
            let mut out = Commands::default();
            match edge::decode(input) {
                Ok(input) => PAGE.with_borrow_mut(|page| {
                    let mut env = Env {
                        store: &mut WebStore,
                        page,
                        now: now as u64,
                    };
                    self.0.handle(input, &mut env, &mut out)
                }),
                Err(text) => out.emit(Command::Fault { text }),
            }
            out.finish()
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod store;

#[cfg(target_arch = "wasm32")]
pub use export::Widget;
