//! Two instances of our interop client (one in this process, one the
//! `interop-client` binary), driven over gRPC through the call sequences
//! of every scenario family of the MLS working group's interop harness.
//!
//! # Where the call sequences come from
//!
//! The published harness (`mlswg/mls-implementations`, `interop/`) has a
//! test-runner (`interop/test-runner/main.go`) that reads scenario configs
//! (`interop/configs/*.json`): scripts of steps such as `createGroup`,
//! `fullCommit`, `externalJoin`, `reinit`, `branch`, each run for every
//! cipher suite, both handshake encodings and every assignment of clients
//! to the script's actors. The runner turns each step into a fixed
//! sequence of RPCs; [`Driver::step`] turns the same steps into the same
//! sequences, step for step:
//!
//! * `createGroup` → `CreateGroup` (with `members`: then for each member
//!   `CreateKeyPackage` + `AddProposal`, and a `fullCommit` adding them);
//! * `fullCommit` → `Commit` at the committer, `HandlePendingCommit` at the
//!   committer, `HandleCommit` (with the by-reference proposals) at each
//!   other member, `JoinGroup` (with the tree if `external_tree`) at each
//!   joiner; every epoch authenticator must equal the committer's;
//! * `externalJoin` → `GroupInfo` at the actor (tree inside or not),
//!   `ExternalJoin` at the joiner (PSKs, `remove_prior`), `HandleCommit` at
//!   the actor and the members;
//! * `installExternalPSK` → `StorePSK` at each client, on its state or,
//!   before it joined, its transaction;
//! * `protect` / `unprotect` → `Protect` / `Unprotect`, the plaintext and
//!   authenticated data compared;
//! * the proposal steps → `AddProposal`, `UpdateProposal`,
//!   `RemoveProposal`, `ExternalPSKProposal`, `ResumptionPSKProposal`,
//!   `GroupContextExtensionsProposal`;
//! * `reinit` → `ReInitProposal` at the proposer (or an earlier external
//!   proposal), `ReInitCommit` + `HandlePendingReInitCommit` at the
//!   committer, `HandleReInitCommit` at the others, `ReInitWelcome` at the
//!   welcomer (with everyone else's new KeyPackages), `HandleReInitWelcome`
//!   at the others; a new group id is the old one plus `++`, a new suite
//!   another one both clients support;
//! * `branch` → `CreateKeyPackage` at each member, `CreateBranch` at the
//!   actor, `HandleBranch` at each member;
//! * `newMemberAddProposal` → `GroupInfo` + `NewMemberAddProposal`;
//!   `addExternalSigner` → `CreateExternalSigner` + `AddExternalSigner`;
//!   `externalSignerProposal` → `GroupInfo` (tree outside) +
//!   `ExternalSignerProposal`;
//! * at the end of a script the runner calls `Free` on every state.
//!
//! The scripts below are those of the published configs (`welcome_join`,
//! `external_join`, `application`, `commit`, `reinit`, `branch`,
//! `external_proposals`), with the published step indices, and for
//! `deep_random` a generator following `interop/deep.py` (random commits
//! of adds and removes by value and updates by reference, external joins
//! and resyncs) with a fixed seed, a smaller group and a few dozen steps.
//! Each script runs in suites 1–3 with handshakes as PublicMessage and as
//! PrivateMessage; the actors are spread over the two clients (which half
//! depends on the run). Beyond the runner's checks, after every step all
//! current members must agree on `StateAuth` and on an `Export`.
use std::time::Duration;

use interop_client::proto::mls_client_client::MlsClientClient;
use interop_client::proto::*;
use tokio::io::AsyncBufReadExt;
use tonic::transport::Channel;

mod driver;
mod driver_flows;
mod driver_steps;
mod families;
mod random;
mod steps;

use driver::Driver;
use families::*;
use random::deep_random;
use steps::{Desc, Step};

type Client = MlsClientClient<Channel>;

struct Clients {
    clients: Vec<Client>,
    _child: tokio::process::Child,
}

async fn connect(addr: String) -> Client {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("address")
        .connect_timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect to the interop client");
    MlsClientClient::new(channel)
}

/// One instance served in this process, one the binary, each on a free
/// loopback port.
async fn start_clients() -> Clients {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let in_process = listener.local_addr().expect("address").to_string();
    tokio::spawn(interop_client::serve(listener));

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_interop-client"))
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start interop-client");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("interop-client starts")
        .expect("read stdout")
        .expect("a line");
    let binary = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();

    Clients {
        clients: vec![connect(in_process).await, connect(binary).await],
        _child: child,
    }
}

