pub fn all() -> anyhow::Result<()> {
    Ok(())
}
