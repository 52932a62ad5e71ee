//! The onboarding screen, drawn from state alone: the steps on the left, the current step (what
//! it does, the equivalent commands, its input) on the right, the log below, keys at the bottom.

use super::state::{Field, HostVerdict, Mark, Onboard, Step};
use crate::console::theme::{Role, Theme};
use crate::console::view::overlay;
use crate::event::Status;
use crate::keygen::FingerprintMatch;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

/// Draw the whole screen.
pub fn draw(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let [header, body, log, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(8),
        Constraint::Length(2),
    ])
    .areas(area);
    let port = if ob.port == 22 {
        String::new()
    } else {
        format!(" port {}", ob.port)
    };
    Line::from(vec![
        Span::styled(" sshdoctor onboard ", theme.style(Role::Title)),
        Span::raw(format!("{}@{}{port}", ob.user, ob.hostname)),
        Span::styled(
            format!("  — step {} of 7", ob.current as usize + 1),
            theme.style(Role::Dim),
        ),
    ])
    .render(header, buf);
    let [steps, main] =
        Layout::horizontal([Constraint::Length(33), Constraint::Min(20)]).areas(body);
    draw_steps(ob, theme, steps, buf);
    draw_main(ob, theme, main, buf);
    draw_log(ob, theme, log, buf);
    draw_footer(ob, theme, footer, buf);
    if let Some((action, scroll)) = &ob.confirm {
        let text = crate::console::describe::confirm_text(action, &ob.home);
        overlay::confirm(theme, &text, *scroll, area, buf);
    }
    if let Some((field, input)) = &ob.field {
        if field.masked() {
            overlay::secret(theme, field.label(), input.chars(), area, buf);
        }
    }
    if theme.ascii() {
        crate::console::view::asciify(area, buf);
    }
}

fn block(theme: Theme, title: &str, focused: bool) -> Block<'static> {
    Block::bordered()
        .border_set(theme.border())
        .border_style(theme.style(if focused { Role::Focused } else { Role::Dim }))
        .title(Line::styled(format!(" {title} "), theme.style(Role::Title)))
}

fn status_of(m: Mark) -> Status {
    match m {
        Mark::Pending => Status::Pending,
        Mark::Active | Mark::Working => Status::Running,
        Mark::Done => Status::Pass,
        Mark::Skipped => Status::Skipped,
        Mark::Failed => Status::Fail,
    }
}

fn draw_steps(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let lines: Vec<Line> = Step::ALL
        .iter()
        .map(|&s| {
            let m = ob.mark(s);
            let status = status_of(m);
            let symbol = match m {
                Mark::Active => theme.cursor(),
                _ => theme.status_symbol(status, 0),
            };
            let mut style = theme.style(Role::Status(status));
            if s == ob.current && !ob.finished {
                style = style.add_modifier(ratatui::style::Modifier::BOLD);
            }
            Line::from(vec![
                Span::styled(format!(" {symbol} "), theme.style(Role::Status(status))),
                Span::styled(format!("{}. {}", s as usize + 1, s.title()), style),
            ])
        })
        .collect();
    Paragraph::new(lines)
        .block(block(theme, "Steps", false))
        .render(area, buf);
}

fn cmd_line(theme: Theme, command: &str) -> Line<'static> {
    Line::styled(format!("  $ {command}"), theme.style(Role::Command))
}

fn dim(theme: Theme, text: impl Into<String>) -> Line<'static> {
    Line::styled(text.into(), theme.style(Role::Dim))
}

