//! The database compiled into the binary. `tests/rules_db.rs` checks that this list names
//! every `*.toml` file under `rules/` (regenerate with `MODELGATE_BLESS=1 cargo test --test rules_db`).

pub const FILES: &[(&str, &str)] = &[
    ("hosts.toml", include_str!("../../rules/hosts.toml")),
    ("lists.toml", include_str!("../../rules/lists.toml")),
    ("meta.toml", include_str!("../../rules/meta.toml")),
    (
        "orgs/alibaba.toml",
        include_str!("../../rules/orgs/alibaba.toml"),
    ),
    ("orgs/baai.toml", include_str!("../../rules/orgs/baai.toml")),
    (
        "orgs/deepseek.toml",
        include_str!("../../rules/orgs/deepseek.toml"),
    ),
    (
        "orgs/google.toml",
        include_str!("../../rules/orgs/google.toml"),
    ),
    ("orgs/meta.toml", include_str!("../../rules/orgs/meta.toml")),
    (
        "orgs/microsoft.toml",
        include_str!("../../rules/orgs/microsoft.toml"),
    ),
    (
        "orgs/minimax.toml",
        include_str!("../../rules/orgs/minimax.toml"),
    ),
    (
        "orgs/mistral.toml",
        include_str!("../../rules/orgs/mistral.toml"),
    ),
    (
        "orgs/moonshot.toml",
        include_str!("../../rules/orgs/moonshot.toml"),
    ),
    (
        "orgs/openai.toml",
        include_str!("../../rules/orgs/openai.toml"),
    ),
    (
        "orgs/zhipu.toml",
        include_str!("../../rules/orgs/zhipu.toml"),
    ),
    ("sources.toml", include_str!("../../rules/sources.toml")),
];
