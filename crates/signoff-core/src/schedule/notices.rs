//! Reminders: the notices not shown yet (each task's open occurrence that
//! is due or overdue, once per occurrence and kind) and remembering that
//! one was shown, across restarts.

use super::model::{Notice, Standing};
use crate::error::Result;
use crate::workspace::Workspace;

impl Workspace {
    /// Notifications not shown yet: each task's open occurrence that is due
    /// or overdue today, once per occurrence and kind.
    pub fn pending_notices(&self) -> Result<Vec<Notice>> {
        let mut out = Vec::new();
        for s in self.due_tasks(None)? {
            let (Some(due), kind) = (
                s.next_due,
                if s.standing == Standing::Overdue {
                    "overdue"
                } else {
                    "due"
                },
            ) else {
                continue;
            };
            if !self.store.notified(&s.task.id, due, kind)? {
                out.push(Notice {
                    task_id: s.task.id.clone(),
                    title: s.task.title.clone(),
                    due_on: due,
                    kind: kind.to_owned(),
                });
            }
        }
        Ok(out)
    }

    /// Remembers that a notice was shown (never shown again).
    pub fn mark_notified(&mut self, notice: &Notice) -> Result<()> {
        let at = self.now();
        self.store
            .write(|tx| tx.insert_notification(&notice.task_id, notice.due_on, &notice.kind, &at))
    }
}
