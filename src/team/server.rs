//! The team database's address, and connecting to it (with TLS where asked for).
//!
//! Addresses are libpq's: `postgresql://LOGIN@HOST:PORT/DATABASE?sslmode=verify-full` or
//! `host=… port=… user=… dbname=…`. `sslmode` and `sslrootcert` are read here, because the
//! client library knows only `disable`, `prefer` and `require`: `require` (and `prefer`)
//! encrypt without checking the certificate, as libpq does; `verify-ca` and `verify-full`
//! check the certificate against `sslrootcert` (or the public web roots) and the host name.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::TeamError;

/// How the connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain (Unix sockets, or a trusted network).
    Disable,
    /// Encrypted if the server offers it, without checking its certificate.
    Prefer,
    /// Always encrypted, without checking the certificate.
    Require,
    /// Always encrypted, certificate and host name checked.
    VerifyFull,
}

/// A parsed team-database address.
#[derive(Debug, Clone)]
pub struct TeamAddress {
    config: postgres::Config,
    tls: TlsMode,
    root_cert: Option<PathBuf>,
    saved_text: String,
}

fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

impl TeamAddress {
    /// Reads an address as a person typed it.
    pub fn parse(text: &str) -> Result<Self, TeamError> {
        let text = text.trim();
        let bad = |detail: String| TeamError::BadAddress {
            address: Self::strip_password(text),
            detail,
        };
        let mut tls = TlsMode::Prefer;
        let mut root_cert = None;
        let mut take = |key: &str, value: &str| -> Result<bool, TeamError> {
            match key {
                "sslmode" => {
                    tls = match value {
                        "disable" | "allow" => TlsMode::Disable,
                        "prefer" => TlsMode::Prefer,
                        "require" => TlsMode::Require,
                        "verify-ca" | "verify-full" => TlsMode::VerifyFull,
                        other => return Err(bad(format!("unknown sslmode {other}"))),
                    };
                    Ok(true)
                }
                "sslrootcert" => {
                    root_cert = Some(PathBuf::from(value));
                    Ok(true)
                }
                _ => Ok(false),
            }
        };
        let rest = if is_url(text) {
            match text.split_once('?') {
                Some((base, query)) => {
                    let mut kept = Vec::new();
                    for pair in query.split('&').filter(|p| !p.is_empty()) {
                        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                        if !take(key, value)? {
                            kept.push(pair);
                        }
                    }
                    if kept.is_empty() {
                        base.to_owned()
                    } else {
                        format!("{base}?{}", kept.join("&"))
                    }
                }
                None => text.to_owned(),
            }
        } else {
            let mut kept = Vec::new();
            for token in text.split_whitespace() {
                let (key, value) = token.split_once('=').unwrap_or((token, ""));
                if !take(key.trim(), value.trim())? {
                    kept.push(token);
                }
            }
            kept.join(" ")
        };
        let config: postgres::Config = rest
            .parse()
            .map_err(|e: postgres::Error| bad(e.to_string()))?;
        if config.get_user().is_none_or(str::is_empty) {
            return Err(bad("it names no login".to_owned()));
        }
        if config.get_hosts().is_empty() {
            return Err(bad("it names no host".to_owned()));
        }
        Ok(Self {
            config,
            tls,
            root_cert,
            saved_text: Self::strip_password(text),
        })
    }

    /// The address of `server` (as typed in File → Team…: a URL, `key=value` pairs, or a
    /// bare `HOST/DATABASE`) with `login` as the user.
    pub fn with_login(server: &str, login: &str) -> Result<Self, TeamError> {
        let server = server.trim();
        let login = login.trim();
        let text = if is_url(server) {
            let (scheme, rest) = server.split_once("://").unwrap_or(("postgresql", server));
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{login}@{rest}")
        } else if server.contains('=') {
            let kept: Vec<&str> = server
                .split_whitespace()
                .filter(|token| !token.starts_with("user="))
                .collect();
            format!("{} user={login}", kept.join(" "))
        } else {
            format!("postgresql://{login}@{server}")
        };
        Self::parse(&text)
    }

