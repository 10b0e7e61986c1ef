//! What the report says, page by page: cover with the signature block,
//! summary with a chart, every item with its evidence (pictures inline),
//! then the appendices (activity log, evidence hashes, how to verify).

use signoff_core::manifest::{Manifest, ManifestActivity};
use signoff_core::model::{Evidence, EvidenceKind, RunItem, Status};

use crate::layout::{
    ACCENT, FAIL, Face, INK, ImageSlot, Layout, MUTED, NA, PANEL, PASS, PENDING, RULE, Rgb8, WAIVED,
};
use crate::{PictureSize, ReportSpec, SignerBlock, human_size, is_inline_image};

/// The visual PDF (printpdf's bytes) and where the pictures go.
pub(crate) fn render(
    spec: &ReportSpec<'_>,
    image_dims: &mut dyn FnMut(&str) -> PictureSize,
) -> (Vec<u8>, Vec<ImageSlot>, Vec<String>) {
    let m = spec.manifest;
    let title = format!(
        "Security sign-off: {} ({})",
        m.run.target, m.run.environment
    );
    let mut l = Layout::new(&title, spec.paper);
    let mut images: Vec<String> = Vec::new();

    cover(&mut l, spec);
    l.new_page();
    summary(&mut l, m);
    l.new_page();
    items(&mut l, m, image_dims, &mut images);
    l.new_page();
    activity_appendix(
        &mut l,
        &m.activity,
        "Every change to this run (and to the revisions it continues), in order, from the workspace's hash-chained log.",
    );
    l.new_page();
    hashes_appendix(&mut l, m);
    l.new_page();
    verify_appendix(&mut l, spec.signer.as_ref());

    let header_left = format!("Signoff report {}", spec.report_id);
    let header_right = if m.run.environment.is_empty() {
        m.run.target.clone()
    } else {
        format!("{} \u{00b7} {}", m.run.target, m.run.environment)
    };
    let (bytes, slots) = l.finish(&header_left, &header_right, spec.signer.is_none());
    (bytes, slots, images)
}

/// `2026-11-28 20:22:35 UTC` from a stored RFC 3339 time (as is otherwise).
pub(crate) fn when(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        })
        .unwrap_or_else(|_| stamp.to_owned())
}

/// An activity entry's JSON details as `key: value · key: value`.
pub(crate) fn details_text(details: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(details) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" \u{00b7} "),
        _ => details.to_owned(),
    }
}

/// One item's outcome as a word, glyph and colour.
fn outcome(item: &RunItem) -> (&'static str, &'static str, Rgb8) {
    match item.status {
        Status::Pass => ("\u{2713}", "Pass", PASS),
        Status::Fail if item.waiver.is_some() => ("\u{2717}", "Fail \u{2014} waived", WAIVED),
        Status::Fail => ("\u{2717}", "Fail", FAIL),
        Status::Na => ("\u{2013}", "Not applicable", NA),
        Status::Pending => ("\u{25cb}", "Not checked", PENDING),
    }
}

pub(crate) fn heading(l: &mut Layout, text: &str) {
    l.ensure(60.0);
    l.gap(6.0);
    let x = l.margin;
    l.paragraph(x, l.content_width(), Face::Bold, 16.0, INK, text);
    l.gap(4.0);
}

pub(crate) fn subheading(l: &mut Layout, text: &str) {
    l.ensure(40.0);
    l.gap(8.0);
    let x = l.margin;
    l.paragraph(x, l.content_width(), Face::Bold, 11.5, INK, text);
    let y = l.y + 3.0;
    let w = l.content_width();
    l.hline(x, y, w, RULE, 0.6);
    l.gap(7.0);
}

