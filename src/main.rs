fn main() -> std::process::ExitCode {
    // Die quietly on a closed pipe (`caibian items | head`) like other Unix tools, instead of
    // panicking in println!.
    #[cfg(unix)]
    // SAFETY: called first thing, before any thread exists; restores the default action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    caibian::cli::main()
}
