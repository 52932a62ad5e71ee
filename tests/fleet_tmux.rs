//! `sshdoctor fleet`'s table in tmux: live results, failing first with the summary by root
//! cause, filters and search, Enter into a host's own console and back, the changed host keys
//! of two hosts removed in one confirmed repair, and the terminal given back on `q`.

mod common;
mod fleet_common;

use common::tmux::Tmux;
use common::BIN;
use fleet_common::fixture;

/// The row of the table naming `alias` (the first screen line with it as a word).
fn row<'a>(screen: &'a str, alias: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == alias))
}

/// The host names in the table's rows, top to bottom.
fn rows(screen: &str) -> Vec<String> {
    let names = fleet_common::HOSTS.map(|(a, _)| a);
    screen
        .lines()
        .skip_while(|l| !l.contains("HOST"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| names.contains(w))
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn the_table_filters_opens_a_host_repairs_many_and_gives_the_terminal_back() {
    let f = fixture();
    let home = f.home.path().display();
    let command = format!(
        "env HOME={home} SSHDOCTOR_PASSWD_HOME={home} LANG=C.UTF-8 {BIN} fleet -F {} --timeout 2; echo SSHDOCTOR-EXIT=$?; sleep 60",
        f.home.config_path().display()
    );
    let tmux = Tmux::start_sized("fleet", &command, 100, 30);
    let screen = tmux.wait_for("every host checked", |s| s.contains("all 8 checked"));
    assert!(
        tmux.alternate_screen(),
        "the table uses the alternate screen"
    );
    assert!(
        screen.contains("1 ok, 7 failing: 2 × hostkey.changed, 2 × tcp.refused"),
        "{screen}"
    );
    let order = rows(&screen);
    assert_eq!(
        &order[..2],
        ["changed", "changed2"],
        "failing first, the most common cause first\n{screen}"
    );
    assert_eq!(
        order.last().map(String::as_str),
        Some("healthy"),
        "{screen}"
    );
    assert!(
        row(&screen, "healthy").is_some_and(|r| r.contains('✔')),
        "{screen}"
    );
    assert!(
        row(&screen, "toomany").is_some_and(|r| r.contains("auth.too_many_failures")),
        "{screen}"
    );

    tmux.keys(&["f"]);
    let failing = tmux.wait_for("failing only", |s| s.contains("failing only"));
    assert!(
        !rows(&failing).contains(&"healthy".to_string()),
        "{failing}"
    );
    tmux.keys(&["f", "/"]);
    tmux.type_text("toomany");
    tmux.keys(&["Enter"]);
    let found = tmux.wait_for("the search", |s| rows(s) == ["toomany"]);
    assert!(
        found.contains("/toomany"),
        "the header shows the search\n{found}"
    );
    tmux.keys(&["Escape", "g", "i"]);
    let same = tmux.wait_for("the hosts with hostkey.changed", |s| {
        s.contains("with hostkey.changed")
    });
    assert_eq!(rows(&same), ["changed", "changed2"], "{same}");
    tmux.keys(&["i"]);

    // Enter: the host's own console on the same terminal; q comes back to the table.
    tmux.keys(&["Enter"]);
    let console = tmux.wait_for("the host's console", |s| {
        s.contains("Checklist") && s.contains("Enter fix")
    });
    assert!(console.contains("changed"), "{console}");
    tmux.keys(&["q"]);
    let back = tmux.wait_for("the table again", |s| {
        s.contains("back from changed") && s.contains("sshdoctor fleet")
    });
    assert!(
        tmux.alternate_screen(),
        "the terminal was not torn down\n{back}"
    );

    // Both changed keys go in one confirmed repair; both hosts are checked again.
    tmux.keys(&["a"]);
    tmux.wait_for("the list of repairs", |s| {
        s.contains("known_hosts.remove: remove the stale known_hosts entries (2 hosts)")
    });
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for("the combined diff", |s| s.contains("-changed2 ssh-ed25519"));
    assert!(dialog.contains("-changed ssh-ed25519"), "{dialog}");
    assert!(dialog.contains("Hosts: changed,"), "{dialog}");
    tmux.keys(&["y"]);
    let fixed = tmux.wait_for("the hosts checked again", |s| {
        s.contains("all 8 checked")
            && s.contains("3 ok, 5 failing")
            && !s.contains("× hostkey.changed")
    });
    assert!(fixed.contains("known_hosts.remove: Changed"), "{fixed}");
    let kh = std::fs::read_to_string(f.home.known_hosts_path()).unwrap();
    assert!(!kh.contains("changed"), "{kh}");
    assert!(
        kh.contains("healthy") && kh.contains("toomany"),
        "other entries stay: {kh}"
    );

    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit code", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(
        after.contains("SSHDOCTOR-EXIT=1"),
        "problems remain: exit 1\n{after}"
    );
    assert!(!tmux.alternate_screen(), "the terminal is given back");
}