fn cover(l: &mut Layout, spec: &ReportSpec<'_>) {
    let m = spec.manifest;
    let x = l.margin;
    let w = l.content_width();
    l.gap(10.0);
    l.paragraph(x, w, Face::Sans, 10.0, ACCENT, "SECURITY SIGN-OFF REPORT");
    l.gap(4.0);
    l.paragraph(x, w, Face::Bold, 24.0, INK, &m.run.target);
    l.paragraph(x, w, Face::Sans, 13.0, MUTED, &m.run.environment);
    l.gap(14.0);

    // Outcome banner.
    let c = &m.counts;
    let waived = m
        .items
        .iter()
        .filter(|i| i.status == Status::Fail && i.waiver.is_some())
        .count();
    let signed_run = m.run.state == signoff_core::model::RunState::Signed;
    let (label, color) = if signed_run && spec.signer.is_none() {
        (
            "SIGNED RUN \u{2014} this draft is an unsigned copy; the signed report is the record"
                .to_owned(),
            NA,
        )
    } else if !m.blockers.is_empty() {
        (
            format!(
                "NOT READY \u{2014} {} of {} items block sign-off",
                m.blockers.len(),
                c.total
            ),
            FAIL,
        )
    } else if spec.signer.is_none() {
        (
            "READY TO SIGN \u{2014} every item is resolved".to_owned(),
            WAIVED,
        )
    } else {
        (
            "SIGNED OFF \u{2014} every item is resolved".to_owned(),
            PASS,
        )
    };
    let detail = format!(
        "{} pass \u{00b7} {} fail ({} waived) \u{00b7} {} not applicable \u{00b7} {} not checked",
        c.pass, c.fail, waived, c.na, c.pending
    );
    l.banner(&label, &detail, color);
    l.gap(16.0);

    let lw = 118.0;
    let t = &m.template;
    let period = match (m.activity.entries.first(), m.activity.entries.last()) {
        (Some(a), Some(b)) => format!("{} \u{2192} {}", when(&a.at), when(&b.at)),
        _ => when(&m.run.created_at),
    };
    let rows: Vec<(&str, Face, String)> = vec![
        ("Target", Face::Sans, m.run.target.clone()),
        ("Environment", Face::Sans, m.run.environment.clone()),
        (
            "Checklist",
            Face::Sans,
            format!("{} ({} version {})", t.name, t.id, t.version),
        ),
        ("Checklist SHA-256", Face::Mono, t.hash.clone()),
        (
            "Run",
            Face::Sans,
            format!(
                "#{} revision {}{}, started {} by {}",
                m.run.id,
                m.run.revision,
                m.run
                    .revision_of
                    .map(|r| format!(" (reopened from run #{r})"))
                    .unwrap_or_default(),
                when(&m.run.created_at),
                m.run.created_by
            ),
        ),
        ("Period", Face::Sans, period),
        ("Report ID", Face::Mono, spec.report_id.clone()),
        ("Run digest", Face::Mono, m.digest()),
        ("Generated", Face::Sans, spec.generated_at.clone()),
    ];
    for (label, face, value) in rows {
        l.field(x, lw, label, face, &value);
        l.gap(3.0);
    }
    l.gap(16.0);
    signature_block(l, spec.signer.as_ref());
}