    /// The address as typed minus the login, for File → Team… to show again.
    pub fn server_text(&self) -> String {
        let text = &self.saved_text;
        if is_url(text) {
            match text.split_once("://") {
                Some((scheme, rest)) => {
                    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
                    let (authority, tail) = rest.split_at(authority_end);
                    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                    format!("{scheme}://{host}{tail}")
                }
                None => text.clone(),
            }
        } else {
            text.split_whitespace()
                .filter(|token| !token.starts_with("user="))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    /// The address with any password taken out: what settings may keep.
    pub fn strip_password(text: &str) -> String {
        if is_url(text) {
            let Some((scheme, rest)) = text.split_once("://") else {
                return text.to_owned();
            };
            let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((user_info, host)) => {
                    let user = user_info.split_once(':').map_or(user_info, |(u, _)| u);
                    format!("{scheme}://{user}@{host}{tail}")
                }
                None => text.to_owned(),
            }
        } else {
            text.split_whitespace()
                .filter(|token| !token.starts_with("password="))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    /// The address as saved (no password).
    pub fn saved_text(&self) -> &str {
        &self.saved_text
    }

    /// The login (PostgreSQL role) it connects as.
    pub fn login(&self) -> &str {
        self.config.get_user().unwrap_or_default()
    }

    /// True when the typed address carried a password itself.
    pub fn has_password(&self) -> bool {
        self.config.get_password().is_some()
    }

    /// The TLS mode asked for.
    pub fn tls(&self) -> TlsMode {
        self.tls
    }

    /// `HOST:PORT/DATABASE`: names the server in messages and in the keychain.
    pub fn server(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(host)) => host.clone(),
            #[cfg(unix)]
            Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
            None => String::new(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let database = self.config.get_dbname().unwrap_or(self.login());
        format!("{host}:{port}/{database}")
    }

    /// Connects, with `password` unless the address carries one.
    pub fn connect(&self, password: Option<&str>) -> Result<postgres::Client, TeamError> {
        let mut config = self.config.clone();
        if let (Some(password), false) = (password, self.has_password()) {
            config.password(password);
        }
        config.connect_timeout(Duration::from_secs(10));
        config.application_name("candor");
        let fail = |e: postgres::Error| TeamError::from_postgres(&self.server(), self.login(), &e);
        match self.tls {
            TlsMode::Disable => {
                config.ssl_mode(postgres::config::SslMode::Disable);
                config.connect(postgres::NoTls).map_err(fail)
            }
            mode => {
                config.ssl_mode(if mode == TlsMode::Prefer {
                    postgres::config::SslMode::Prefer
                } else {
                    postgres::config::SslMode::Require
                });
                let tls = tokio_postgres_rustls::MakeRustlsConnect::new(self.tls_config()?);
                config.connect(tls).map_err(fail)
            }
        }
    }

    fn tls_config(&self) -> Result<rustls::ClientConfig, TeamError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls_failed = |detail: String| TeamError::Unreachable {
            server: self.server(),
            detail,
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_failed(e.to_string()))?;
        if self.tls != TlsMode::VerifyFull {
            return Ok(builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth());
        }
        let mut roots = rustls::RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                let file = std::fs::File::open(path).map_err(|e| {
                    tls_failed(format!(
                        "the root certificate {} cannot be read: {e}",
                        path.display()
                    ))
                })?;
                let mut reader = std::io::BufReader::new(file);
                for cert in rustls_pemfile::certs(&mut reader) {
                    let cert = cert.map_err(|e| {
                        tls_failed(format!(
                            "the root certificate {} is not PEM: {e}",
                            path.display()
                        ))
                    })?;
                    roots
                        .add(cert)
                        .map_err(|e| tls_failed(format!("bad root certificate: {e}")))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        Ok(builder.with_root_certificates(roots).with_no_client_auth())
    }
}

/// libpq's `sslmode=require`: encrypted, certificate not checked (signatures still are).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_address_never_keeps_the_password() {
        assert_eq!(
            TeamAddress::strip_password(
                "postgresql://ann:s3cret@db.example.com:5432/sales?sslmode=require"
            ),
            "postgresql://ann@db.example.com:5432/sales?sslmode=require"
        );
        assert_eq!(
            TeamAddress::strip_password("host=/run/pg user=ann password=s3cret dbname=sales"),
            "host=/run/pg user=ann dbname=sales"
        );
    }

    #[test]
    fn the_team_dialog_puts_the_login_into_any_form_of_address() {
        let url = TeamAddress::with_login(
            "postgresql://old@db.example.com/sales?sslmode=require",
            "ann",
        )
        .unwrap();
        assert_eq!(
            url.saved_text(),
            "postgresql://ann@db.example.com/sales?sslmode=require"
        );
        assert_eq!(
            url.server_text(),
            "postgresql://db.example.com/sales?sslmode=require"
        );
        let bare = TeamAddress::with_login("db.example.com:6543/sales", "ann").unwrap();
        assert_eq!(bare.server(), "db.example.com:6543/sales");
        let pairs = TeamAddress::with_login("host=/run/pg dbname=sales user=x", "ann").unwrap();
        assert_eq!(pairs.login(), "ann");
        assert_eq!(pairs.server_text(), "host=/run/pg dbname=sales");
    }

    #[test]
    fn verify_full_without_its_root_certificate_says_so_before_connecting() {
        let address = TeamAddress::parse(
            "postgresql://ann@127.0.0.1:9/sales?sslmode=verify-full&sslrootcert=/nonexistent/root.crt",
        )
        .unwrap();
        let Err(error) = address.connect(Some("pw")) else {
            panic!("connected without the root certificate");
        };
        let error = error.to_string();
        assert!(
            error.contains("the root certificate /nonexistent/root.crt cannot be read"),
            "{error}"
        );
        // Both TLS configurations build (rustls with the ring provider).
        assert!(address.tls_config().is_err());
        let require =
            TeamAddress::parse("postgresql://ann@127.0.0.1:9/sales?sslmode=require").unwrap();
        assert!(require.tls_config().is_ok());
        let public =
            TeamAddress::parse("postgresql://ann@db.example.com/sales?sslmode=verify-full")
                .unwrap();
        assert!(public.tls_config().is_ok());
    }

    #[test]
    fn tls_modes_and_server_names_are_read() {
        let address =
            TeamAddress::parse("postgresql://ann@db.example.com:6543/sales?sslmode=verify-full")
                .unwrap();
        assert_eq!(address.tls(), TlsMode::VerifyFull);
        assert_eq!(address.login(), "ann");
        assert_eq!(address.server(), "db.example.com:6543/sales");
        let error = TeamAddress::parse("postgresql://db.example.com/sales").unwrap_err();
        assert!(error.to_string().contains("names no login"), "{error}");
        let error =
            TeamAddress::parse("postgresql://ann@db.example.com/sales?sslmode=maybe").unwrap_err();
        assert!(
            error.to_string().contains("unknown sslmode maybe"),
            "{error}"
        );
    }
}