fn draw_main(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut l: Vec<Line> = Vec::new();
    let title = if ob.finished {
        "Done".to_string()
    } else {
        format!("{}. {}", ob.current as usize + 1, ob.current.title())
    };
    if ob.finished {
        l.push(Line::styled(
            format!(
                "Your key is installed and verified. From now on: ssh {}",
                ob.alias
            ),
            theme.style(Role::Title),
        ));
        l.push(Line::raw(""));
        for s in Step::ALL {
            l.push(Line::raw(format!(
                "{}: {}",
                s.title(),
                ob.notes[s as usize]
            )));
        }
        l.push(Line::raw(""));
        l.push(dim(theme, "Enter or q to leave."));
    } else {
        match ob.current {
            Step::Key => key_step(ob, theme, &mut l),
            Step::Verify => verify_step(ob, theme, &mut l),
            Step::Login => {
                l.push(Line::raw(format!(
                    "Log in as {} with the account's password, once, to install the key.",
                    ob.user
                )));
                l.push(dim(theme, "The password goes only to this server, whose host key you verified; it is never shown, logged or stored. If the key already works, no password is asked."));
                l.push(Line::raw(""));
                l.push(dim(theme, "Same as:"));
                l.push(cmd_line(
                    theme,
                    &format!("ssh -o PubkeyAuthentication=no {}", dest_args(ob)),
                ));
            }
            Step::Install => {
                if let Some(k) = &ob.chosen {
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
                    l.push(dim(
                        theme,
                        "Same as (sends no text through a shell; over SFTP here):",
                    ));
                    l.push(cmd_line(theme, &offer.command));
                    l.push(Line::raw(""));
                    l.push(dim(theme, "Enter: review and confirm · s: skip"));
                }
            }
            Step::Permissions => {
                l.push(Line::raw("sshd (StrictModes, the default) ignores authorized_keys when home, ~/.ssh or the file is owned by another user or writable by the group or others."));
                l.push(Line::raw(""));
                match &ob.inspected {
                    None => l.push(dim(theme, "Looking at the server…")),
                    Some(i) if i.violations.is_empty() => {
                        l.push(Line::raw("Everything is as sshd wants it."))
                    }
                    Some(i) => {
                        for v in &i.violations {
                            l.push(Line::styled(
                                format!("✘ {} — mode {}", v.path, v.mode_text()),
                                theme.style(Role::Status(Status::Fail)),
                            ));
                            l.push(Line::raw(format!("  {}", v.explanation())));
                        }
                        if let Some(fix) = &i.fix {
                            l.push(Line::raw(""));
                            l.push(dim(theme, "Same as:"));
                            l.push(cmd_line(theme, &fix.command));
                            l.push(dim(theme, "Enter: review and confirm · s: skip"));
                        }
                        if i.violations.iter().any(|v| Some(v.uid) != i.uid) {
                            l.push(Line::raw(""));
                            l.push(Line::raw("A path owned by another account can only be fixed by its owner or root (chown/chmod on the server); s: skip."));
                        }
                    }
                }
            }
            Step::Prove => {
                l.push(Line::raw(
                    "A fresh connection that offers only this key must log in.",
                ));
                if let Some(k) = &ob.chosen {
                    l.push(Line::raw(""));
                    l.push(dim(theme, "Same as:"));
                    l.push(cmd_line(
                        theme,
                        &format!(
                            "ssh -o IdentitiesOnly=yes -i {} {} true",
                            crate::fsedit::shell_quote_path(&ob.shown(&k.private)),
                            dest_args(ob)
                        ),
                    ));
                }
            }
            Step::Config => {
                l.push(Line::raw("Add a Host block to ~/.ssh/config so that the next login is just `ssh NAME`: HostName, User, Port, IdentityFile and IdentitiesOnly yes (only this key is offered)."));
                l.push(Line::raw(""));
                l.push(dim(theme, "Enter: preview and confirm · Esc then s: skip"));
            }
        }
        if let Some((field, input)) = &ob.field {
            if !field.masked() {
                l.push(Line::raw(""));
                l.push(Line::styled(
                    field.label().to_string(),
                    theme.style(Role::Title),
                ));
                l.push(Line::from(vec![
                    Span::styled("> ", theme.style(Role::Key)),
                    Span::raw(input.value().to_string()),
                    Span::styled(" ", theme.style(Role::Selected)),
                ]));
            }
        }
    }
    if let Some((text, error)) = &ob.message {
        l.push(Line::raw(""));
        let role = if *error {
            Role::Status(Status::Fail)
        } else {
            Role::Status(Status::Pass)
        };
        l.push(Line::styled(text.clone(), theme.style(role)));
    }
    Paragraph::new(l)
        .wrap(Wrap { trim: false })
        .block(block(theme, &title, true))
        .render(area, buf);
}

fn dest_args(ob: &Onboard) -> String {
    let port = if ob.port == 22 {
        String::new()
    } else {
        format!("-p {} ", ob.port)
    };
    format!(
        "{port}{}",
        crate::fsedit::shell_quote(&format!("{}@{}", ob.user, ob.hostname))
    )
}