pub(crate) fn signature_block(l: &mut Layout, signer: Option<&SignerBlock>) {
    let x = l.margin;
    let w = l.content_width();
    l.ensure(150.0);
    let top = l.y;
    match signer {
        Some(s) => {
            l.gap(12.0);
            l.paragraph(
                x + 14.0,
                w - 28.0,
                Face::Bold,
                11.0,
                INK,
                &format!("\u{2713} Signed by {} \u{2014} {}", s.name, s.role),
            );
            l.gap(4.0);
            let lw = 104.0;
            let ix = x + 14.0;
            if !s.email.is_empty() {
                l.field(ix, lw, "Email", Face::Sans, &s.email);
            }
            if !s.organisation.is_empty() {
                l.field(ix, lw, "Organisation", Face::Sans, &s.organisation);
            }
            l.field(ix, lw, "Signed at (UTC)", Face::Sans, &s.signed_at);
            l.field(ix, lw, "Certificate SHA-256", Face::Mono, &s.fingerprint);
            if !s.statement.is_empty() {
                l.field(ix, lw, "Statement", Face::Sans, &s.statement);
            }
            l.gap(6.0);
            l.paragraph(
                ix,
                w - 28.0,
                Face::Sans,
                8.5,
                MUTED,
                "This block is a picture of the signature. The signature itself is the PAdES \
                 signature over the whole file: check it with the tools in the last appendix. \
                 An approver's countersignature is added to this file as a further signature \
                 and appears in the viewer's signature panel and in `signoff verify`.",
            );
            l.gap(12.0);
            l.fill_rect(x, top, 4.0, l.y - top, PASS);
            l.stroke_rect(x, top, w, l.y - top, RULE, 0.8);
        }
        None => {
            l.gap(12.0);
            l.paragraph(
                x + 14.0,
                w - 28.0,
                Face::Bold,
                11.0,
                FAIL,
                "Not signed \u{2014} DRAFT",
            );
            l.paragraph(
                x + 14.0,
                w - 28.0,
                Face::Sans,
                9.5,
                INK,
                "This draft is for review before sign-off. It carries no signature and \
                 must not be relied on as evidence of approval.",
            );
            l.gap(12.0);
            l.stroke_rect(x, top, w, l.y - top, FAIL, 0.8);
        }
    }
}

fn summary(l: &mut Layout, m: &Manifest) {
    heading(l, "Summary");
    let x = l.margin;
    let w = l.content_width();
    let waived = m
        .items
        .iter()
        .filter(|i| i.status == Status::Fail && i.waiver.is_some())
        .count() as u32;
    let c = &m.counts;
    let parts = [
        ("Pass", c.pass, PASS),
        ("Fail, waived", waived, WAIVED),
        ("Fail", c.fail - waived, FAIL),
        ("Not applicable", c.na, NA),
        ("Not checked", c.pending, PENDING),
    ];
    // The stacked bar.
    let top = l.y + 4.0;
    let total = c.total.max(1) as f32;
    let mut bx = x;
    for (_, n, color) in parts {
        let bw = w * n as f32 / total;
        if bw > 0.0 {
            l.fill_rect(bx, top, bw, 18.0, color);
        }
        bx += bw;
    }
    l.stroke_rect(x, top, w, 18.0, RULE, 0.5);
    l.y = top + 30.0;
    // Legend with counts.
    let mut lx = x;
    for (label, n, color) in parts {
        let text = format!("{label}: {n}");
        l.fill_rect(lx, l.y - 8.0, 8.0, 8.0, color);
        l.text_at(lx + 12.0, l.y, Face::Sans, 9.0, INK, &text);
        lx += l.measure(Face::Sans, 9.0, &text) + 26.0;
    }
    l.gap(10.0);
    l.paragraph(
        x,
        w,
        Face::Sans,
        9.5,
        MUTED,
        &format!(
            "{} items in {} sections.",
            c.total,
            m.template.frozen.sections.len()
        ),
    );

    subheading(l, "By section");
    // Table: section | pass | fail | N/A | pending | bar
    let cols = [w * 0.46, w * 0.08, w * 0.08, w * 0.08, w * 0.1];
    let bar_w = w - cols.iter().sum::<f32>();
    let head = ["Section", "Pass", "Fail", "N/A", "Pending"];
    let mut cx = x;
    l.gap(12.0);
    for (i, h) in head.iter().enumerate() {
        l.text_at(cx, l.y, Face::Bold, 8.5, MUTED, h);
        cx += cols[i];
    }
    l.text_at(cx, l.y, Face::Bold, 8.5, MUTED, "Progress");
    l.gap(5.0);
    for section in &m.template.frozen.sections {
        let its: Vec<&RunItem> = m
            .items
            .iter()
            .filter(|i| i.section_id == section.id)
            .collect();
        let count = |s: Status| its.iter().filter(|i| i.status == s).count();
        let lines = l.wrap(Face::Sans, 9.0, cols[0] - 8.0, &section.title);
        let row_h = 13.0 * lines.len() as f32 + 4.0;
        l.ensure(row_h);
        let row_top = l.y;
        l.hline(x, row_top, w, RULE, 0.4);
        for (n, line) in lines.iter().enumerate() {
            l.text_at(
                x,
                row_top + 12.0 + 13.0 * n as f32,
                Face::Sans,
                9.0,
                INK,
                line,
            );
        }
        let mut cx = x + cols[0];
        for (i, s) in [Status::Pass, Status::Fail, Status::Na, Status::Pending]
            .into_iter()
            .enumerate()
        {
            l.text_at(
                cx,
                row_top + 12.0,
                Face::Sans,
                9.0,
                INK,
                &count(s).to_string(),
            );
            cx += cols[i + 1];
        }
        let n = its.len().max(1) as f32;
        let mut bx = cx;
        for (s, color) in [(Status::Pass, PASS), (Status::Fail, FAIL), (Status::Na, NA)] {
            let bw = (bar_w - 4.0) * count(s) as f32 / n;
            if bw > 0.0 {
                l.fill_rect(bx, row_top + 4.0, bw, 9.0, color);
            }
            bx += bw;
        }
        l.stroke_rect(cx, row_top + 4.0, bar_w - 4.0, 9.0, RULE, 0.4);
        l.y = row_top + row_h;
    }
    let y = l.y;
    l.hline(x, y, w, RULE, 0.4);

    if !m.blockers.is_empty() {
        subheading(l, "What blocks sign-off");
        for b in &m.blockers {
            l.paragraph(
                x,
                w,
                Face::Sans,
                9.5,
                FAIL,
                &format!("\u{2717} {} \u{2014} {}", b.title, b.problem),
            );
        }
    }
}

