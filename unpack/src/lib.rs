//! The script's loader: a small wasm module that turns the widget's embedded wasm back into bytes.
//!
//! At build time the wasm's function bodies are taken apart into streams of one kind each
//! (`scripts/build/code-streams.mjs`: opcodes, local indices, constants...; LZMA models each
//! kind better alone, 2.7 KB less), the result (the "plan") is compressed by `xz` (raw LZMA1 with
//! `lc=1,lp=0,pb=0`, `scripts/build/embed.mjs`) and written into the script as text of a
//! 64-character alphabet. LZMA takes about 5 KB more out of the wasm than the server's gzip does,
//! and gzip then leaves the text at the compressed size (6 bits a character). Inflating must be
//! synchronous (the core takes a response out of the address before the page's other scripts
//! run), and inflaters written in JS ran cold for 24 to 39 ms; this one, compiled to wasm, decodes
//! the widget's 86 KB in about 5 ms in Node and 9 to 13 ms in this machine's headless Chromium
//! (measured before the code streams; natively, joining them takes 0.6 to 0.8 ms where LZMA takes
//! 2.1 ms).
//!
//! The page calls two exports (`js/unpack.js`): `room` makes memory for the text, the plan and
//! the wasm, then `unpack` decodes the text in place, the LZMA stream after it into the plan
//! (`unlzma`), and the plan into the wasm (`rebuild`). Everything here is bounds-checked: a
//! damaged text is refused (0), never read or written outside its slices.
#![cfg_attr(target_arch = "wasm32", no_std)]

/// A text or stream that is not what the build wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct Damaged;

/// The text's 64 characters, value 0 first: `scripts/build/embed.mjs`'s `ALPHABET`, which says why
/// these (the fixture `tests/every-byte.txt` holds both sides to it).
const ALPHABET: &[u8; 64] = b"!&(),-./01235678:;=>?ACEILMOPRSTUW[]_`abcdefghijklmnoprstuvwxy{}";

/// Each ASCII character's value in [`ALPHABET`] plus 1, 0 where it is none of them: zeros, which
/// the module's data leaves out (measured -29 B against 64 for none).
const VALUES: [u8; 128] = {
    let mut values = [0; 128];
    let mut value = 0;
    while value < 64 {
        values[ALPHABET[value] as usize] = value as u8 + 1;
        value += 1;
    }
    values
};

/// Decodes `text` in place from the build's alphabet ([`ALPHABET`]), 6 bits a character. Returns
/// how many bytes it wrote at the start of `text`.
pub fn from_text(text: &mut [u8]) -> Result<usize, Damaged> {
    let (mut held, mut bits, mut written) = (0u32, 0, 0);
    for read in 0..text.len() {
        let value = match VALUES.get(usize::from(text[read])) {
            Some(&value) if value > 0 => value - 1,
            _ => return Err(Damaged),
        };
        held = held << 6 | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Behind the read position: 8 bits written for every 6 read (so always there; `get_mut`
            // is smaller than the index's bounds check, measured -15 B gzipped).
            if let Some(out) = text.get_mut(written) {
                *out = (held >> bits) as u8;
            }
            written += 1;
        }
    }
    Ok(written)
}

/// The literal context bits (`lc`); `lp` and `pb` are 0, so no position state is modelled.
/// The build passes the same to `xz`.
const LC: u32 = 1;

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

/// Decodes the raw LZMA1 stream `input` (`lc=1,lp=0,pb=0`) into all of `output`. A stream that
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
            // After a match, the byte the last distance points at predicts this one: its bits
            // choose the models at 0x100 on (`offset`) until a bit differs from it, and the plain
            // ones after (the LZMA SDK's one loop for both).
            let (mut symbol, mut matched, mut offset) = (1, 0, 0);
            if *state >= 7 {
                matched = u32::from(output[at - reps[0] - 1]);
                offset = 0x100;
            }
            while symbol < 0x100 {
                matched <<= 1;
                let match_bit = matched & offset;
                let bit = ranges.bit(model + (offset + match_bit + symbol) as usize);
                symbol = symbol << 1 | bit;
                offset &= if bit == 0 { !match_bit } else { match_bit };
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
                // To the front, the ones before it moved back (`rotate_right` is larger).
                let distance = reps[which];
                let mut rep = which;
                while rep > 0 {
                    reps[rep] = reps[rep - 1];
                    rep -= 1;
                }
                reps[0] = distance;
            }
            *state = if *state < 7 { 8 } else { 11 };
            ranges.length(REP_LEN)
        };
        for _ in 0..length + 2 {
            if at == output.len() {
                break;
            }
            // `at` is within: `get_mut` is smaller than the index's bounds check.
            let byte = output[at - reps[0] - 1];
            if let Some(out) = output.get_mut(at) {
                *out = byte;
            }
            at += 1;
        }
        Ok(at)
    }
}

