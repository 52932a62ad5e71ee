//! The onboarding screen, drawn from state alone: the steps (a column when wide, one line when
//! narrow), the current step's panel — scrolled, with its text box and any error pinned at its
//! bottom so they are always visible — the log when there is room, and the keys that work now.

mod step;

use super::state::{Mark, Onboard, Step};
use crate::console::labels;
use crate::console::theme::{Role, Theme};
use crate::console::view::overlay;
use crate::console::wrap;
use crate::event::Status;
use crate::keygen::FingerprintMatch;
use crate::term::rows::{take_bottom, take_top};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

/// Width from which the steps get a column of their own.
const WIDE: u16 = 100;
/// The steps column's width.
const STEPS_W: u16 = 33;

/// Where everything goes at this size.
struct Areas {
    header: Rect,
    /// The steps on one line (narrow terminals).
    progress: Option<Rect>,
    /// The steps as a column (wide terminals).
    steps: Option<Rect>,
    main: Rect,
    log: Option<Rect>,
    note: Option<Rect>,
    footer: Rect,
}

/// The step panel first: the log shrinks (then goes) on short terminals, the steps column
/// becomes one line on narrow ones.
fn areas(area: Rect) -> Areas {
    let mut body = area;
    let header = take_top(&mut body, 1);
    let footer = take_bottom(&mut body, 1);
    let note = (area.height >= 30).then(|| take_bottom(&mut body, 1));
    let log_rows = match area.height {
        h if h >= 30 => 8,
        h if h >= 24 => 4,
        _ => 0,
    };
    let log = (log_rows > 0).then(|| take_bottom(&mut body, log_rows));
    if area.width >= WIDE {
        let steps = Rect::new(body.x, body.y, STEPS_W, body.height);
        let main = Rect::new(body.x + STEPS_W, body.y, body.width - STEPS_W, body.height);
        return Areas {
            header,
            progress: None,
            steps: Some(steps),
            main,
            log,
            note,
            footer,
        };
    }
    let progress = Some(take_top(&mut body, 1));
    Areas {
        header,
        progress,
        steps: None,
        main: body,
        log,
        note,
        footer,
    }
}

/// Draw the whole screen.
pub fn draw(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let a = areas(area);
    header(ob, theme, a.header, buf);
    if let Some(r) = a.progress {
        progress(ob, theme, r, buf);
    }
    if let Some(r) = a.steps {
        steps(ob, theme, r, buf);
    }
    let overflow = main(ob, theme, a.main, buf);
    if let Some(r) = a.log {
        log(ob, theme, r, buf);
    }
    if let Some(r) = a.note {
        Line::styled(crate::i18n::t("onboard.view.note"), theme.style(Role::Dim)).render(r, buf);
    }
    footer(ob, theme, overflow, a.footer, buf);
    if let Some((action, scroll)) = &ob.confirm {
        overlay::confirm(theme, &confirm_text(ob, action), *scroll, area, buf);
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

/// The confirm dialog's text; trusting a host key says whether its fingerprint was compared.
fn confirm_text(
    ob: &Onboard,
    action: &crate::event::ActionOffer,
) -> crate::console::describe::ConfirmText {
    let mut text = crate::console::describe::confirm_text(action, &ob.home);
    if action.id == "hostkey.trust" {
        match &ob.compared {
            Some(FingerprintMatch::Match { how }) => text.words.insert(
                0,
                crate::i18n::tf(
                    "onboard.view.pasted_matches_key",
                    &[("how", &super::state::how_text(how))],
                ),
            ),
            _ => text.caution = Some(labels::not_compared_onboard().into()),
        }
    }
    text
}

fn header(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let port = if ob.port == 22 {
        String::new()
    } else {
        crate::i18n::tf("onboard.view.port", &[("port", &ob.port)])
    };
    let line = Line::from(vec![
        Span::styled(" sshdoctor onboard ", theme.style(Role::Title)),
        Span::raw(format!("{}@{}{port}", ob.user, ob.hostname)),
        Span::styled(
            crate::i18n::tf("onboard.view.step_of", &[("n", &(ob.current as usize + 1))]),
            theme.style(Role::Dim),
        ),
    ]);
    let line = wrap::truncate_line(&line, usize::from(area.width), theme.ellipsis());
    line.render(area, buf);
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

fn symbol(ob: &Onboard, theme: Theme, s: Step) -> &'static str {
    match ob.mark(s) {
        Mark::Active => theme.cursor(),
        m => theme.status_symbol(status_of(m), 0),
    }
}

/// The steps on one line: `✔1 ✔2 ▶3 ○4 ○5 ○6 ○7`.
fn progress(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::styled(
        format!(" {} ", crate::i18n::t("onboard.view.steps")),
        theme.style(Role::Dim),
    )];
    for s in Step::ALL {
        let status = status_of(ob.mark(s));
        let mut style = theme.style(Role::Status(status));
        if s == ob.current && !ob.finished {
            style = style.add_modifier(ratatui::style::Modifier::BOLD);
        }
        spans.push(Span::styled(
            format!("{}{} ", symbol(ob, theme, s).trim_end(), s as usize + 1),
            style,
        ));
    }
    let line = wrap::truncate_line(
        &Line::from(spans),
        usize::from(area.width),
        theme.ellipsis(),
    );
    line.render(area, buf);
}

fn block(theme: Theme, title: &str, focused: bool) -> Block<'static> {
    Block::bordered()
        .border_set(theme.border())
        .border_style(theme.style(if focused { Role::Focused } else { Role::Dim }))
        .title(Line::styled(format!(" {title} "), theme.style(Role::Title)))
}