fn items(
    l: &mut Layout,
    m: &Manifest,
    image_dims: &mut dyn FnMut(&str) -> PictureSize,
    images: &mut Vec<String>,
) {
    heading(l, "Checklist items");
    let x = l.margin;
    let w = l.content_width();
    let indent = 22.0;
    let lw = 92.0;
    let mut number = 0;
    for section in &m.template.frozen.sections {
        subheading(l, &section.title);
        for item in m.items.iter().filter(|i| i.section_id == section.id) {
            number += 1;
            let (glyph, word, color) = outcome(item);
            l.ensure(60.0);
            l.gap(4.0);
            let top = l.y;
            l.text_at(x, top + 13.0, Face::Bold, 13.0, color, glyph);
            let title = format!("{number}. {}", item.title);
            l.paragraph(x + indent, w - indent, Face::Bold, 10.5, INK, &title);
            let ix = x + indent;
            let who = match (&item.updated_by, &item.updated_at) {
                (Some(by), Some(at)) => format!("{word} \u{00b7} {by} \u{00b7} {}", when(at)),
                _ => word.to_owned(),
            };
            l.paragraph(ix, w - indent, Face::Bold, 9.0, color, &who);
            l.gap(2.0);
            if !item.note.trim().is_empty() {
                l.field(ix, lw, "Note", Face::Sans, item.note.trim());
            }
            if item.status == Status::Na {
                l.field(ix, lw, "Why N/A", Face::Sans, &item.reason);
            }
            if let Some(wv) = &item.waiver {
                l.field(ix, lw, "Waiver", Face::Sans, &wv.justification);
                l.field(ix, lw, "Accepted by", Face::Sans, &wv.accepted_by);
                l.field(ix, lw, "Expires", Face::Sans, &wv.expires_on.to_string());
                l.field(
                    ix,
                    lw,
                    "Recorded",
                    Face::Sans,
                    &format!("{} by {}", when(&wv.granted_at), wv.granted_by),
                );
            }
            if item.evidence.is_empty() {
                l.field(ix, lw, "Evidence", Face::Sans, "none");
            }
            for ev in &item.evidence {
                evidence(l, ix, w - indent, lw, ev, image_dims, images);
            }
            l.gap(6.0);
            let y = l.y;
            l.hline(x, y, w, RULE, 0.3);
        }
    }
}

