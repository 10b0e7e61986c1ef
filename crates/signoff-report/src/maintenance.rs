//! The signed maintenance log, page by page: cover (period, outcome,
//! signature block), a summary per task, every task with each occurrence of
//! the period (done on time, late, missed, skipped, due, upcoming) and each
//! completion (who, when, note, files with SHA-256, pictures inline), then
//! the activity log and how to verify. Shares the layout and the appendices
//! with the run report.

use signoff_core::schedule::{CompletionFile, OccurrenceState};

use crate::content::{
    self, activity_appendix, heading, signature_block, subheading, verify_appendix, when,
};
use crate::layout::{
    ACCENT, FAIL, Face, INK, ImageSlot, Layout, MUTED, NA, PASS, PENDING, Rgb8, WAIVED,
};
use crate::{LogSpec, PictureSize, completion_file_name, human_size};

pub(crate) fn render(
    spec: &LogSpec<'_>,
    image_dims: &mut dyn FnMut(&str) -> PictureSize,
) -> (Vec<u8>, Vec<ImageSlot>, Vec<String>) {
    let log = spec.log;
    let title = format!("Security maintenance log {} to {}", log.from, log.to);
    let mut l = Layout::new(&title, spec.paper);
    let mut images = Vec::new();
    cover(&mut l, spec);
    l.new_page();
    tasks(&mut l, spec, image_dims, &mut images);
    l.new_page();
    activity_appendix(
        &mut l,
        &log.activity,
        "Every change to the maintenance schedule (tasks added, paused, resumed, archived, done), in order, from the workspace's hash-chained log.",
    );
    l.new_page();
    verify_appendix(&mut l, spec.signer.as_ref());
    let header_left = format!("Signoff maintenance log {}", spec.report_id);
    let header_right = format!("{} to {}", log.from, log.to);
    let (bytes, slots) = l.finish(&header_left, &header_right, spec.signer.is_none());
    (bytes, slots, images)
}

fn state_word(s: OccurrenceState) -> (&'static str, &'static str, Rgb8) {
    match s {
        OccurrenceState::Done => ("\u{2713}", "Done on time", PASS),
        OccurrenceState::Late => ("\u{2713}", "Done late", WAIVED),
        OccurrenceState::Missed => ("\u{2717}", "Missed", FAIL),
        OccurrenceState::Overdue => ("\u{2717}", "Overdue", FAIL),
        OccurrenceState::Due => ("\u{25cb}", "Due", ACCENT),
        OccurrenceState::Upcoming => ("\u{25cb}", "Upcoming", PENDING),
        OccurrenceState::Skipped => ("\u{2013}", "Skipped (paused)", NA),
    }
}

fn cover(l: &mut Layout, spec: &LogSpec<'_>) {
    let log = spec.log;
    let x = l.margin;
    let w = l.content_width();
    l.gap(10.0);
    l.paragraph(x, w, Face::Sans, 10.0, ACCENT, "SECURITY MAINTENANCE LOG");
    l.gap(4.0);
    l.paragraph(
        x,
        w,
        Face::Bold,
        22.0,
        INK,
        &format!("{} to {}", log.from, log.to),
    );
    l.paragraph(
        x,
        w,
        Face::Sans,
        12.0,
        MUTED,
        &format!("{} tasks, as of {}", log.tasks.len(), log.as_of),
    );
    l.gap(14.0);
    let done = log.count(OccurrenceState::Done);
    let late = log.count(OccurrenceState::Late);
    let missed = log.count(OccurrenceState::Missed);
    let overdue = log.count(OccurrenceState::Overdue);
    let (label, color) = if missed + overdue > 0 {
        (
            format!(
                "{} of {} occurrences missed or overdue",
                missed + overdue,
                done + late + missed + overdue
            ),
            FAIL,
        )
    } else {
        (
            "EVERY OCCURRENCE DUE IN THE PERIOD WAS DONE".to_owned(),
            PASS,
        )
    };
    let detail = format!(
        "{done} on time \u{00b7} {late} late \u{00b7} {missed} missed \u{00b7} {overdue} overdue \u{00b7} {} skipped while paused",
        log.count(OccurrenceState::Skipped)
    );
    l.banner(&label, &detail, color);
    l.gap(16.0);
    let lw = 118.0;
    for (label, face, value) in [
        (
            "Period",
            Face::Sans,
            format!("{} to {} (inclusive)", log.from, log.to),
        ),
        ("Report ID", Face::Mono, spec.report_id.clone()),
        ("Log digest", Face::Mono, log.digest()),
        ("Generated", Face::Sans, spec.generated_at.clone()),
    ] {
        l.field(x, lw, label, face, &value);
        l.gap(3.0);
    }
    l.gap(10.0);
    subheading(l, "Tasks");
    for t in &log.tasks {
        let count = |s| t.occurrences.iter().filter(|o| o.state == s).count();
        let line = format!(
            "{} \u{2014} {} \u{00b7} {} on time, {} late, {} missed{}",
            t.task.title,
            t.task.cadence,
            count(OccurrenceState::Done),
            count(OccurrenceState::Late),
            count(OccurrenceState::Missed),
            match count(OccurrenceState::Overdue) {
                0 => String::new(),
                n => format!(", {n} overdue"),
            }
        );
        l.paragraph(x, w, Face::Sans, 9.0, INK, &line);
    }
    l.gap(14.0);
    signature_block(l, spec.signer.as_ref());
}

