//! The browser layer: the wasm exports JS calls. [`widget`] makes a controller and answers its
//! number; [`on`] reads a JSON input for it, hands it to the core with the page's storage and
//! the time, and writes the commands back; [`drop_widget`] frees it once its element is
//! collected (`js/driver.js` holds the number in a `FinalizationRegistry`). Nothing here decides
//! anything, and nothing here holds a JS object between calls, so a removed element is
//! collected with its controller. (A number rather than an exported struct: wasm-bindgen's
//! wrapper brings a reference-counted cell with its own checks and messages, about 150 B
//! gzipped.)

pub mod edge;

#[cfg(target_arch = "wasm32")]
mod export {
    use std::cell::RefCell;

    use wasm_bindgen::prelude::*;

    use super::edge;
    use super::store::WebStore;
    use crate::core::machine::callback::PageState;
    use crate::core::machine::io::{Command, Commands};
    use crate::core::machine::{Env, Machine};

    thread_local! {
        /// What the page keeps for all its widgets (responses waiting for them), and each live
        /// controller (of one `<oauth-login>`, or of one `login(options)`) by the number JS
        /// holds for it; a dropped one leaves its slot to the next. One cell: one accessor.
        static PAGE: RefCell<(PageState, Vec<Option<Machine>>)> =
            const { RefCell::new((PageState::new(), Vec::new())) };
    }

    /// What an export asks of the page's controllers.
    enum Ask<'a> {
        /// A new one, idle (`widget`).
        New,
        /// Controller `id` is gone (`drop_widget`).
        Gone(u32),
        /// An input for controller `id` at `now` (`on`), its commands written to `out`.
        Input(u32, &'a str, f64, &'a mut Commands),
    }

    /// Answers `ask` (a new controller's number; 0 for the others) with the page borrowed
    /// once: one accessor for every export, where a closure each made one each.
    fn page(ask: Ask) -> u32 {
        PAGE.with_borrow_mut(|(page, widgets)| match ask {
            Ask::New => {
                // The first free slot, an empty one pushed when there is none: the controller
                // is made in one place, into a slot known empty (nothing dropped, nothing moved
                // twice).
                let mut free = 0;
                loop {
                    match widgets.get_mut(free) {
                        Some(slot @ None) => {
                            slot.get_or_insert_with(Machine::default);
                            return free as u32;
                        }
                        Some(Some(_)) => free += 1,
                        None => widgets.push(None),
                    }
                }
            }
            Ask::Gone(id) => {
                if let Some(slot) = widgets.get_mut(id as usize) {
                    *slot = None;
                }
                0
            }
            Ask::Input(id, input, now, out) => {
                // Decoded before the match and lent to it: dropped once, whatever the way.
                let decoded = edge::decode(input);
                let fault = match (widgets.get_mut(id as usize), &decoded) {
                    (Some(Some(machine)), Ok(input)) => {
                        let mut env = Env {
                            store: &mut WebStore,
                            page,
                            now: now as u64,
                        };
                        machine.handle(input, &mut env, out);
                        None
                    }
                    (_, Err(text)) => Some(*text),
                    _ => Some("no such widget"),
                };
                // One fault for both: one command written.
                if let Some(text) = fault {
                    out.emit(Command::Fault { text });
                }
                0
            }
        })
    }

    /// A new controller, idle: answers its number.
    #[wasm_bindgen]
    pub fn widget() -> u32 {
        page(Ask::New)
    }

    /// Controller `id` is gone (its element was collected): its memory is freed.
    #[wasm_bindgen]
    pub fn drop_widget(id: u32) {
        page(Ask::Gone(id));
    }

    /// One input (a JSON array, see [`edge`]) for controller `id` at `now` (ms since the
    /// epoch); answers with the JSON commands it leads to. An input that cannot be read, or an
    /// id that is not a live controller's, answers with a `fault`.
    #[wasm_bindgen]
    pub fn on(id: u32, input: &str, now: f64) -> String {
        let mut out = edge::commands();
        page(Ask::Input(id, input, now, &mut out));
        edge::finish(out)
    }
}

#[cfg(target_arch = "wasm32")]
mod store;

#[cfg(target_arch = "wasm32")]
pub use export::{drop_widget, on, widget};
