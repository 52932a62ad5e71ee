//! What the step panel says for each step: what it does, the equivalent commands, what was
//! found — as logical lines, which the view wraps and scrolls.

use super::super::state::{known_where, Field, HostVerdict, Mark, Onboard, Step};
use crate::console::theme::{Role, Theme};
use crate::event::Status;
use crate::keygen::FingerprintMatch;
use ratatui::text::Line;

/// A command's rows, wrapped so that they still run when pasted (no `$ ` prompt in front).
fn cmd_line(theme: Theme, command: &str, width: usize) -> Vec<Line<'static>> {
    let (cmd, dim) = (theme.style(Role::Command), theme.style(Role::Dim));
    crate::console::cmdwrap::lines("", command, width, 2, cmd, dim)
}

fn dim(theme: Theme, text: impl Into<String>) -> Line<'static> {
    Line::styled(text.into(), theme.style(Role::Dim))
}

/// The panel's title.
pub fn title(ob: &Onboard) -> String {
    if ob.finished {
        crate::i18n::t("onboard.view.done").to_string()
    } else {
        format!("{}. {}", ob.current as usize + 1, ob.current.title())
    }
}

/// The logical lines (first, last) the panel must keep in view: step 1's selected key with
/// its fingerprint (or the "generate" row with what it runs), so that ↑/↓ never leave it off
/// screen.
pub fn focus(ob: &Onboard) -> Option<(usize, usize)> {
    if ob.finished || ob.current != Step::Key {
        return None;
    }
    // Two lines of text, then two rows per key, then "generate".
    let first = 2 + 2 * ob.key_sel;
    if ob.key_sel < ob.keys.len() {
        Some((first, first + 1))
    } else {
        Some((first, first + 2))
    }
}

/// The current step's lines (the text box and the message are drawn apart, always visible).
pub fn lines(ob: &Onboard, theme: Theme, w: usize) -> Vec<Line<'static>> {
    let mut l: Vec<Line<'static>> = Vec::new();
    if ob.finished {
        finished(ob, theme, &mut l, w);
        return l;
    }
    match ob.current {
        Step::Key => key_step(ob, theme, &mut l, w),
        Step::Verify => verify_step(ob, theme, &mut l, w),
        Step::Login => {
            l.push(Line::raw(crate::i18n::tf(
                "onboard.login.intro",
                &[("user", &ob.user)],
            )));
            l.push(dim(theme, crate::i18n::t("onboard.login.password_only")));
            l.push(Line::raw(""));
            l.push(dim(theme, crate::i18n::t("onboard.view.same_as")));
            l.extend(cmd_line(
                theme,
                &format!("ssh -o PubkeyAuthentication=no {}", dest_args(ob)),
                w,
            ));
        }
        Step::Install => install_step(ob, theme, &mut l, w),
        Step::Permissions => permissions_step(ob, theme, &mut l, w),
        Step::Prove => {
            l.push(Line::raw(crate::i18n::t("onboard.prove.intro")));
            if let Some(k) = &ob.chosen {
                l.push(Line::raw(""));
                l.push(dim(theme, crate::i18n::t("onboard.view.same_as")));
                l.extend(cmd_line(
                    theme,
                    &format!(
                        "ssh -o IdentitiesOnly=yes -i {} {} true",
                        crate::fsedit::shell_quote_path(&ob.shown(&k.private)),
                        dest_args(ob)
                    ),
                    w,
                ));
            }
        }
        Step::Config => config_step(ob, theme, &mut l),
    }
    l
}

fn finished(ob: &Onboard, theme: Theme, l: &mut Vec<Line<'static>>, w: usize) {
    l.push(Line::styled(
        crate::i18n::t("onboard.done.intro"),
        theme.style(Role::Title),
    ));
    l.extend(cmd_line(theme, &ob.login_command(), w));
    l.push(Line::raw(""));
    for s in Step::ALL {
        l.push(Line::raw(format!(
            "{}: {}",
            s.title(),
            ob.notes[s as usize]
        )));
    }
    l.push(Line::raw(""));
    l.push(dim(theme, crate::i18n::t("onboard.done.leave")));
}

/// `-p PORT user@host`, quoted for a shell.
fn dest_args(ob: &Onboard) -> String {
    ob.dest_args()
}

