//! The decoder against `xz` as the build calls it (its arguments are read from
//! scripts/build/embed.mjs), against the build's text encoder and its code streams (fixtures both
//! sides check), and against damaged input, which it must refuse without a panic.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use unpack::{from_text, rebuild, unlzma, Damaged, HEADER, SLACK};

/// `data` compressed by `xz` with the build's arguments.
fn xz(data: &[u8]) -> Vec<u8> {
    let embed = include_str!("../../scripts/build/embed.mjs");
    let line = embed
        .lines()
        .find(|l| l.starts_with("export const XZ_ARGS"))
        .expect("embed.mjs declares XZ_ARGS");
    let args: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
    assert!(
        args.iter().any(|a| a.contains("lc=1,lp=0,pb=0")),
        "the decoder assumes lc=1, lp=0, pb=0: {args:?}"
    );
    let mut child = Command::new("xz")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("xz runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success());
    output.stdout
}

fn round_trip(data: &[u8]) {
    let packed = xz(data);
    let mut output = vec![0; data.len()];
    assert_eq!(unlzma(&packed, &mut output), Ok(()));
    assert!(
        output == data,
        "{} bytes decode to what xz was given",
        data.len()
    );
}

/// Bytes from a fixed xorshift: incompressible runs, with pieces repeated at distances near and
/// far (rep matches, long distances with direct bits and the align tree).
fn mixed(length: usize) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let mut data = Vec::with_capacity(length);
    while data.len() < length {
        let pick = next();
        if data.len() > 64 && pick % 3 == 0 {
            let back = 1 + (next() as usize % data.len().min(1 << (pick % 20)));
            let run = 2 + next() as usize % 300;
            for _ in 0..run {
                data.push(data[data.len() - back]);
            }
        } else {
            data.extend((0..1 + pick % 40).map(|_| next() as u8));
        }
    }
    data.truncate(length);
    data
}

#[test]
fn what_xz_packs_decodes_to_the_same_bytes() {
    round_trip(b"a");
    round_trip(&[0; 100_000]);
    round_trip(include_bytes!("../src/lib.rs"));
    round_trip(&mixed(300_000));
}

#[test]
fn the_build_s_alphabet_decodes_to_every_byte() {
    // scripts/build/embed.mjs's toText of the bytes 0 to 255; tests/build/embed.test.mjs checks
    // that it still writes this.
    let mut text = include_str!("every-byte.txt")
        .trim_end()
        .as_bytes()
        .to_vec();
    let written = from_text(&mut text).unwrap();
    assert_eq!(&text[..written], (0..=255).collect::<Vec<u8>>());
}

#[test]
fn damaged_input_is_refused() {
    for refused in [&b"AB\"C"[..], b"a\\b", b"ab d", b"\xc3\xa9"] {
        assert_eq!(
            from_text(&mut refused.to_vec()),
            Err(Damaged),
            "{refused:?}"
        );
    }
    let data = mixed(20_000);
    let packed = xz(&data);
    let mut output = vec![0; data.len()];
    // Too short to start, cut short, or asked for more than it holds.
    assert_eq!(unlzma(&packed[..4], &mut output), Err(Damaged));
    assert_eq!(
        unlzma(&packed[..packed.len() / 2], &mut output),
        Err(Damaged)
    );
    assert_eq!(
        unlzma(&packed, &mut vec![0; data.len() + 100_000]),
        Err(Damaged)
    );
    // Nothing to read back at the start: a match before the first byte.
    assert_eq!(
        unlzma(&[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], &mut [0; 8]),
        Err(Damaged)
    );
}

/// scripts/build/code-streams.mjs's plan of the fixture with every shape of immediate
/// (tests/build/code-streams.test.mjs checks that the build still writes it).
const SHAPES_WASM: &[u8] = include_bytes!("../../tests/build/fixtures/code-shapes.wasm");
const SHAPES_PLAN: &[u8] = include_bytes!("../../tests/build/fixtures/code-shapes.plan");

#[test]
fn the_build_s_plan_is_rebuilt_into_the_wasm() {
    // The three bodies' sizes (1, 1 and 2 bytes) left out.
    assert_eq!(SHAPES_PLAN.len(), HEADER + SHAPES_WASM.len() - 4);
    let mut wasm = vec![0; SHAPES_WASM.len() + SLACK];
    assert_eq!(rebuild(SHAPES_PLAN, &mut wasm), Ok(()));
    assert!(
        wasm[..SHAPES_WASM.len()] == *SHAPES_WASM,
        "the plan rebuilds the fixture"
    );
}

#[test]
fn a_plan_that_does_not_add_up_is_refused() {
    let size = SHAPES_WASM.len() + SLACK;
    // Asked for another size, or cut short.
    assert_eq!(rebuild(SHAPES_PLAN, &mut vec![0; size + 1]), Err(Damaged));
    assert_eq!(rebuild(SHAPES_PLAN, &mut vec![0; size - 1]), Err(Damaged));
    assert_eq!(rebuild(&SHAPES_PLAN[..HEADER - 1], &mut []), Err(Damaged));
    // Each number of the header one more or one less.
    for at in 0..HEADER / 4 {
        for delta in [1u32, u32::MAX] {
            let mut plan = SHAPES_PLAN.to_vec();
            let number = u32::from_le_bytes(plan[at * 4..at * 4 + 4].try_into().unwrap());
            plan[at * 4..at * 4 + 4].copy_from_slice(&number.wrapping_add(delta).to_le_bytes());
            let mut wasm = vec![0; size];
            // Refused, or (where the bodies' place moved) other bytes, which do not compile.
            let rebuilt = rebuild(&plan, &mut wasm);
            assert!(
                rebuilt.is_err() || (at == 0 && wasm[..SHAPES_WASM.len()] != *SHAPES_WASM),
                "header number {at} changed by {delta}"
            );
        }
    }
}

proptest! {
    /// Whatever the plan, rebuilding answers without a panic or a hang.
    #[test]
    fn any_plan_is_rebuilt_or_refused(plan in proptest::collection::vec(any::<u8>(), 0..600), size in 0usize..600) {
        let _ = rebuild(&plan, &mut vec![0; size]);
    }

    /// The fixture's plan with one byte changed is rebuilt (into other bytes) or refused.
    #[test]
    fn a_plan_with_a_changed_byte_is_rebuilt_or_refused(at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut plan = SHAPES_PLAN.to_vec();
        let at = at.index(plan.len());
        plan[at] = byte;
        let _ = rebuild(&plan, &mut vec![0; SHAPES_WASM.len() + SLACK]);
    }

    /// Whatever the bytes, the decoder answers without a panic (the wasm would trap).
    #[test]
    fn any_bytes_are_decoded_or_refused(mut input in proptest::collection::vec(any::<u8>(), 0..400), size in 0usize..2000) {
        let _ = unlzma(&input, &mut vec![0; size]);
        let _ = from_text(&mut input);
    }

    /// A packed stream with one byte changed decodes or is refused, never panics.
    #[test]
    fn a_changed_byte_is_decoded_or_refused(at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let data = mixed(3_000);
        let mut packed = xz(&data);
        let at = at.index(packed.len());
        packed[at] = byte;
        let _ = unlzma(&packed, &mut vec![0; data.len()]);
    }
}
