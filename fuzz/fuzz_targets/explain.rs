//! Coverage-guided fuzzing of `sshdoctor explain`'s transcript parser: any bytes end in the
//! same events every front end reads (Stages first, Done last), never a panic.
//! `cargo +nightly fuzz run explain fuzz/corpus/explain tests/data/transcripts`
#![no_main]

use libfuzzer_sys::fuzz_target;
use sshdoctor::event::Event;
use sshdoctor::explain::{events, input, Options, Owner};

fuzz_target!(|data: &[u8]| {
    let input = input::read(data).expect("reading from memory");
    let options = Options {
        name: "fuzz".into(),
        owner: Owner::NotMine,
    };
    let evs = events(&input, &options);
    assert!(matches!(evs.first(), Some(Event::Stages(_))));
    assert!(matches!(evs.last(), Some(Event::Done { .. })));
});
