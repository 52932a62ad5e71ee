//! `KnownHostsFile::scan` keeps only the lines for the scanned names and decides exactly as a
//! full parse does for those names.

use super::*;

fn mixed() -> String {
    format!(
        "# comment\n\n{HASHED_FOO} {ED_A}\r\n[host]:2222 {ED_B}\nhost,other {EC}\n@cert-authority *.example.com {CA}\n@revoked host {RSA}\n@bogus host {ED_A}\n|1|bad|hash {ED_A}\nhost ssh-ed25519 not*base64\n*.example.com,!bar.example.com {ED_B}\nlast {ED_A}"
    )
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn scan_keeps_only_matching_lines_with_true_numbers() {
    let text = mixed();
    let wanted = names(&["foo.example.com", "[host]:2222", "host"]);
    let f = KnownHostsFile::scan("kh", text.as_bytes(), &wanted).unwrap();
    let kept: Vec<(usize, u64)> = f.lines.iter().map(|l| (l.number, l.matched)).collect();
    // foo (hashed, bit 0), [host]:2222 (bit 1), host lines (bit 2), *.example.com (bit 0).
    assert_eq!(
        kept,
        vec![(3, 1), (4, 2), (5, 4), (6, 1), (7, 4), (10, 4), (11, 1)]
    );
    assert_eq!(f.lines[0].ending, LineEnding::CrLf);
    let s = f.scanned.as_ref().unwrap();
    assert_eq!(s.lines_read, 12);
    assert_eq!(s.other_malformed, 2); // @bogus and the bad hash
}

#[test]
fn scanned_and_parsed_files_give_the_same_verdicts() {
    let text = mixed();
    let wanted = names(&["foo.example.com", "[host]:2222", "host", "bar.example.com"]);
    let parsed = [KnownHostsFile::parse("kh", text.as_bytes())];
    let scanned = [KnownHostsFile::scan("kh", text.as_bytes(), &wanted).unwrap()];
    let cert = Certificate::from_openssh(CERT).unwrap();
    let (a, b, ec) = (key(ED_A), key(ED_B), key(EC));
    let presented = [
        PresentedKey::Key(&a),
        PresentedKey::Key(&b),
        PresentedKey::Key(&ec),
        PresentedKey::Certificate(&cert),
    ];
    for p in presented {
        for (host, port) in [
            ("foo.example.com", 22),
            ("host", 2222),
            ("host", 22),
            ("bar.example.com", 22),
        ] {
            let x = check_host_key(&parsed, host, port, None, p);
            let y = check_host_key(&scanned, host, port, None, p);
            assert_eq!(x.verdict, y.verdict, "{host}:{port}");
            let m = |c: &HostKeyCheck| {
                c.lookup
                    .matches
                    .iter()
                    .map(|m| (m.entry.line, m.how, m.same_key))
                    .collect::<Vec<_>>()
            };
            assert_eq!(m(&x), m(&y), "{host}:{port}");
            let bad = |c: &HostKeyCheck| {
                c.lookup
                    .malformed
                    .iter()
                    .filter(|h| h.host_matches)
                    .map(|h| h.entry.line)
                    .collect::<Vec<_>>()
            };
            assert_eq!(bad(&x), bad(&y), "{host}:{port}");
        }
    }
}

#[test]
fn malformed_lines_for_the_names_are_kept_up_to_a_limit_and_counted() {
    let mut text = String::new();
    for _ in 0..MALFORMED_KEPT + 5 {
        text.push_str("host ssh-ed25519 not*base64\n");
    }
    text.push_str(&format!("host {ED_A}\n"));
    let f = KnownHostsFile::scan("kh", text.as_bytes(), &names(&["host"])).unwrap();
    assert_eq!(f.lines.len(), MALFORMED_KEPT + 1);
    assert_eq!(f.scanned.as_ref().unwrap().malformed_dropped, 5);
    let a = key(ED_A);
    let c = check_host_key(&[f], "host", 22, None, PresentedKey::Key(&a));
    assert!(matches!(c.verdict, Verdict::Known { .. }));
    assert_eq!(
        c.lookup.malformed.len() + c.lookup.malformed_dropped,
        MALFORMED_KEPT + 5
    );
}
