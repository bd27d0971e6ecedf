//! The script's loader: a small wasm module that turns the widget's embedded wasm back into bytes.
//!
//! The widget's wasm is compressed at build time by `xz` (raw LZMA1 with `lc=3,lp=0,pb=0`,
//! `scripts/build/embed.mjs`) and written into the script as text of a 64-character alphabet.
//! LZMA takes about 5 KB more out of the wasm than the server's gzip does, and gzip then leaves
//! the text at the compressed size (6 bits a character). Inflating must be synchronous (the core
//! takes a response out of the address before the page's other scripts run), and inflaters
//! written in JS ran cold for 24 to 39 ms; this one, compiled to wasm, decodes the widget's
//! 86 KB in about 5 ms in Node and 9 to 13 ms in this machine's headless Chromium (measured).
//!
//! The page calls two exports (`js/unpack.js`): `room` makes memory for the text and the output,
//! then `unpack` decodes the text in place and the LZMA stream after it. Everything here is
//! bounds-checked: a damaged text is refused (0), never read or written outside its slices.
#![cfg_attr(target_arch = "wasm32", no_std)]

/// A text or stream that is not what the build wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct Damaged;

/// Decodes `text` in place from the build's alphabet: 6 bits a character, '#' to '[' then ']' to
/// 'c' (contiguous, so a subtraction decodes it; no quote or backslash, which a JS string literal
/// would escape). Returns how many bytes it wrote at the start of `text`.
pub fn from_text(text: &mut [u8]) -> Result<usize, Damaged> {
    let (mut held, mut bits, mut written) = (0u32, 0, 0);
    for read in 0..text.len() {
        let value = match text[read] {
            c @ b'#'..=b'[' => c - b'#',
            c @ b']'..=b'c' => c - b'$',
            _ => return Err(Damaged),
        };
        held = held << 6 | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Behind the read position: 8 bits written for every 6 read.
            text[written] = (held >> bits) as u8;
            written += 1;
        }
    }
    Ok(written)
}

/// The literal context bits (`lc`); `lp` and `pb` are 0, so no position state is modelled.
/// The build passes the same to `xz`.
const LC: u32 = 3;

// The probabilities, one array: each model's offset. A bit tree of n bits takes 2^n entries,
// read from index 1.
const LITERALS: usize = 0;
const IS_MATCH: usize = LITERALS + (0x300 << LC);
const IS_REP: usize = IS_MATCH + 12;
const IS_REP_G0: usize = IS_REP + 12;
const IS_REP_G1: usize = IS_REP_G0 + 12;
const IS_REP_G2: usize = IS_REP_G1 + 12;
const IS_REP0_LONG: usize = IS_REP_G2 + 12;
/// Four trees of 6 bits, by the match's length.
const SLOTS: usize = IS_REP0_LONG + 12;
/// The reverse trees of the distances of slots 4 to 13.
const SPECIAL: usize = SLOTS + 4 * 64;
const ALIGN: usize = SPECIAL + 115;
/// A length coder: choice, choice 2, low (3 bits), mid (3 bits), high (8 bits).
const MATCH_LEN: usize = ALIGN + 16;
const REP_LEN: usize = MATCH_LEN + 274;
const MODELS: usize = REP_LEN + 274;

/// LZMA's range decoder with its probabilities (the LZMA SDK's `LzmaSpec.cpp`, without what
/// `lp = pb = 0` and a dictionary as large as the output make needless).
struct Ranges<'a> {
    input: &'a [u8],
    next: usize,
    range: u32,
    code: u32,
    odds: [u16; MODELS],
}

