fn main() -> std::process::ExitCode {
    caibian::cli::main()
}
