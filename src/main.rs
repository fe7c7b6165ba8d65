//! `candor`: parses the command line and launches the app or a headless command.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match candor::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = error.print();
                return ExitCode::SUCCESS;
            }
            // One line: clap's first line, without its usage block.
            let rendered = error.to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("candor: {first} (see candor --help)");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Some(command) => candor::cli::run_command(cli.db, command),
        None => candor::app::run(cli.db),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
            eprintln!("candor: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