impl Ranges<'_> {
    /// The next input byte; past the end a 0, which `unlzma` then refuses.
    fn byte(&mut self) -> u32 {
        let byte = self.input.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        u32::from(byte)
    }

    fn normalize(&mut self) {
        if self.range < 1 << 24 {
            self.range <<= 8;
            self.code = self.code << 8 | self.byte();
        }
    }

    /// One bit by the probability at `model`, which it then adapts.
    fn bit(&mut self, model: usize) -> u32 {
        let odds = u32::from(self.odds[model]);
        let bound = (self.range >> 11) * odds;
        let bit = if self.code < bound {
            self.range = bound;
            self.odds[model] = (odds + ((2048 - odds) >> 5)) as u16;
            0
        } else {
            self.range -= bound;
            self.code -= bound;
            self.odds[model] = (odds - (odds >> 5)) as u16;
            1
        };
        self.normalize();
        bit
    }

    /// `bits` bits of even probability.
    fn direct(&mut self, bits: u32) -> u32 {
        let mut value = 0;
        for _ in 0..bits {
            self.range >>= 1;
            let bit = u32::from(self.code >= self.range);
            if bit == 1 {
                self.code -= self.range;
            }
            value = value << 1 | bit;
            self.normalize();
        }
        value
    }

    /// A number of `bits` bits from the tree at `model`, highest bit first.
    fn tree(&mut self, model: usize, bits: u32) -> u32 {
        let mut node = 1;
        for _ in 0..bits {
            node = node << 1 | self.bit(model + node as usize);
        }
        node - (1 << bits)
    }

    /// A number of `bits` bits from the tree at `model`, lowest bit first.
    fn reverse(&mut self, model: usize, bits: u32) -> u32 {
        let (mut node, mut value) = (1, 0);
        for at in 0..bits {
            let bit = self.bit(model + node as usize);
            node = node << 1 | bit;
            value |= bit << at;
        }
        value
    }

    /// A match's length less 2, from the length coder at `model`.
    fn length(&mut self, model: usize) -> u32 {
        if self.bit(model) == 0 {
            self.tree(model + 2, 3)
        } else if self.bit(model + 1) == 0 {
            8 + self.tree(model + 10, 3)
        } else {
            16 + self.tree(model + 18, 8)
        }
    }

    /// A match's distance less 1 (`u32::MAX` is the end marker).
    fn distance(&mut self, length: u32) -> u32 {
        let slot = self.tree(SLOTS + (length.min(3) as usize) * 64, 6);
        if slot < 4 {
            return slot;
        }
        let bits = (slot >> 1) - 1;
        let base = (2 | slot & 1) << bits;
        if slot < 14 {
            base + self.reverse(SPECIAL + (base - slot) as usize, bits)
        } else {
            base + (self.direct(bits - 4) << 4) + self.reverse(ALIGN, 4)
        }
    }
}

/// Decodes the raw LZMA1 stream `input` (`lc=3,lp=0,pb=0`) into all of `output`. A stream that
/// ends early, reaches back before the start, or runs past its end is refused; an end marker
/// after the last byte is allowed and not read.
pub fn unlzma(input: &[u8], output: &mut [u8]) -> Result<(), Damaged> {
    let code = match input {
        [_, a, b, c, d, ..] => u32::from_be_bytes([*a, *b, *c, *d]),
        _ => return Err(Damaged),
    };
    let mut ranges = Ranges {
        input,
        next: 5,
        range: u32::MAX,
        code,
        odds: [1024; MODELS],
    };
    let mut packets = Packets {
        state: 0,
        reps: [0; 4],
    };
    let mut at = 0;
    while at < output.len() {
        at = packets.next(&mut ranges, output, at)?;
    }
    if ranges.next > input.len() {
        return Err(Damaged);
    }
    Ok(())
}

/// What the packets so far leave for the next: the state (0 to 11: what the last packets were)
/// and the four latest distances, less 1.
struct Packets {
    state: usize,
    reps: [usize; 4],
}