/// How many streams scripts/build/code-streams.mjs takes the function bodies apart into.
pub const STREAMS: usize = 12;
/// The room [`rebuild`] needs after the wasm: a function body is written this far on, then
/// moved back behind its size (a LEB128 of up to 5 bytes).
pub const SLACK: usize = 5;
/// The bytes of the plan before the wasm's own, u32s little-endian: where the function bodies go
/// in the skeleton, how many there are, and each stream's length.
pub const HEADER: usize = (2 + STREAMS) * 4;

// The streams, numbered in the order of code-streams.mjs's `STREAMS`; after them, the rest of the
// wasm (`SKELETON`), read as one more.
const LOCALS: usize = 0;
const OTHER: usize = 1;
const BRANCH: usize = 2;
const CALL: usize = 3;
const CONST64: usize = 4;
const CONST32: usize = 5;
const LOAD: usize = 6;
const STORE: usize = 7;
const SET: usize = 8;
const TEE: usize = 9;
const GET: usize = 10;
const OP: usize = 11;
const SKELETON: usize = STREAMS;

/// What [`Rebuild::copy`] copies of a stream: bytes, or LEB128 numbers.
#[derive(Clone, Copy)]
enum Item {
    Byte,
    Number,
}

/// The wasm being written back from its plan: where each stream is read, and where it ends.
/// A read past a stream's end, or a write past the wasm's, marks it `damaged` (and reads 0):
/// flags, not `Result`s, keep this small (each `?` passed a result through memory).
struct Rebuild<'a> {
    plan: &'a [u8],
    next: [usize; STREAMS + 1],
    end: [usize; STREAMS + 1],
    wasm: &'a mut [u8],
    written: usize,
    damaged: bool,
}

impl Rebuild<'_> {
    /// Writes `byte` to the wasm.
    #[inline(never)]
    fn put(&mut self, byte: u8) {
        match self.wasm.get_mut(self.written) {
            Some(out) => *out = byte,
            None => self.damaged = true,
        }
        self.written += 1;
    }

    /// Copies the next byte of stream `from` to the wasm, and returns it.
    #[inline(never)]
    fn byte(&mut self, from: usize) -> u8 {
        let at = self.next[from];
        let byte = match self.plan.get(at) {
            Some(&byte) if at < self.end[from] => byte,
            _ => {
                self.damaged = true;
                return 0;
            }
        };
        self.next[from] = at + 1;
        self.put(byte);
        byte
    }

    /// Copies `count` items of stream `from`, bytes or LEB128 numbers (fewer once damaged).
    #[inline(never)]
    fn copy(&mut self, from: usize, mut count: usize, item: Item) {
        while count > 0 && !self.damaged {
            match item {
                Item::Byte => {
                    self.byte(from);
                }
                Item::Number => {
                    self.leb(from);
                }
            }
            count -= 1;
        }
    }

    /// Copies a LEB128 number of stream `from`; returns its value (its low 32 bits).
    #[inline(never)]
    fn leb(&mut self, from: usize) -> usize {
        let (mut value, mut shift) = (0, 0);
        loop {
            let byte = self.byte(from);
            if shift < 32 {
                value |= usize::from(byte & 0x7f) << shift;
            }
            shift += 7;
            if byte < 0x80 {
                return value;
            }
        }
    }

    /// Writes one function body back, with its size first. The plan leaves the size out: the
    /// body is written `SLACK` bytes on (room for the longest size), then moved back behind it.
    #[inline(never)]
    fn body(&mut self) {
        let start = self.written;
        self.written += SLACK;
        self.instructions();
        if self.damaged {
            return;
        }
        // Every byte of it was written, so it is within the wasm.
        let body = start + SLACK..self.written;
        let mut size = body.len();
        self.written = start;
        loop {
            let low = size as u8 & 0x7f;
            size >>= 7;
            self.put(if size > 0 { low | 0x80 } else { low });
            if size == 0 {
                break;
            }
        }
        // Moved forward byte by byte: `copy_within` would bring a stable build's panic messages,
        // and a plain loop is vectorized at opt-level 3 (both measured larger).
        for from in body {
            let byte = self.wasm.get(from).copied().unwrap_or(0);
            self.put(byte);
        }
    }

    /// Writes a body's locals, then each instruction's opcode and immediates from their
    /// streams (as code-streams.mjs's `immediates` took them apart), through its final `end`.
    #[inline(never)]
    fn instructions(&mut self) {
        let mut groups = self.leb(LOCALS);
        while groups > 0 && !self.damaged {
            self.leb(LOCALS);
            self.byte(LOCALS);
            groups -= 1;
        }
        // The blocks open (block, loop, if): the `end` with none open ends the body.
        let mut open = 0usize;
        while !self.damaged {
            let op = self.byte(OP);
            let mut immediates = match op {
                0x0b if open == 0 => return,
                0x0b => {
                    open -= 1;
                    0
                }
                0xfc => misc_immediates(self.leb(OP)),
                _ => IMMEDIATES[usize::from(op)],
            };
            open += usize::from((0x02..=0x04).contains(&op));
            // Up to two, a byte each (low byte first): a stream (low 4 bits, plus 1: 0 is none)
            // and a kind (high 4 bits).
            while immediates & 15 != 0 {
                let stream = usize::from(immediates & 15) - 1;
                match immediates >> 4 & 15 {
                    LEB => self.copy(stream, 1, Item::Number),
                    TABLE => {
                        let targets = self.leb(stream);
                        self.copy(stream, targets.saturating_add(1), Item::Number);
                    }
                    VECTOR => {
                        let count = self.leb(stream);
                        self.copy(stream, count, Item::Byte);
                    }
                    kind => self.copy(stream, 1 << (kind - BYTES_1), Item::Byte),
                }
                immediates >>= 8;
            }
        }
    }
}