fn steps(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let b = block(theme, crate::i18n::t("onboard.view.steps"), false);
    let inner = b.inner(area);
    b.render(area, buf);
    for (row, &s) in Step::ALL.iter().enumerate() {
        let status = status_of(ob.mark(s));
        let mut style = theme.style(Role::Status(status));
        if s == ob.current && !ob.finished {
            style = style.add_modifier(ratatui::style::Modifier::BOLD);
        }
        let line = Line::from(vec![
            Span::styled(
                format!(" {} ", symbol(ob, theme, s)),
                theme.style(Role::Status(status)),
            ),
            Span::styled(format!("{}. {}", s as usize + 1, s.title()), style),
        ]);
        crate::console::view::put(buf, inner, u16::try_from(row).unwrap_or(u16::MAX), &line);
    }
}

/// The step panel; returns whether its text is longer than the panel (PgUp/PgDn matter).
fn main(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) -> bool {
    let b = block(theme, &step::title(ob), true);
    let inner = b.inner(area);
    b.render(area, buf);
    let width = usize::from(inner.width);
    if width == 0 || inner.height == 0 {
        return false;
    }
    let mut rows: Vec<Line<'static>> = Vec::new();
    let focus = step::focus(ob);
    let mut focus_rows: Option<(usize, usize)> = None;
    for (i, l) in step::lines(ob, theme, width).into_iter().enumerate() {
        let start = rows.len();
        rows.extend(wrap::wrap(&l.spans, width, true));
        focus_rows = match (focus, focus_rows) {
            (Some((a, _)), _) if a == i => Some((start, rows.len())),
            (Some((_, b)), Some((s, _))) if i <= b => Some((s, rows.len())),
            (_, kept) => kept,
        };
    }
    // The box and any message get all the rows they need (an error is never cut); the step's
    // text scrolls in what is left.
    let pinned = pinned_rows(
        ob,
        theme,
        width,
        usize::from(inner.height).saturating_sub(1),
    );
    let height = usize::from(inner.height).saturating_sub(pinned.len());
    let overflow = rows.len() > height;
    let text_h = if overflow && height >= 2 {
        height - 1
    } else {
        height
    };
    let mut top = ob.scroll.min(rows.len().saturating_sub(text_h));
    // The selection stays in view (the scroll moves as little as it can).
    if let Some((a, b)) = focus_rows {
        if a < top {
            top = a;
        } else if b > top + text_h {
            top = b.saturating_sub(text_h).min(a);
        }
    }
    for (i, line) in rows.iter().skip(top).take(text_h).enumerate() {
        crate::console::view::put(buf, inner, u16::try_from(i).unwrap_or(u16::MAX), line);
    }
    if overflow && height >= 2 {
        let last = (top + text_h).min(rows.len());
        let more = labels::more_below(top + 1, last, rows.len(), theme.ascii());
        let line = Line::styled(wrap::pad_left(&more, width), theme.style(Role::Dim));
        crate::console::view::put(buf, inner, u16::try_from(text_h).unwrap_or(u16::MAX), &line);
    }
    for (i, line) in pinned.iter().enumerate() {
        let row = height + i;
        crate::console::view::put(buf, inner, u16::try_from(row).unwrap_or(u16::MAX), line);
    }
    overflow
}

