//! Watching a login popup from its opener, which may only look: is it closed, does it show a
//! page? A provider whose pages send `Cross-Origin-Opener-Policy` cuts the popup off, and from
//! then on it reads as closed while it is still open. The rules here tell a person's cancel from
//! that, as far as looks allow.

/// How often the browser looks at the popup, in milliseconds.
pub const LOOK_EVERY_MS: u32 = 100;

/// What the looks at one popup have shown so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PopupWatch {
    shown_looks: u8,
    closed_looks: u8,
    /// It showed a page on two looks in a row (a COOP swap can make a popup unreadable for an
    /// instant before it reads as closed, so one look is not enough).
    pub seen: bool,
    /// It read as closed before it was ever seen, and the provider is known to cut popups off:
    /// the login waits for its answer on the channel.
    pub lost_sight: bool,
}

/// What a popup that reads as closed means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// It was seen showing a page, then closed: the person closed it.
    AfterShowing,
    /// It read as closed before it showed a page: closed at once, or cut off by COOP.
    BeforeShowing,
}

impl PopupWatch {
    /// One look. Answers once, on the second look in a row that finds it closed (one more look
    /// lets a message already on its way arrive first).
    pub fn look(&mut self, closed: bool, shown: bool) -> Option<Closed> {
        if !closed {
            self.closed_looks = 0;
            self.shown_looks = if shown {
                self.shown_looks.saturating_add(1)
            } else {
                0
            };
            self.seen |= self.shown_looks >= 2;
            return None;
        }
        self.closed_looks = self.closed_looks.saturating_add(1);
        (self.closed_looks == 2).then_some(if self.seen {
            Closed::AfterShowing
        } else {
            Closed::BeforeShowing
        })
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// Looks in order: `o` open on a page, `b` open and blank, `c` closed.
    fn watch(looks: &str) -> (PopupWatch, Vec<Option<Closed>>) {
        let mut watch = PopupWatch::default();
        let verdicts = looks
            .bytes()
            .map(|look| watch.look(look == b'c', look == b'o'))
            .collect();
        (watch, verdicts)
    }

    #[test]
    fn a_popup_is_seen_after_two_looks_in_a_row_on_a_page() {
        assert!(!watch("bo").0.seen);
        assert!(!watch("obob").0.seen);
        assert!(watch("boo").0.seen);
        assert!(watch("oob").0.seen, "once seen, seen");
    }

    #[test]
    fn a_close_is_reported_once_on_the_second_closed_look() {
        assert_eq!(watch("ooc").1, [None, None, None]);
        assert_eq!(watch("oocc").1.last(), Some(&Some(Closed::AfterShowing)));
        assert_eq!(watch("bcc").1.last(), Some(&Some(Closed::BeforeShowing)));
        assert_eq!(
            watch("occ").1.last(),
            Some(&Some(Closed::BeforeShowing)),
            "one look is not a sighting"
        );
        assert_eq!(watch("oocccc").1.iter().flatten().count(), 1);
        assert_eq!(
            watch("oocoocc").1.iter().flatten().count(),
            1,
            "a closed look then open again starts over"
        );
    }
}
