//! What the console says around a secret it asks for — why it asks again (a refused answer,
//! or a new login to make a change confirmed on the server) — and when such a change is done:
//! only when the run that makes it says so.

use super::app::{App, Overlay};
use super::labels;
use crate::event::Stage;

impl App {
    /// The engine asks for a secret: open the masked prompt, saying why when it asks again.
    pub fn ask_secret(&mut self, prompt: String) {
        let note = if let Some(id) = &self.remote_fix {
            Some(labels::relogin_for_fix(id))
        } else if self.answered.as_deref() == Some(prompt.as_str()) {
            Some(labels::not_accepted(&prompt))
        } else {
            None
        };
        self.overlay = Some(Overlay::Secret {
            title: prompt,
            note,
            input: crate::secret_input::SecretInput::new(),
        });
        self.dirty = true;
    }

    /// A confirmed change on the server goes to a new run (it logs in again to make it): said
    /// as under way, not done.
    pub fn remote_fix_started(&mut self, action_id: &str) {
        self.remote_fix = Some(action_id.to_string());
        self.status = Some(labels::remote_fix_under_way(action_id));
        self.dirty = true;
    }

    /// The run ended: what it says became of the confirmed change on the server.
    pub(super) fn remote_fix_done(&mut self) {
        let Some(id) = self.remote_fix.take() else {
            return;
        };
        let made = self
            .report
            .facts
            .iter()
            .find(|f| f.stage == Stage::Remote && f.key == "remote_fix_made")
            .map(|f| f.value == "yes");
        let lines: Vec<String> = self
            .report
            .log
            .iter()
            .filter(|l| l.stage == Stage::Remote && is_chmod_note(&l.text))
            .map(|l| l.text.clone())
            .collect();
        let result = match made {
            Some(true) => Ok(lines),
            Some(false) => Err(labels::remote_fix_not_made(&lines.join("; "))),
            None => Err(labels::remote_fix_not_reached()),
        };
        self.on_repair_result(&id, result);
    }
}

/// A line the engine writes for each confirmed chmod: made, left alone, or failed.
fn is_chmod_note(text: &str) -> bool {
    text.starts_with("Changed the mode of ")
        || text.ends_with("left as it is")
        || text.starts_with("chmod ")
}