fn tasks(
    l: &mut Layout,
    spec: &LogSpec<'_>,
    image_dims: &mut dyn FnMut(&str) -> PictureSize,
    images: &mut Vec<String>,
) {
    heading(l, "Tasks and occurrences");
    let x = l.margin;
    let w = l.content_width();
    let lw = 92.0;
    for t in &spec.log.tasks {
        subheading(l, &t.task.title);
        l.paragraph(
            x,
            w,
            Face::Sans,
            9.0,
            MUTED,
            &format!(
                "{} \u{00b7} {} from {} \u{00b7} grace {} days{}{}",
                t.task.id,
                t.task.cadence,
                t.task.start_on,
                t.task.grace_days,
                if t.task.owner.is_empty() {
                    String::new()
                } else {
                    format!(" \u{00b7} owner {}", t.task.owner)
                },
                match t.task.state.as_str() {
                    "active" => String::new(),
                    other => format!(" \u{00b7} {other}"),
                }
            ),
        );
        l.gap(4.0);
        if t.occurrences.is_empty() {
            l.paragraph(
                x,
                w,
                Face::Sans,
                9.0,
                MUTED,
                "No occurrence in this period.",
            );
        }
        for o in &t.occurrences {
            let (glyph, word, color) = state_word(o.state);
            l.ensure(16.0);
            let line = format!(
                "{glyph} {}  {word}{}",
                o.due_on,
                o.done_on.map(|d| format!(", done {d}")).unwrap_or_default()
            );
            l.paragraph(x + 8.0, w - 8.0, Face::Bold, 9.0, color, &line);
        }
        for c in &t.completions {
            l.gap(4.0);
            l.field(
                x + 8.0,
                lw,
                "Completion",
                Face::Sans,
                &format!(
                    "due {}, done {} by {}{} (recorded {})",
                    c.due_on,
                    c.done_on,
                    c.done_by,
                    if c.late { ", late" } else { "" },
                    when(&c.done_at)
                ),
            );
            if !c.note.is_empty() {
                l.field(x + 8.0, lw, "Note", Face::Sans, &c.note);
            }
            for f in &c.files {
                file(l, x + 8.0, w - 8.0, lw, f, image_dims, images);
            }
        }
        l.gap(6.0);
    }
}

fn file(
    l: &mut Layout,
    x: f32,
    w: f32,
    lw: f32,
    f: &CompletionFile,
    image_dims: &mut dyn FnMut(&str) -> PictureSize,
    images: &mut Vec<String>,
) {
    let embedded = if f.sensitive {
        " \u{00b7} sensitive: listed by hash, not embedded".to_owned()
    } else {
        format!(" \u{00b7} embedded as {}", completion_file_name(f))
    };
    l.field(
        x,
        lw,
        "File",
        Face::Sans,
        &format!("{} \u{00b7} {}{embedded}", f.name, human_size(f.size)),
    );
    l.field(x, lw, "SHA-256", Face::Mono, &f.sha256);
    if !f.sensitive && matches!(f.media_type.as_str(), "image/png" | "image/jpeg") {
        let size = image_dims(&f.sha256);
        content::picture(l, x, w, lw, 220.0, &f.sha256, size, images);
    }
}
