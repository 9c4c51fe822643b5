//! Events per second of the maintained Rust YAML tokenizers on the same text: the floor
//! under any YAML reader built on them (issue 17's can-i speed goal).
//!
//! ```console
//! $ python3 bench/rbac-gen /tmp/rb
//! $ cargo run --release --manifest-path bench/yaml-floor/Cargo.toml -- /tmp/rb [PASSES]
//! granit-parser 2.2.0: 287497 events, 106.3 ms per pass (one core), 20.2 MB/s
//! ```
//!
//! Every `.yaml` file under DIR is read and joined into one stream of documents; each parser
//! turns it into events PASSES times (default 5) on one core, and nothing is built from the
//! events. kcred reads files on two cores, so a YAML policy cannot be read in less than about
//! half the one-core figure of the tokenizer it uses.

use std::path::Path;
use std::time::Instant;

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

/// Events of one pass of `parser` over `text`.
fn pass(parser: &str, text: &str) -> usize {
    let mut n = 0;
    match parser {
        "granit-parser 2.2.0" => {
            for e in granit_parser::Parser::new_from_str(text) {
                e.expect("granit-parser: valid YAML");
                n += 1;
            }
        }
        "saphyr-parser 0.3" => {
            for e in saphyr_parser::Parser::new_from_str(text) {
                e.expect("saphyr-parser: valid YAML");
                n += 1;
            }
        }
        "yaml-rust2 0.13" => {
            let mut p = yaml_rust2::parser::Parser::new_from_str(text);
            loop {
                let (e, _) = p.next_token().expect("yaml-rust2: valid YAML");
                n += 1;
                if e == yaml_rust2::Event::StreamEnd {
                    break;
                }
            }
        }
        // libyaml, as C2Rust translated it (what serde_yaml ran on).
        "unsafe-libyaml 0.2" => unsafe {
            use unsafe_libyaml::*;
            let mut p = std::mem::MaybeUninit::<yaml_parser_t>::uninit();
            assert!(yaml_parser_initialize(p.as_mut_ptr()).ok);
            let p = p.as_mut_ptr();
            yaml_parser_set_input_string(p, text.as_ptr(), text.len() as u64);
            loop {
                let mut ev = std::mem::MaybeUninit::<yaml_event_t>::uninit();
                assert!(
                    yaml_parser_parse(p, ev.as_mut_ptr()).ok,
                    "libyaml: valid YAML"
                );
                let ev = ev.as_mut_ptr();
                let done = (*ev).type_ == YAML_STREAM_END_EVENT;
                yaml_event_delete(ev);
                n += 1;
                if done {
                    break;
                }
            }
            yaml_parser_delete(p);
        },
        _ => unreachable!(),
    }
    n
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: yaml-floor DIR [PASSES]");
    let passes: u32 = args
        .next()
        .map_or(5, |n| n.parse().expect("PASSES: a number"));
    let mut files = Vec::new();
    collect(Path::new(&dir), &mut files);
    let docs: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect();
    let text = docs.join("\n---\n");
    println!("{} files, {} bytes", files.len(), text.len());
    for parser in [
        "granit-parser 2.2.0",
        "saphyr-parser 0.3",
        "yaml-rust2 0.13",
        "unsafe-libyaml 0.2",
    ] {
        let events = pass(parser, &text);
        let start = Instant::now();
        for _ in 0..passes {
            std::hint::black_box(pass(parser, &text));
        }
        let s = start.elapsed().as_secs_f64() / f64::from(passes);
        println!(
            "{parser}: {events} events, {:.1} ms per pass (one core), {:.1} MB/s",
            s * 1e3,
            text.len() as f64 / s / 1e6
        );
    }
}
