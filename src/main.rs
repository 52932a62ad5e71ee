//! The `sshdoctor` binary: parses the command line and hands over to the library.

/// Every heap block is zeroed when freed, so a typed secret copied into buffers sshdoctor does
/// not own (russh serializes the password into its packet buffers) is gone once those buffers
/// are: each refused password's connection is dropped (see `engine::auth::console`).
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

fn main() -> std::process::ExitCode {
    sshdoctor::cli::main()
}