// The kinds of immediate: a LEB128; a count `n` then `n + 1` LEB128s (br_table); a count then
// that many bytes (a typed select); 1, 2, 4 or 8 bytes as they are.
const LEB: u16 = 0;
const TABLE: u16 = 1;
const VECTOR: u16 = 2;
const BYTES_1: u16 = 3;

/// One immediate for `copy`: its kind and stream.
const fn one(kind: u16, stream: usize) -> u16 {
    kind << 4 | (stream as u16 + 1)
}

/// Two immediates for `copy`, `first` first.
const fn two(first: u16, second: u16) -> u16 {
    first | second << 8
}

/// The immediates after each opcode (but 0xfc), as a table: a lookup is smaller than the match.
static IMMEDIATES: [u16; 256] = {
    let mut table = [0; 256];
    let mut op = 0;
    while op < 256 {
        table[op] = immediates(op as u8);
        op += 1;
    }
    table
};

/// The immediates after the opcode `op` (not 0xfc), with their streams.
const fn immediates(op: u8) -> u16 {
    match op {
        // Block types stay with the opcodes, which predict them.
        0x02..=0x04 => one(LEB, OP),
        0x0c | 0x0d => one(LEB, BRANCH),
        0x0e => one(TABLE, BRANCH),
        0x10 | 0xd2 => one(LEB, CALL),
        0x11 => two(one(LEB, CALL), one(LEB, CALL)),
        0x1c => one(VECTOR, OTHER),
        0x20 => one(LEB, GET),
        0x21 => one(LEB, SET),
        0x22 => one(LEB, TEE),
        0x23..=0x26 => one(LEB, OTHER),
        // A memory access: its alignment stays with the opcode, its offset goes by direction.
        0x28..=0x35 => two(one(LEB, OP), one(LEB, LOAD)),
        0x36..=0x3e => two(one(LEB, OP), one(LEB, STORE)),
        0x3f | 0x40 | 0xd0 => one(BYTES_1, OTHER),
        0x41 => one(LEB, CONST32),
        0x42 => one(LEB, CONST64),
        0x43 => one(BYTES_1 + 2, CONST32),
        0x44 => one(BYTES_1 + 3, CONST64),
        // No immediates (code-streams.mjs refuses an opcode it does not know).
        _ => 0,
    }
}