fn key_step(ob: &Onboard, theme: Theme, l: &mut Vec<Line<'static>>, w: usize) {
    l.push(Line::raw(crate::i18n::t("onboard.key.intro")));
    l.push(Line::raw(""));
    for (i, k) in ob.keys.iter().enumerate() {
        let sel = i == ob.key_sel;
        let mark = if sel { theme.cursor() } else { " " };
        let bits = k.bits.map_or(String::new(), |b| format!(" {b}"));
        let head = format!(
            "{mark} {}  {}{bits}{}{}",
            ob.shown(&k.private),
            k.algorithm,
            if k.encrypted {
                format!("  [{}]", crate::i18n::t("onboard.key.passphrase_tag"))
            } else {
                String::new()
            },
            if k.comment.is_empty() {
                String::new()
            } else {
                format!("  \"{}\"", k.comment)
            }
        );
        let detail = format!(
            "    {}",
            k.fingerprint
                .as_deref()
                .unwrap_or(crate::i18n::t("onboard.key.no_pub"))
        );
        if sel {
            l.push(Line::styled(head, theme.style(Role::Selected)));
        } else {
            l.push(Line::raw(head));
        }
        l.push(dim(theme, detail));
    }
    let sel = ob.key_sel == ob.keys.len();
    let text = format!(
        "{} + {}",
        if sel { theme.cursor() } else { " " },
        crate::i18n::tf(
            "onboard.key.generate",
            &[("path", &ob.shown(&ob.new_key_path))]
        )
    );
    l.push(if sel {
        Line::styled(text, theme.style(Role::Selected))
    } else {
        Line::raw(text)
    });
    l.push(Line::raw(""));
    if sel {
        l.push(dim(theme, crate::i18n::t("onboard.key.generate_same_as")));
        l.extend(cmd_line(
            theme,
            &crate::keygen::keygen_command(&ob.new_key_path, &ob.comment, Some(&ob.home)),
            w,
        ));
    }
    if matches!(
        ob.field,
        Some((Field::Passphrase | Field::PassphraseAgain, _))
    ) {
        l.push(dim(theme, crate::i18n::t("onboard.key.passphrase_why")));
    }
}

fn verify_step(ob: &Onboard, theme: Theme, l: &mut Vec<Line<'static>>, w: usize) {
    let Some(h) = &ob.host else {
        if ob.mark(Step::Verify) == Mark::Failed {
            l.push(Line::styled(
                format!("✘ {}", crate::i18n::t("onboard.verify.no_host_key")),
                theme.style(Role::Status(Status::Fail)),
            ));
            l.push(Line::raw(crate::i18n::t("onboard.verify.check_host")));
            l.extend(cmd_line(theme, &format!("sshdoctor {}", ob.resume), w));
        } else {
            l.push(dim(theme, crate::i18n::t("onboard.verify.connecting")));
        }
        return;
    };
    l.push(Line::raw(crate::i18n::tf(
        "onboard.verify.presents",
        &[("algorithm", &h.algorithm)],
    )));
    l.push(Line::styled(
        format!("  {}", h.sha256),
        theme.style(Role::Title),
    ));
    l.push(Line::raw(format!("  {}", h.md5)));
    for a in h.randomart.lines() {
        l.push(Line::raw(format!("  {a}")));
    }
    l.push(Line::raw(""));
    match &h.verdict {
        HostVerdict::Known(at) => l.push(Line::raw(crate::i18n::tf(
            "onboard.verify.known",
            &[("where", &known_where(at))],
        ))),
        HostVerdict::Refused(why) => l.push(Line::styled(
            why.clone(),
            theme.style(Role::Status(Status::Fail)),
        )),
        HostVerdict::Unknown => {
            l.push(Line::raw(crate::i18n::t("onboard.verify.first_connection")));
            l.extend(cmd_line(
                theme,
                "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub",
                w,
            ));
            l.push(dim(theme, crate::i18n::t("onboard.verify.only_then")));
            match &ob.compared {
                Some(FingerprintMatch::Match { how }) => l.push(Line::styled(
                    format!(
                        "✔ {}",
                        crate::i18n::tf(
                            "onboard.verify.pasted_matches",
                            &[("how", &crate::onboard::state::how_text(how))]
                        )
                    ),
                    theme.style(Role::Status(Status::Pass)),
                )),
                Some(FingerprintMatch::Mismatch { .. }) => l.push(Line::styled(
                    format!("✘ {}", crate::i18n::t("onboard.verify.pasted_mismatch")),
                    theme.style(Role::Status(Status::Fail)),
                )),
                _ => {}
            }
        }
    }
}

