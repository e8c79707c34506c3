//! The harness' steps: what the runner asks of the clients.

#[derive(Debug, Clone)]
pub(crate) enum Desc {
    Add(usize),
    Remove(&'static str),
    ExternalPsk(usize),
    ResumptionPsk(u64),
    Gce(Vec<(u32, Vec<u8>)>),
    ReInit {
        change_group_id: bool,
        change_suite: bool,
        extensions: Vec<(u32, Vec<u8>)>,
    },
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Commit {
    pub(crate) actor: String,
    pub(crate) by_ref: Vec<usize>,
    pub(crate) by_value: Vec<Desc>,
    pub(crate) members: Vec<String>,
    pub(crate) joiners: Vec<String>,
    pub(crate) force_path: bool,
    pub(crate) external_tree: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ExtJoin {
    pub(crate) actor: String,
    pub(crate) joiner: String,
    pub(crate) members: Vec<String>,
    pub(crate) external_tree: bool,
    pub(crate) remove_prior: bool,
    pub(crate) psks: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ReInitStep {
    pub(crate) proposer: Option<&'static str>,
    pub(crate) committer: &'static str,
    pub(crate) welcomer: &'static str,
    pub(crate) members: Vec<&'static str>,
    pub(crate) change_suite: bool,
    pub(crate) change_group_id: bool,
    pub(crate) extensions: Vec<(u32, Vec<u8>)>,
    pub(crate) force_path: bool,
    pub(crate) external_tree: bool,
    pub(crate) external_proposal: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum Step {
    CreateGroup(&'static str, Vec<&'static str>),
    CreateKeyPackage(String),
    ExternalJoin(ExtJoin),
    InstallExternalPsk(Vec<&'static str>),
    AddProposal(&'static str, usize),
    UpdateProposal(String),
    RemoveProposal(&'static str, &'static str),
    ExternalPskProposal(&'static str, usize),
    ResumptionPskProposal(&'static str, u64),
    GceProposal(&'static str, Vec<(u32, Vec<u8>)>),
    FullCommit(Commit),
    Protect(&'static str, &'static str, &'static str),
    Unprotect(&'static str, usize),
    ReInit(ReInitStep),
    Branch {
        actor: &'static str,
        members: Vec<&'static str>,
        extensions: Vec<(u32, Vec<u8>)>,
        force_path: bool,
        external_tree: bool,
    },
    NewMemberAddProposal(&'static str, &'static str),
    AddExternalSigner(&'static str, &'static str),
    ExternalSignerProposal(&'static str, &'static str, Desc),
}

pub(crate) fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub(crate) fn create(actor: &'static str) -> Step {
    Step::CreateGroup(actor, Vec::new())
}

pub(crate) fn create_with(actor: &'static str, members: &[&'static str]) -> Step {
    Step::CreateGroup(actor, members.to_vec())
}

pub(crate) fn kp(actor: &str) -> Step {
    Step::CreateKeyPackage(actor.to_string())
}

pub(crate) fn commit(actor: &str, by_ref: &[usize], members: &[&str], joiners: &[&str]) -> Commit {
    Commit {
        actor: actor.to_string(),
        by_ref: by_ref.to_vec(),
        members: names(members),
        joiners: names(joiners),
        ..Commit::default()
    }
}

pub(crate) fn full(c: Commit) -> Step {
    Step::FullCommit(c)
}

pub(crate) fn ext_join(actor: &str, joiner: &str, members: &[&str]) -> ExtJoin {
    ExtJoin {
        actor: actor.to_string(),
        joiner: joiner.to_string(),
        members: names(members),
        ..ExtJoin::default()
    }
}

/// `required_capabilities` with three empty lists (`"AAAA"` in the configs).
pub(crate) fn required_caps() -> (u32, Vec<u8>) {
    (3, vec![0, 0, 0])
}

/// An empty `external_senders` (`"AA=="`).
pub(crate) fn no_external_senders() -> (u32, Vec<u8>) {
    (5, vec![0])
}
