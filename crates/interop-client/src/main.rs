//! `interop-client`: the MLS interop harness client (gRPC `MLSClient`
//! service) over `mls-group`. See the crate documentation and README.md.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

const USAGE: &str = "\
interop-client: the MLS working group's interop harness client (gRPC MLSClient service) over mls-group

USAGE:
    interop-client [--port N] [--host ADDR]

OPTIONS:
    --port N       TCP port to listen on (default 50051; 0 picks a free port)
    --host ADDR    address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all interfaces)
    -h, --help     print this help

Prints `listening on ADDR:PORT` once it accepts connections. Point the
harness' test-runner at it with `-client localhost:PORT`.";

/// Prints to stdout; a closed stdout (say, piped into `head`) is no
/// reason to stop serving.
macro_rules! out {
    ($($t:tt)*) => {{
        let mut o = std::io::stdout();
        let _ = writeln!(o, $($t)*);
        let _ = o.flush();
    }};
}

/// Prints to stderr, ignoring a closed stderr.
macro_rules! err {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

struct Options {
    host: IpAddr,
    port: u16,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 50051,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        // Both `--port 50051` and `--port=50051` (and Go-style `-port`).
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" | "-help" => return Ok(None),
            "--port" | "-port" | "-p" => {
                let v = value("a port number")?;
                options.port = v
                    .parse()
                    .map_err(|_| format!("invalid port {v:?} (0-65535)"))?;
            }
            "--host" | "-host" => {
                let v = value("an IP address")?;
                options.host = v
                    .parse()
                    .map_err(|_| format!("invalid host address {v:?}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            out!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            err!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            err!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let addr = SocketAddr::new(options.host, options.port);
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                err!("error: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        match listener.local_addr() {
            Ok(local) => out!("listening on {local}"),
            Err(_) => out!("listening on {addr}"),
        }
        match interop_client::serve(listener).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                err!("error: server stopped: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
