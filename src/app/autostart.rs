//! "Start Candor when I log in", off until chosen. Each platform's own file-based way, so
//! nothing needs a registry library or a shell:
//! - Linux and BSD: an XDG autostart entry, `~/.config/autostart/candor.desktop`;
//! - macOS: a launch agent, `~/Library/LaunchAgents/app.candor.plist`;
//! - Windows: a shortcut script in the Startup folder,
//!   `%APPDATA%\Microsoft\Windows\Start Menu\Programs\Startup\Candor.cmd`.
//!
//! The file contents are plain functions, tested on every platform.

use std::path::{Path, PathBuf};

/// The XDG autostart entry that starts `exe`.
pub fn desktop_entry(exe: &Path) -> String {
    // Exec needs its argument quoted, with `"`, `` ` ``, `$` and `\` escaped (Desktop Entry
    // Specification, "The Exec key").
    let mut quoted = String::from("\"");
    for c in exe.display().to_string().chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    format!(
        "[Desktop Entry]\nType=Application\nName=Candor\nComment=Customer journal: who to call first today\nExec={quoted}\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    )
}

/// The macOS launch agent that starts `exe` at login.
pub fn launch_agent(exe: &Path) -> String {
    let escaped = exe
        .display()
        .to_string()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
<plist version=\"1.0\">\n<dict>\n\
  <key>Label</key>\n  <string>app.candor</string>\n\
  <key>ProgramArguments</key>\n  <array>\n    <string>{escaped}</string>\n  </array>\n\
  <key>RunAtLoad</key>\n  <true/>\n\
</dict>\n</plist>\n"
    )
}

/// The Windows Startup-folder script that starts `exe` without leaving a console open.
pub fn startup_script(exe: &Path) -> String {
    format!("@echo off\r\nstart \"\" \"{}\"\r\n", exe.display())
}

/// Where this platform's login item lives, and its contents for `exe`.
fn login_item(exe: &Path) -> Option<(PathBuf, String)> {
    let dirs = directories::BaseDirs::new()?;
    #[cfg(target_os = "macos")]
    {
        Some((
            dirs.home_dir()
                .join("Library")
                .join("LaunchAgents")
                .join("app.candor.plist"),
            launch_agent(exe),
        ))
    }
    #[cfg(target_os = "windows")]
    {
        Some((
            dirs.config_dir()
                .join("Microsoft")
                .join("Windows")
                .join("Start Menu")
                .join("Programs")
                .join("Startup")
                .join("Candor.cmd"),
            startup_script(exe),
        ))
    }
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    {
        Some((
            dirs.config_dir().join("autostart").join("candor.desktop"),
            desktop_entry(exe),
        ))
    }
}

/// Turns starting at login on (writing the login item for the running program) or off
/// (removing it). Returns one sentence on failure.
pub fn set_start_at_login(enabled: bool) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| {
        format!("Candor could not find its own program file ({e}), so it cannot start at login.")
    })?;
    let Some((path, contents)) = login_item(&exe) else {
        return Err(
            "No home folder was found, so Candor cannot set itself to start at login.".to_owned(),
        );
    };
    let result = if enabled {
        path.parent()
            .map(std::fs::create_dir_all)
            .transpose()
            .and_then(|_| std::fs::write(&path, contents))
    } else {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    };
    result.map_err(|e| {
        format!(
            "The login item {} could not be {} ({e}).",
            path.display(),
            if enabled { "written" } else { "removed" }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_items_quote_the_program_path() {
        let exe = Path::new("/opt/My \"Apps\"/candor$1");
        let entry = desktop_entry(exe);
        assert!(
            entry.contains("Exec=\"/opt/My \\\"Apps\\\"/candor\\$1\"\n"),
            "{entry}"
        );
        assert!(entry.starts_with("[Desktop Entry]\nType=Application\n"));
        let plist = launch_agent(Path::new("/Applications/R&D <1>/Candor"));
        assert!(plist.contains("<string>/Applications/R&amp;D &lt;1&gt;/Candor</string>"));
        assert!(plist.contains("<key>RunAtLoad</key>\n  <true/>"));
        assert_eq!(
            startup_script(Path::new(r"C:\Program Files\Candor\candor.exe")),
            "@echo off\r\nstart \"\" \"C:\\Program Files\\Candor\\candor.exe\"\r\n"
        );
    }
}