fn evidence(
    l: &mut Layout,
    x: f32,
    w: f32,
    lw: f32,
    ev: &Evidence,
    image_dims: &mut dyn FnMut(&str) -> PictureSize,
    images: &mut Vec<String>,
) {
    l.gap(3.0);
    let (label, headline) = match ev.kind {
        EvidenceKind::File => (
            "File",
            format!(
                "{} \u{00b7} {} \u{00b7} observed {}{}",
                ev.name,
                human_size(ev.size),
                ev.observed_on,
                if ev.sensitive {
                    " \u{00b7} sensitive: listed by hash, not embedded"
                } else {
                    ""
                }
            ),
        ),
        EvidenceKind::Note if ev.sensitive => (
            "Evidence note",
            format!(
                "(sensitive: listed by hash only) \u{00b7} observed {}",
                ev.observed_on
            ),
        ),
        EvidenceKind::Note => (
            "Evidence note",
            format!("{} \u{00b7} observed {}", ev.text, ev.observed_on),
        ),
        EvidenceKind::Link => (
            "Link",
            format!("{} \u{00b7} observed {}", ev.text, ev.observed_on),
        ),
    };
    l.field(x, lw, label, Face::Sans, &headline);
    l.field(x, lw, "SHA-256", Face::Mono, &ev.sha256);
    l.field(
        x,
        lw,
        "Added",
        Face::Sans,
        &format!("{} by {}", when(&ev.added_at), ev.added_by),
    );
    if is_inline_image(ev) {
        let size = image_dims(&ev.sha256);
        picture(l, x, w, lw, 260.0, &ev.sha256, size, images);
    }
}

/// A picture's box, or, for one that is not drawn (too large, damaged),
/// a line saying why: the file itself is embedded either way.
#[allow(clippy::too_many_arguments)]
pub(crate) fn picture(
    l: &mut Layout,
    x: f32,
    w: f32,
    lw: f32,
    max_h: f32,
    sha256: &str,
    size: PictureSize,
    images: &mut Vec<String>,
) {
    match size {
        Ok((pw, ph)) => {
            images.push(sha256.to_owned());
            let idx = images.len() - 1;
            l.image_box(x + lw, pw, ph, w - lw, max_h, idx);
        }
        Err(e) => l.field(
            x,
            lw,
            "Picture",
            Face::Sans,
            &format!("{e}; embedded as a file"),
        ),
    }
}

pub(crate) fn activity_appendix(l: &mut Layout, activity: &ManifestActivity, intro: &str) {
    heading(l, "Appendix A \u{2014} Activity log");
    let x = l.margin;
    let w = l.content_width();
    l.paragraph(
        x,
        w,
        Face::Sans,
        9.0,
        MUTED,
        &format!(
            "{intro} Each entry's hash covers its content and the previous entry's hash. The \
             log's head when this report was made: entry #{} {}.",
            activity.head_seq, activity.head_hash
        ),
    );
    l.gap(6.0);
    for e in &activity.entries {
        l.ensure(30.0);
        let line = format!(
            "#{} \u{00b7} {} \u{00b7} {} \u{00b7} {}",
            e.seq,
            when(&e.at),
            e.actor,
            e.action
        );
        l.paragraph(x, w, Face::Bold, 8.5, INK, &line);
        let detail = format!("{} \u{2014} {}", e.subject, details_text(&e.details));
        l.paragraph(x + 12.0, w - 12.0, Face::Sans, 8.0, INK, &detail);
        l.paragraph(x + 12.0, w - 12.0, Face::Mono, 7.0, MUTED, &e.hash);
        l.gap(3.0);
    }
}