impl Packets {
    /// Decodes one packet (a literal, a match or a repeated match) into `output` at `at`, which
    /// is before its end; returns where the next begins. Not inlined into `unlzma`: the module
    /// is then 206 B smaller (measured), and no slower.
    #[inline(never)]
    fn next(
        &mut self,
        ranges: &mut Ranges,
        output: &mut [u8],
        mut at: usize,
    ) -> Result<usize, Damaged> {
        let Packets { state, reps } = self;
        if ranges.bit(IS_MATCH + *state) == 0 {
            let previous = if at == 0 { 0 } else { output[at - 1] };
            let model = LITERALS + 0x300 * usize::from(previous >> (8 - LC));
            let mut symbol = 1;
            if *state >= 7 {
                // After a match, the byte the last distance points at predicts this one.
                let mut matched = u32::from(output[at - reps[0] - 1]);
                while symbol < 0x100 {
                    let match_bit = matched >> 7 & 1;
                    matched <<= 1;
                    let bit = ranges.bit(model + (((1 + match_bit) << 8) + symbol) as usize);
                    symbol = symbol << 1 | bit;
                    if match_bit != bit {
                        break;
                    }
                }
            }
            while symbol < 0x100 {
                symbol = symbol << 1 | ranges.bit(model + symbol as usize);
            }
            output[at] = symbol as u8;
            *state = match *state {
                0..=3 => 0,
                4..=9 => *state - 3,
                _ => *state - 6,
            };
            return Ok(at + 1);
        }
        let length = if ranges.bit(IS_REP + *state) == 0 {
            let length = ranges.length(MATCH_LEN);
            *state = if *state < 7 { 7 } else { 10 };
            let distance = ranges.distance(length) as usize;
            if distance >= at {
                return Err(Damaged);
            }
            *reps = [distance, reps[0], reps[1], reps[2]];
            length
        } else {
            // A repeated distance: there is a byte to repeat only after the first.
            if at == 0 {
                return Err(Damaged);
            }
            if ranges.bit(IS_REP_G0 + *state) == 0 {
                if ranges.bit(IS_REP0_LONG + *state) == 0 {
                    *state = if *state < 7 { 9 } else { 11 };
                    output[at] = output[at - reps[0] - 1];
                    return Ok(at + 1);
                }
            } else {
                let which = if ranges.bit(IS_REP_G1 + *state) == 0 {
                    1
                } else if ranges.bit(IS_REP_G2 + *state) == 0 {
                    2
                } else {
                    3
                };
                reps[..=which].rotate_right(1);
            }
            *state = if *state < 7 { 8 } else { 11 };
            ranges.length(REP_LEN)
        };
        for _ in 0..length + 2 {
            if at == output.len() {
                break;
            }
            output[at] = output[at - reps[0] - 1];
            at += 1;
        }
        Ok(at)
    }
}

/// The exports the page calls (`js/unpack.js`): the text goes after the module's own memory, and
/// the output after the text.
#[cfg(target_arch = "wasm32")]
mod page {
    use core::arch::wasm32::{memory_grow, memory_size, unreachable};
    use core::slice::from_raw_parts_mut;

    extern "C" {
        /// Where the linker ends the module's stack and data.
        static __heap_base: u8;
    }

    fn text_at() -> usize {
        // Only the symbol's address is taken: no read, so no `unsafe`.
        core::ptr::addr_of!(__heap_base) as usize
    }

    /// Grows the memory to hold a text of `length` bytes and an output of `size`; returns where
    /// the page writes the text, or 0 when the memory cannot grow.
    #[no_mangle]
    pub extern "C" fn room(length: usize, size: usize) -> usize {
        let (end, held) = (text_at() + length + size, memory_size(0) << 16);
        if end > held && memory_grow(0, (end - held).div_ceil(1 << 16)) == usize::MAX {
            return 0;
        }
        text_at()
    }

    /// Decodes the text of `length` bytes that the page wrote where `room` said into `size`
    /// bytes; returns where they are, or 0 when the text is damaged.
    #[no_mangle]
    pub extern "C" fn unpack(length: usize, size: usize) -> usize {
        if room(length, size) == 0 {
            return 0;
        }
        // SAFETY: `room` made both slices part of the memory, and they do not overlap; nothing
        // else in this module uses memory past the heap's base.
        let (text, output) = unsafe {
            (
                from_raw_parts_mut(text_at() as *mut u8, length),
                from_raw_parts_mut((text_at() + length) as *mut u8, size),
            )
        };
        match super::from_text(text) {
            Ok(bytes) if super::unlzma(&text[..bytes], output).is_ok() => output.as_ptr() as usize,
            _ => 0,
        }
    }

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unreachable()
    }
}
