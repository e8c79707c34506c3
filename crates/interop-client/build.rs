//! Generates the gRPC server and client code from `proto/mls_client.proto`
//! with the protoc binary vendored by `protoc-bin-vendored` (no system
//! protoc is needed).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // prost-build runs the protoc named by PROTOC.
    std::env::set_var("PROTOC", protoc);
    println!("cargo:rerun-if-changed=proto/mls_client.proto");
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_protos(&["proto/mls_client.proto"], &["proto"])?;
    Ok(())
}