fn key_step(ob: &Onboard, theme: Theme, l: &mut Vec<Line<'static>>) {
    l.push(Line::raw(
        "Choose the key to log in with, or make a new one:",
    ));
    l.push(Line::raw(""));
    for (i, k) in ob.keys.iter().enumerate() {
        let sel = i == ob.key_sel;
        let mark = if sel { theme.cursor() } else { " " };
        let bits = k.bits.map_or(String::new(), |b| format!(" {b}"));
        let head = format!(
            "{mark} {}  {}{bits}{}{}",
            ob.shown(&k.private),
            k.algorithm,
            if k.encrypted { "  [passphrase]" } else { "" },
            if k.comment.is_empty() {
                String::new()
            } else {
                format!("  \"{}\"", k.comment)
            }
        );
        let detail = format!("    {}", k.fingerprint.as_deref().unwrap_or("(no .pub)"));
        if sel {
            l.push(Line::styled(head, theme.style(Role::Selected)));
        } else {
            l.push(Line::raw(head));
        }
        l.push(dim(theme, detail));
    }
    let sel = ob.key_sel == ob.keys.len();
    let text = format!(
        "{} + generate a new ed25519 key: {}",
        if sel { theme.cursor() } else { " " },
        ob.shown(&ob.new_key_path)
    );
    l.push(if sel {
        Line::styled(text, theme.style(Role::Selected))
    } else {
        Line::raw(text)
    });
    l.push(Line::raw(""));
    if sel {
        l.push(dim(theme, "The private file is created with mode 0600 from its first byte; nothing existing is overwritten. Same as:"));
        l.push(cmd_line(
            theme,
            &crate::keygen::keygen_command(
                &ob.new_key_path,
                &format!("{}@{}", ob.user, ob.hostname),
                Some(&ob.home),
            ),
        ));
    }
    l.push(dim(theme, "↑/↓ choose · Enter select"));
    if matches!(
        ob.field,
        Some((Field::Passphrase | Field::PassphraseAgain, _))
    ) {
        l.push(dim(
            theme,
            "A passphrase protects the key if the file is ever copied; ssh-agent saves typing it.",
        ));
    }
}

fn verify_step(ob: &Onboard, theme: Theme, l: &mut Vec<Line<'static>>) {
    let Some(h) = &ob.host else {
        l.push(dim(theme, "Connecting to read the server's host key…"));
        return;
    };
    l.push(Line::raw(format!(
        "The server presents this {} host key:",
        h.algorithm
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
        HostVerdict::Known(at) => l.push(Line::raw(format!(
            "Already in known_hosts ({at}). Enter to go on."
        ))),
        HostVerdict::Refused(why) => l.push(Line::styled(
            why.clone(),
            theme.style(Role::Status(Status::Fail)),
        )),
        HostVerdict::Unknown => {
            l.push(Line::raw("This is your first connection: nothing proves yet that this is your server and not someone in between. Compare the fingerprint with one you got another way — the provider's console, the admin, or on the server itself:"));
            l.push(cmd_line(
                theme,
                "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub   # on the server",
            ));
            l.push(dim(
                theme,
                "Only then is it recorded in known_hosts (hostkey.trust).",
            ));
            match &ob.compared {
                Some(FingerprintMatch::Match { how }) => l.push(Line::styled(
                    format!("✔ the {how} fingerprint you pasted matches"),
                    theme.style(Role::Status(Status::Pass)),
                )),
                Some(FingerprintMatch::Mismatch { .. }) => l.push(Line::styled(
                    "✘ the fingerprint you pasted does NOT match",
                    theme.style(Role::Status(Status::Fail)),
                )),
                _ => {}
            }
        }
    }
}

fn draw_log(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let inner = usize::from(area.height.saturating_sub(2));
    let start = ob.log.len().saturating_sub(inner);
    let lines: Vec<Line> = ob.log[start..]
        .iter()
        .map(|t| Line::raw(t.clone()))
        .collect();
    Paragraph::new(lines)
        .block(block(theme, "Log", false))
        .render(area, buf);
}

fn draw_footer(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let keys: &[(&str, &str)] = if ob.confirm.is_some() {
        &[("y", "apply"), ("n/Esc", "cancel"), ("j/k", "scroll")]
    } else if ob.field.is_some() {
        &[("Enter", "submit"), ("Esc", "cancel")]
    } else if ob.finished {
        &[("Enter/q", "leave")]
    } else {
        &[
            ("Enter", "do this step"),
            ("s", "skip"),
            ("r", "retry"),
            ("q/Esc", "leave"),
        ]
    };
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(format!(" {k}"), theme.style(Role::Key)));
        spans.push(Span::raw(format!(" {what} ")));
    }
    Paragraph::new(vec![
        Line::styled(
            "Nothing is written before you confirm it; leaving at any step leaves nothing half done.",
            theme.style(Role::Dim),
        ),
        Line::from(spans),
    ])
    .render(area, buf);
}
