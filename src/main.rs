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
            // One line: clap's message and the arguments it names (the indented lines
            // under it), without its usage block.
            let rendered = error.to_string();
            let mut lines = rendered.lines();
            let first = lines.next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let named: Vec<&str> = lines
                .take_while(|line| !line.trim().is_empty())
                .filter(|line| line.starts_with(' '))
                .map(str::trim)
                .collect();
            let message = if named.is_empty() {
                first.to_owned()
            } else {
                format!("{} {}", first, named.join(", "))
            };
            eprintln!("candor: {message} (see candor --help)");
            return ExitCode::from(2);
        }
    };
    let result = candor::cli::check_arguments(&cli).and_then(|()| match cli.command {
        Some(command) => candor::cli::run_command(cli.db, command),
        None => candor::app::run(cli.db),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(left_out) = error.downcast_ref::<candor::cli::RowsLeftOut>() {
                eprintln!("candor: {left_out}");
                return ExitCode::from(candor::cli::RowsLeftOut::EXIT_CODE);
            }
            eprintln!("candor: {}", candor::cli::one_line(&error));
            ExitCode::FAILURE
        }
    }
}