fn install_step(ob: &Onboard, theme: Theme, l: &mut Vec<Line<'static>>, w: usize) {
    let Some(k) = &ob.chosen else {
        return;
    };
    let offer = ob.install_offer(k);
    l.push(Line::raw(offer.title.clone()));
    l.push(Line::raw(""));
    for p in offer.preview.lines() {
        let role = if p.starts_with('+') {
            Role::DiffAdd
        } else {
            Role::Dim
        };
        l.push(Line::styled(p.to_string(), theme.style(role)));
    }
    l.push(Line::raw(""));
    l.push(dim(theme, crate::i18n::t("onboard.install.same_as")));
    l.extend(cmd_line(theme, &offer.command, w));
    l.push(Line::raw(""));
    l.push(dim(theme, crate::i18n::t("onboard.view.review_or_skip")));
}

fn permissions_step(ob: &Onboard, theme: Theme, l: &mut Vec<Line<'static>>, w: usize) {
    l.push(Line::raw(crate::i18n::t("onboard.perm.intro")));
    l.push(Line::raw(""));
    match &ob.inspected {
        None if ob.mark(Step::Permissions) == Mark::Failed => l.push(Line::styled(
            format!("✘ {}", crate::i18n::t("onboard.perm.unreadable")),
            theme.style(Role::Status(Status::Fail)),
        )),
        None => l.push(dim(theme, crate::i18n::t("onboard.perm.looking"))),
        Some(i) if i.violations.is_empty() => {
            l.push(Line::raw(crate::i18n::t("onboard.perm.all_good")))
        }
        Some(i) => {
            for v in &i.violations {
                l.push(Line::styled(
                    format!(
                        "✘ {}",
                        crate::i18n::tf(
                            "onboard.perm.mode",
                            &[("path", &v.path), ("mode", &v.mode_text())]
                        )
                    ),
                    theme.style(Role::Status(Status::Fail)),
                ));
                l.push(Line::raw(format!("  {}", v.explanation())));
            }
            if let Some(fix) = &i.fix {
                l.push(Line::raw(""));
                l.push(dim(theme, crate::i18n::t("onboard.view.same_as")));
                l.extend(cmd_line(theme, &fix.command, w));
                l.push(dim(theme, crate::i18n::t("onboard.view.review_or_skip")));
            }
            if i.violations.iter().any(|v| Some(v.uid) != i.uid) {
                l.push(Line::raw(""));
                l.push(Line::raw(crate::i18n::t("onboard.perm.other_owner")));
            }
        }
    }
}

fn config_step(ob: &Onboard, theme: Theme, l: &mut Vec<Line<'static>>) {
    let alias = match &ob.field {
        Some((Field::Alias, input)) => input.value().trim().to_string(),
        _ => ob.alias.clone(),
    };
    let known = ob.aliases.iter().find(|e| e.alias == alias);
    let ours =
        known.filter(|e| e.hostname == ob.hostname && e.user == ob.user && e.port == ob.port);
    match (known, ours) {
        (Some(_), Some(_)) => l.push(Line::raw(crate::i18n::tf(
            "onboard.config.already_ours",
            &[("alias", &alias)],
        ))),
        (Some(e), None) => {
            l.push(Line::styled(
                crate::i18n::tf(
                    "onboard.config.taken",
                    &[
                        ("alias", &alias),
                        ("user", &e.user),
                        ("host", &e.hostname),
                        ("port", &e.port),
                    ],
                ),
                theme.style(Role::Status(Status::Fail)),
            ));
            return;
        }
        _ => l.push(Line::raw(crate::i18n::t("onboard.config.intro"))),
    }
    if alias.is_empty() {
        l.push(dim(
            theme,
            format!(
                "  Host ({})",
                crate::i18n::t("onboard.config.name_you_type")
            ),
        ));
        return;
    }
    l.push(Line::styled(
        format!("  Host {alias}"),
        theme.style(Role::DiffAdd),
    ));
    let mut block = vec![
        format!("HostName {}", ob.hostname),
        format!("User {}", ob.user),
    ];
    if ob.port != 22 {
        block.push(format!("Port {}", ob.port));
    }
    if let Some(k) = &ob.chosen {
        block.push(format!("IdentityFile {}", ob.shown(&k.private)));
    }
    block.push("IdentitiesOnly yes".into());
    for b in block {
        l.push(Line::styled(
            format!("      {b}"),
            theme.style(Role::DiffAdd),
        ));
    }
    if alias == ob.hostname {
        l.push(Line::raw(crate::i18n::tf(
            "onboard.config.then_same",
            &[("alias", &alias)],
        )));
    } else {
        l.push(Line::raw(crate::i18n::tf(
            "onboard.config.then_other",
            &[("alias", &alias), ("host", &ob.hostname)],
        )));
    }
}
