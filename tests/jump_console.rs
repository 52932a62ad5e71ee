//! The console through a jump host, the real binary in tmux against a real bastion and target:
//! the hops are groups in the checklist (the green bastion on one line, the failing target
//! open), the header names the hop where the login fails, and the terminal is given back.

mod common;

use common::jump::{server, Net};
use common::tmux::Tmux;
use common::BIN;

#[test]
fn hops_are_grouped_and_the_header_names_the_failing_hop() {
    let bastion = server("AllowTcpForwarding no");
    let target = server("");
    let mut net = Net::new();
    net.host("bastion", &bastion, "")
        .host("target", &target, "ProxyJump bastion")
        .write();
    let home = &net.home;
    let command = format!(
        "env HOME={} SSHDOCTOR_PASSWD_HOME={} LANG=C.UTF-8 {BIN} -F {} target; echo SSHDOCTOR-EXIT=$?; sleep 60",
        home.path().display(),
        home.path().display(),
        home.config_path().display()
    );
    let tmux = Tmux::start_sized("jump", &command, 100, 30);
    let screen = tmux.wait_for("the verdict", |s| s.contains("fix jump.forward_prohibited"));
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("at bastion"),
        "the header names the hop\n{screen}"
    );
    let bastion_row = screen
        .lines()
        .find(|l| l.contains("▸") && l.contains("bastion"))
        .unwrap_or_else(|| panic!("the bastion on one line\n{screen}"));
    assert!(bastion_row.contains("all 7 checks pass"), "{screen}");
    assert!(
        !screen.contains("TCP connection"),
        "the green hop is closed\n{screen}"
    );
    assert!(
        screen.contains("▾✘ fail    target"),
        "the failing hop open\n{screen}"
    );
    assert!(screen.contains("Forwarding"), "{screen}");
    assert!(
        screen.contains("[target forward]"),
        "log lines name their hop\n{screen}"
    );
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the exit code", |s| s.contains("SSHDOCTOR-EXIT="));
    assert!(after.contains("SSHDOCTOR-EXIT=1"), "{after}");
    assert!(!tmux.alternate_screen(), "the terminal is given back");
}