/// Runs every script in suites 1–3, PublicMessage and PrivateMessage
/// handshakes, with the actors spread over the two clients.
async fn run_family(family: &str, scripts: Vec<(&'static str, Vec<Step>)>) {
    let clients = start_clients().await;
    let mut failures = Vec::new();
    let mut runs = 0;
    for suite in 1..=3u32 {
        for encrypt in [false, true] {
            let variant = (suite as usize + usize::from(encrypt)) % 2;
            for (name, script) in &scripts {
                runs += 1;
                let mut driver = Driver::new(&clients.clients, suite, encrypt, variant);
                if let Err(e) = driver.run(script).await {
                    failures.push(format!(
                        "{family}/{name} suite {suite} encrypt {encrypt}: {e}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_join_family() {
    run_family("welcome_join", welcome_join()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_join_family() {
    run_family("external_join", external_join()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_family() {
    run_family("application", application()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_family() {
    run_family("commit", commit_scripts()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reinit_family() {
    run_family("reinit", reinit()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branch_family() {
    run_family("branch", branch()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_proposals_family() {
    run_family("external_proposals", external_proposals()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_random_family() {
    let script = deep_random(0x5EED_0019, 4, 30);
    // The seed gives every kind of random step.
    let count = |f: &dyn Fn(&Step) -> bool| script.iter().filter(|s| f(s)).count();
    let joins = count(&|s| matches!(s, Step::ExternalJoin(j) if !j.remove_prior));
    let resyncs = count(&|s| matches!(s, Step::ExternalJoin(j) if j.remove_prior));
    let updates = count(&|s| matches!(s, Step::UpdateProposal(_)));
    let removes = count(
        &|s| matches!(s, Step::FullCommit(c) if c.by_value.iter().any(|d| matches!(d, Desc::Remove(_)))),
    );
    let adds = count(&|s| matches!(s, Step::FullCommit(c) if !c.joiners.is_empty()));
    assert!(
        joins > 0 && resyncs > 0 && updates > 0 && removes > 0 && adds > 1,
        "joins {joins} resyncs {resyncs} updates {updates} removes {removes} adds {adds}"
    );
    run_family("deep_random", vec![("random", script)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_suites_and_unknown_states() {
    let clients = start_clients().await;
    for mut c in clients.clients {
        let name = c.name(NameRequest {}).await.expect("Name").into_inner();
        assert_eq!(name.name, interop_client::IMPLEMENTATION_NAME);
        let suites = c
            .supported_ciphersuites(SupportedCiphersuitesRequest {})
            .await
            .expect("SupportedCiphersuites")
            .into_inner()
            .ciphersuites;
        assert_eq!(suites, vec![1, 2, 3, 4, 5, 6, 7]);
        let err = c
            .state_auth(StateAuthRequest { state_id: 12345 })
            .await
            .expect_err("no such state");
        assert_eq!(err.code(), tonic::Code::NotFound);
        c.free(FreeRequest { state_id: 12345 }).await.expect("Free");
    }
}

/// A committer handed its own commit merges its pending commit (the
/// runner's older `stateProperties` step did that).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committer_handles_its_own_commit() {
    let clients = start_clients().await;
    for (mut c, encrypt) in clients.clients.into_iter().zip([false, true]) {
        let state_id = c
            .create_group(CreateGroupRequest {
                group_id: b"own".to_vec(),
                cipher_suite: 1,
                encrypt_handshake: encrypt,
                identity: b"alice".to_vec(),
            })
            .await
            .expect("CreateGroup")
            .into_inner()
            .state_id;
        let commit = c
            .commit(CommitRequest {
                state_id,
                force_path: true,
                ..CommitRequest::default()
            })
            .await
            .expect("Commit")
            .into_inner()
            .commit;
        let handled = c
            .handle_commit(HandleCommitRequest {
                state_id,
                proposal: Vec::new(),
                commit,
            })
            .await
            .expect("HandleCommit of our own commit")
            .into_inner();
        let auth = c
            .state_auth(StateAuthRequest { state_id })
            .await
            .expect("StateAuth")
            .into_inner();
        assert_eq!(handled.epoch_authenticator, auth.state_auth_secret);
        c.handle_pending_commit(HandlePendingCommitRequest { state_id })
            .await
            .expect_err("the pending commit was merged");
    }
}

#[test]
fn cli_help_and_busy_port() {
    let bin = env!("CARGO_BIN_EXE_interop-client");
    let help = std::process::Command::new(bin)
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--port"));

    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("address").port().to_string();
    let out = std::process::Command::new(bin)
        .args(["--port", &port])
        .output()
        .expect("run on a busy port");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot listen on") && !stderr.contains("panicked"),
        "{stderr}"
    );

    let bad = std::process::Command::new(bin)
        .args(["--port", "http"])
        .output()
        .expect("run with a bad port");
    assert_eq!(bad.status.code(), Some(2));
}
