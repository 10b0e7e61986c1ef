//! The built-in templates, compiled into the binary from `builtin/*.toml`.
//! Their content comes from the first customer's security policy
//! (`seed-SECURITY.md`); a test checks every one parses and validates.

use super::Template;

const SOURCES: &[(&str, &str)] = &[
    ("predeploy", include_str!("builtin/predeploy.toml")),
    (
        "incident-response",
        include_str!("builtin/incident-response.toml"),
    ),
];

/// Ids of the built-in templates, in display order.
pub const BUILTIN_IDS: &[&str] = &["predeploy", "incident-response"];

/// Every built-in template, parsed.
pub fn builtins() -> Vec<Template> {
    SOURCES.iter().filter_map(|(id, _)| builtin(id)).collect()
}

/// One built-in template by id.
pub fn builtin(id: &str) -> Option<Template> {
    let (_, text) = SOURCES.iter().find(|(i, _)| *i == id)?;
    // The sources are part of this build and covered by a test; a parse
    // failure here is a build defect, not user input.
    Template::from_toml(text, id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_and_validates() {
        for (id, text) in SOURCES {
            let t = Template::from_toml(text, id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(t.id, *id, "file id must match its registry key");
            assert!(t.version >= 1, "{id}: built-ins declare a version");
        }
        assert_eq!(builtins().len(), BUILTIN_IDS.len());
    }

    #[test]
    fn predeploy_has_the_fifteen_seed_items_in_order() {
        let t = builtin("predeploy").expect("predeploy");
        let titles: Vec<&str> = t.items().map(|(_, i)| i.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Django version is 4.2.24 or later",
                "DEBUG=False in production",
                "Strong SECRET_KEY configured",
                "ALLOWED_HOSTS properly configured",
                "HTTPS enabled with valid SSL certificate",
                "Database using strong credentials",
                "All security headers enabled",
                "Firewall properly configured",
                "Regular backups configured",
                "Logging and monitoring enabled",
                "API keys rotated from development",
                "No sensitive data in version control",
                "Dependencies up to date",
                "Security scanning performed",
                "Penetration testing completed",
            ],
            "the seed's Security Checklist, verbatim and in order"
        );
        // Guidance is specific: it carries the seed's facts for the item.
        let g = |id: &str| t.item(id).map(|i| i.guidance.clone()).unwrap_or_default();
        assert!(g("django-version").contains("HasKey"), "CVE notes");
        assert!(g("django-version").contains("4.2.17"));
        for setting in [
            "SECURE_HSTS_SECONDS=31536000",
            "SECURE_SSL_REDIRECT=True",
            "SESSION_COOKIE_SECURE=True",
            "CSRF_COOKIE_SECURE=True",
            "SECURE_BROWSER_XSS_FILTER=True",
            "SECURE_CONTENT_TYPE_NOSNIFF=True",
        ] {
            assert!(g("security-headers").contains(setting), "{setting}");
        }
        assert!(g("database-credentials").contains("PostgreSQL"));
        assert!(g("database-credentials").contains("SSL/TLS"));
        assert!(g("dependencies-up-to-date").contains("pip-audit"));
        for (_, item) in t.items() {
            assert!(
                item.guidance.len() > 200,
                "{}: guidance must be specific, not a generic sentence",
                item.id
            );
        }
    }

    #[test]
    fn incident_response_has_the_four_phases() {
        let t = builtin("incident-response").expect("incident-response");
        let sections: Vec<&str> = t.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            sections,
            ["Immediately", "Investigation", "Recovery", "Prevention"]
        );
        assert_eq!(t.item_count(), 14, "4 + 3 + 4 + 3 steps in the seed");
    }
}