/// The immediates after 0xfc and its sub-opcode `sub` (bulk memory, tables, saturating truncation).
fn misc_immediates(sub: usize) -> u16 {
    match sub {
        8 => two(one(LEB, OTHER), one(BYTES_1, OTHER)),
        9 | 13 | 15..=17 => one(LEB, OTHER),
        10 => one(BYTES_1 + 1, OTHER),
        11 => one(BYTES_1, OTHER),
        12 | 14 => two(one(LEB, OTHER), one(LEB, OTHER)),
        _ => 0,
    }
}

/// Writes the wasm back from its `plan` (scripts/build/code-streams.mjs's layout) into `wasm`,
/// all of it but its last [`SLACK`] bytes, which are room to work in. A plan whose parts do not
/// make that, exactly, is refused.
pub fn rebuild(plan: &[u8], wasm: &mut [u8]) -> Result<(), Damaged> {
    let mut rebuild = Rebuild {
        plan,
        next: [0; STREAMS + 1],
        end: [0; STREAMS + 1],
        damaged: false,
        wasm,
        written: 0,
    };
    // The header's numbers: where the bodies go in the skeleton, how many, and each stream's
    // length. The skeleton follows the header, and each stream the one before: placed from the
    // end back. The bounds are hidden from the optimizer, which would unroll the loops (+600 B).
    let number = |at: usize| match plan.get(at * 4..at * 4 + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]) as usize,
        _ => usize::MAX,
    };
    let mut start = plan.len();
    let mut stream = core::hint::black_box(STREAMS);
    while stream > 0 {
        stream -= 1;
        rebuild.end[stream] = start;
        start = start.saturating_sub(number(2 + stream));
        rebuild.next[stream] = start;
    }
    rebuild.next[SKELETON] = HEADER;
    rebuild.end[SKELETON] = start;
    rebuild.damaged = start < HEADER;
    rebuild.copy(SKELETON, number(0), Item::Byte);
    let mut functions = number(1);
    while functions > 0 && !rebuild.damaged {
        rebuild.body();
        functions -= 1;
    }
    rebuild.copy(
        SKELETON,
        start.saturating_sub(rebuild.next[SKELETON]),
        Item::Byte,
    );
    // All of the wasm written, and every stream read to its end.
    let mut stream = core::hint::black_box(STREAMS + 1);
    while stream > 0 {
        stream -= 1;
        rebuild.damaged |= rebuild.next[stream] != rebuild.end[stream];
    }
    if rebuild.damaged || rebuild.written + SLACK != rebuild.wasm.len() {
        Err(Damaged)
    } else {
        Ok(())
    }
}

/// The exports the page calls (`js/unpack.js`): the text goes after the module's own memory, the
/// plan after the text, and the wasm (with `rebuild`'s room) after the plan.
#[cfg(target_arch = "wasm32")]
mod page {
    use super::SLACK;
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

    /// Grows the memory to hold a text of `length` bytes, the plan of `plan` bytes that LZMA
    /// decodes it to, and the wasm of `size` bytes (and the room `rebuild` works in); returns
    /// where the page writes the text, or 0 when the memory cannot grow.
    #[no_mangle]
    pub extern "C" fn room(length: usize, plan: usize, size: usize) -> usize {
        let (end, held) = (
            text_at() + length + plan + size + SLACK,
            memory_size(0) << 16,
        );
        if end > held && memory_grow(0, (end - held).div_ceil(1 << 16)) == usize::MAX {
            return 0;
        }
        text_at()
    }

    /// Decodes the text of `length` bytes that the page wrote where `room` said into the plan of
    /// `plan` bytes, and that into the wasm of `size` bytes; returns where the wasm is, or 0 when
    /// the text is damaged.
    #[no_mangle]
    pub extern "C" fn unpack(length: usize, plan: usize, size: usize) -> usize {
        if room(length, plan, size) == 0 {
            return 0;
        }
        let plan_at = text_at() + length;
        let wasm_at = plan_at + plan;
        // SAFETY: `room` made the three slices part of the memory, one after another; nothing
        // else in this module uses memory past the heap's base.
        let (text, plan, wasm) = unsafe {
            (
                from_raw_parts_mut(text_at() as *mut u8, length),
                from_raw_parts_mut(plan_at as *mut u8, plan),
                from_raw_parts_mut(wasm_at as *mut u8, size + SLACK),
            )
        };
        match super::from_text(text) {
            Ok(bytes)
                if super::unlzma(&text[..bytes], plan).is_ok()
                    && super::rebuild(plan, wasm).is_ok() =>
            {
                wasm_at
            }
            _ => 0,
        }
    }

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        unreachable()
    }
}