/// The rows always shown at the bottom of the step panel: the open (visible) text box, then
/// the message — an error is never scrolled away. At most `max` rows (the message is cut with
/// a mark when longer).
fn pinned_rows(ob: &Onboard, theme: Theme, width: usize, max: usize) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    if let Some((field, input)) = &ob.field {
        if !field.masked() {
            out.extend(wrap::wrap(
                &[Span::styled(field.label(), theme.style(Role::Title))],
                width,
                true,
            ));
            let value = input.value();
            let room = width.saturating_sub(3);
            // The end of a long value stays in view (that is where typing happens).
            let shown = tail(value, room);
            out.push(Line::from(vec![
                Span::styled("> ", theme.style(Role::Key)),
                Span::raw(shown),
                Span::styled(" ", theme.style(Role::Selected)),
            ]));
        }
    }
    if let Some((text, error)) = &ob.message {
        let role = if *error {
            Role::Status(Status::Fail)
        } else {
            Role::Status(Status::Pass)
        };
        let mut msg = wrap::wrap(
            &[Span::styled(text.clone(), theme.style(role))],
            width,
            true,
        );
        let room = max.saturating_sub(out.len()).max(1);
        if msg.len() > room {
            msg.truncate(room);
            if let Some(last) = msg.last_mut() {
                let cut = format!("{}{}", line_text(last), theme.ellipsis());
                *last = Line::styled(
                    wrap::truncate(&cut, width, theme.ellipsis()),
                    theme.style(role),
                );
            }
        }
        out.extend(msg);
    }
    out
}

fn line_text(l: &Line<'_>) -> String {
    l.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// The last `width` cells of `text` (measured in cells, so CJK counts double).
fn tail(text: &str, width: usize) -> String {
    let mut start = text.len();
    let mut used = 0;
    for (i, c) in text.char_indices().rev() {
        let w = wrap::width(&text[i..i + c.len_utf8()]);
        if used + w > width {
            break;
        }
        used += w;
        start = i;
    }
    text[start..].to_string()
}

fn log(ob: &Onboard, theme: Theme, area: Rect, buf: &mut Buffer) {
    let b = block(theme, crate::i18n::t("onboard.view.log"), false);
    let inner = b.inner(area);
    b.render(area, buf);
    let rows = usize::from(inner.height);
    let start = ob.log.len().saturating_sub(rows);
    for (i, t) in ob.log[start..].iter().enumerate() {
        let line = Line::raw(wrap::truncate(
            t,
            usize::from(inner.width),
            theme.ellipsis(),
        ));
        crate::console::view::put(buf, inner, u16::try_from(i).unwrap_or(u16::MAX), &line);
    }
}

/// The keys that work now, as many as fit (leaving is always shown).
fn footer(ob: &Onboard, theme: Theme, overflow: bool, area: Rect, buf: &mut Buffer) {
    // (key, words, priority): the highest are kept at narrow widths.
    let mut keys: Vec<(&str, &str, u8)> = Vec::new();
    let failed = ob.mark(ob.current) == Mark::Failed;
    if ob.confirm.is_some() {
        keys.extend([
            ("y", crate::i18n::t("onboard.footer.apply"), 255),
            ("n/Esc", crate::i18n::t("onboard.footer.cancel"), 255),
            ("j/k PgDn", crate::i18n::t("onboard.footer.scroll"), 50),
        ]);
    } else if ob.field.is_some() {
        keys.extend([
            ("Enter", crate::i18n::t("onboard.footer.submit"), 255),
            ("Esc", crate::i18n::t("onboard.footer.cancel"), 200),
        ]);
        if ob.can_skip() {
            keys.push(("C-s", crate::i18n::t("onboard.footer.skip"), 150));
        }
    } else if ob.finished {
        keys.push(("Enter/q", crate::i18n::t("onboard.footer.leave"), 255));
    } else {
        if ob.current == Step::Key {
            keys.push(("↑/↓", crate::i18n::t("onboard.footer.choose"), 120));
        }
        if ob.mark(ob.current) != Mark::Working && !failed {
            keys.push(("Enter", crate::i18n::t("onboard.footer.do_step"), 200));
        }
        if ob.can_skip() {
            keys.push(("s", crate::i18n::t("onboard.footer.skip"), 150));
        }
        if failed {
            keys.push(("r", crate::i18n::t("onboard.footer.retry"), 210));
        }
        keys.push(("q/Esc", crate::i18n::t("onboard.footer.leave"), 255));
    }
    if overflow && ob.confirm.is_none() {
        keys.push(("PgUp/PgDn", crate::i18n::t("onboard.footer.scroll"), 180));
    }
    let mut room = usize::from(area.width).saturating_sub(1);
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(keys[i].2));
    let mut shown = vec![false; keys.len()];
    for i in order {
        let label = theme.label(keys[i].0);
        let cost = wrap::width(&label) + wrap::width(keys[i].1) + 3;
        if cost <= room {
            room -= cost;
            shown[i] = true;
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for ((k, what, _), _) in keys.iter().zip(&shown).filter(|(_, s)| **s) {
        spans.push(Span::styled(theme.label(k), theme.style(Role::Key)));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans).render(area, buf);
}