fn hashes_appendix(l: &mut Layout, m: &Manifest) {
    heading(l, "Appendix B \u{2014} Evidence hashes");
    let x = l.margin;
    let w = l.content_width();
    l.paragraph(
        x,
        w,
        Face::Sans,
        9.0,
        MUTED,
        "Every piece of evidence with its SHA-256. Files not marked sensitive are embedded in \
         this PDF under the name shown; SHA256SUMS (also embedded) lists them in the format \
         `sha256sum -c` reads.",
    );
    l.gap(6.0);
    for item in &m.items {
        for ev in &item.evidence {
            l.ensure(34.0);
            let name = match ev.kind {
                EvidenceKind::File if ev.sensitive => {
                    format!("{} (sensitive, not embedded)", ev.name)
                }
                EvidenceKind::File => format!("{} \u{2192} {}", ev.name, crate::embedded_name(ev)),
                EvidenceKind::Note => format!("note: {}", ev.name),
                EvidenceKind::Link => format!("link: {}", ev.text),
            };
            l.paragraph(
                x,
                w,
                Face::Sans,
                8.5,
                INK,
                &format!(
                    "{} \u{00b7} {} \u{00b7} {}",
                    item.id,
                    name,
                    human_size(ev.size)
                ),
            );
            l.paragraph(x + 12.0, w - 12.0, Face::Mono, 7.5, MUTED, &ev.sha256);
            l.gap(2.0);
        }
    }
}

pub(crate) fn verify_appendix(l: &mut Layout, signer: Option<&SignerBlock>) {
    heading(l, "Appendix C \u{2014} How to verify this report");
    let x = l.margin;
    let w = l.content_width();
    let steps: [(&str, &str); 5] = [
        (
            "1. The signatures, with Signoff (any machine, no workspace needed):",
            "signoff verify report.pdf --trust signer.pem",
        ),
        (
            "2. The signatures, with poppler (each should say \"Signature is Valid.\"):",
            "pdfsig report.pdf",
        ),
        (
            "3. The signatures, with pyHanko (should say \"judged VALID\"):",
            "pyhanko sign validate --pretty-print --no-revocation-check --trust signer.pem report.pdf",
        ),
        (
            "4. The embedded evidence against its hashes:",
            "mkdir files && pdfdetach -saveall -o files report.pdf && cd files && sha256sum -c SHA256SUMS",
        ),
        (
            "5. The content itself: manifest.json (embedded) holds everything this report \
             shows (results, notes, waivers or completions, evidence hashes, activity \
             entries), machine-readable; its digest (`runDigest` or `logDigest`) is the one \
             on the cover.",
            "pdfdetach -save 1 -o manifest.json report.pdf   # see pdfdetach -list",
        ),
    ];
    for (what, cmd) in steps {
        l.ensure(46.0);
        l.paragraph(x, w, Face::Sans, 9.5, INK, what);
        l.gap(2.0);
        let lines = l.wrap(Face::Mono, 8.5, w - 16.0, cmd);
        let h = 12.0 * lines.len() as f32 + 8.0;
        l.ensure(h);
        let top = l.y;
        l.fill_rect(x, top, w, h, PANEL);
        for (n, line) in lines.iter().enumerate() {
            l.text_at(
                x + 8.0,
                top + 13.0 + 12.0 * n as f32,
                Face::Mono,
                8.5,
                INK,
                line,
            );
        }
        l.y = top + h;
        l.gap(8.0);
    }
    l.paragraph(
        x,
        w,
        Face::Sans,
        9.5,
        INK,
        "signer.pem is the signer's certificate, obtained from the signer by a separate \
         channel (Signoff keeps it as identity/cert.pem in the signer's data folder). Compare its SHA-256 fingerprint \
         with the one on the cover. A signature added after the report was made (an approver's \
         countersignature) is listed by every tool above; anything else added after a \
         signature makes the verification fail.",
    );
    if let Some(s) = signer {
        l.gap(6.0);
        l.field(x, 118.0, "Signer fingerprint", Face::Mono, &s.fingerprint);
    }
}
