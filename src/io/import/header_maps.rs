//! The column headers other programs write, per customer field: Outlook (2000–2013 and
//! Microsoft 365) in English, German, French, Spanish, Italian, Portuguese, Dutch and
//! Japanese; Google Contacts; Thunderbird (English and German); Apple and iOS export apps;
//! Evolution; and the plain words people type in their own lists.
//!
//! This is data, not logic: headers are compared through [`header_key`], so "E-Mail-Adresse",
//! "e-mail adresse" and "E_MAIL_ADRESSE" are one header, and spelling a header here once is
//! enough. Order matters where a field has several columns: the first column (in the order
//! listed) with a value fills the field and the others go to the customer's notes. That is
//! why mobile numbers come before office numbers: a salesperson calls the person, not the
//! switchboard.

use unicode_normalization::UnicodeNormalization;

/// The comparison key of a header: compatibility-normalised (so full-width Japanese letters
/// and decomposed accents compare equal), lowercased, and without spaces, hyphens, dots,
/// colons, underscores, parentheses or a byte-order mark. Accents are kept: "Société" is not
/// "Societe", but "Société " (French Outlook's own trailing space) is "Société".
pub fn header_key(header: &str) -> String {
    header
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '\u{feff}' | '-' | '.' | ':' | '_' | '(' | ')' | '\u{2010}' | '\u{2011}'
                )
        })
        .collect()
}

/// A customer field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CustomerField {
    Name,
    FirstName,
    MiddleName,
    LastName,
    /// What friends call them; names the customer when the file has no other name.
    Nickname,
    Company,
    Phone,
    Email,
    Notes,
    Tags,
    CadenceDays,
    Archived,
    CreatedAt,
}

impl CustomerField {
    /// Every field, in form order.
    pub const ALL: &'static [Self] = &[
        Self::Name,
        Self::FirstName,
        Self::MiddleName,
        Self::LastName,
        Self::Nickname,
        Self::Company,
        Self::Phone,
        Self::Email,
        Self::Notes,
        Self::Tags,
        Self::CadenceDays,
        Self::Archived,
        Self::CreatedAt,
    ];

    /// A label for the mapping step.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Full name",
            Self::FirstName => "First name",
            Self::MiddleName => "Middle name",
            Self::LastName => "Last name",
            Self::Nickname => "Nickname",
            Self::Company => "Company",
            Self::Phone => "Phone",
            Self::Email => "Email",
            Self::Notes => "Notes",
            Self::Tags => "Tags",
            Self::CadenceDays => "Contact cadence (days)",
            Self::Archived => "Archived",
            Self::CreatedAt => "Customer since",
        }
    }
}

/// The headers known for `field`, best first. Google's numbered "Phone 3 - Value" style
/// columns are recognised by [`numbered_google_field`] instead.
pub(super) fn known_headers(field: CustomerField) -> &'static [&'static str] {
    match field {
        CustomerField::Name => NAME,
        CustomerField::FirstName => FIRST_NAME,
        CustomerField::MiddleName => MIDDLE_NAME,
        CustomerField::LastName => LAST_NAME,
        CustomerField::Nickname => NICKNAME,
        CustomerField::Company => COMPANY,
        CustomerField::Phone => PHONE,
        CustomerField::Email => EMAIL,
        CustomerField::Notes => NOTES,
        CustomerField::Tags => TAGS,
        CustomerField::CadenceDays => &["cadence_days", "cadence"],
        CustomerField::Archived => &["archived"],
        CustomerField::CreatedAt => &["created_at"],
    }
}

/// Google Contacts numbers repeated fields: "E-mail 1 - Value", "Phone 2 - Value",
/// "Organization 1 - Name" (and "E-mail 1 - Label" beside them says "Work" or "Mobile").
/// Returns the field and the number for such a header key.
pub(super) fn numbered_google_field(key: &str) -> Option<(CustomerField, u32)> {
    for (prefix, suffix, field) in [
        ("email", "value", CustomerField::Email),
        ("phone", "value", CustomerField::Phone),
        ("organization", "name", CustomerField::Company),
    ] {
        let Some(number) = key
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
        else {
            continue;
        };
        if let Ok(n) = number.parse::<u32>() {
            return Some((field, n));
        }
    }
    None
}

/// Headers that mark the program that wrote a file, for the label in the import summary.
/// Each list is checked against header keys; one hit is enough.
pub(super) const OUTLOOK_MARKERS: &[&str] = &[
    "E-mail Address",
    "Business Phone",
    "Mobile Phone",
    "E-Mail-Adresse",
    "Telefon geschäftlich",
    "Adresse de messagerie",
    "Téléphone (bureau)",
    "Dirección de correo electrónico",
    "Teléfono del trabajo",
    "Indirizzo posta elettronica",
    "Telefono ufficio",
    "Endereço de email",
    "Telefone comercial",
    "E-mailadres",
    "Telefoon op werk",
    "電子メール アドレス",
    "会社電話",
];

/// Thunderbird's CSV export (English and German): both headers of a pair are needed, as
/// other programs write "Primary Email" too.
pub(super) const THUNDERBIRD_MARKERS: &[(&str, &str)] = &[
    ("Primary Email", "Display Name"),
    ("Primäre E-Mail-Adresse", "Anzeigename"),
];

/// Columns Outlook fills for every contact with a default or a copy of another column (the
/// e-mail type "SMTP", the display name "Name (address)", priority "Normal"). They are not
/// imported and are mentioned in one line rather than one by one.
pub(super) const TECHNICAL_HEADERS: &[&str] = &[
    "E-mail Type",
    "E-mail Display Name",
    "E-mail 2 Type",
    "E-mail 2 Display Name",
    "E-mail 3 Type",
    "E-mail 3 Display Name",
    "Gender",
    "Priority",
    "Private",
    "Sensitivity",
    "E-Mail-Typ",
    "E-Mail: Angezeigter Name",
    "E-Mail 2: Typ",
    "E-Mail 2: Angezeigter Name",
    "E-Mail 3: Typ",
    "E-Mail 3: Angezeigter Name",
    "Geschlecht",
    "Priorität",
    "Privat",
    "Vertraulichkeit",
    "Type de messagerie",
    "Nom complet de l'adresse de messagerie",
    "Type de messagerie 2",
    "Nom complet de l'adresse de messagerie 2",
    "Type de messagerie 3",
    "Nom complet de l'adresse de messagerie 3",
    "Sexe",
    "Priorité",
    "Privé",
    "Critère de diffusion",
    "Tipo de correo electrónico",
    "Nombre para mostrar del correo electrónico",
    "Tipo de correo electrónico 2",
    "Nombre para mostrar del correo electrónico 2",
    "Tipo de correo electrónico 3",
    "Nombre para mostrar del correo electrónico 3",
    "Sexo",
    "Prioridad",
    "Privado",
    "Confidencialidad",
    "電子メールの種類",
    "電子メール表示名",
    "電子メール 2 の種類",
    "電子メール 2 表示名",
    "電子メール 3 の種類",
    "電子メール 3 表示名",
    "性別",
    "優先度",
    "非公開",
    "秘密度",
];

/// Whether a cell holds nothing but Outlook's placeholder for "no date" ("0/0/00",
/// "0.0.00"), which it writes into every empty birthday and anniversary.
pub(super) fn is_placeholder(cell: &str) -> bool {
    let cell = cell.trim();
    cell.contains('0')
        && cell.contains(['.', '/', '-'])
        && cell.chars().all(|c| matches!(c, '0' | '.' | '/' | '-'))
}

const NAME: &[&str] = &[
    // English: lists people type, Outlook.com, Thunderbird, Google (old format), Evolution.
    "Name",
    "Full Name",
    "Display Name",
    "Contact Name",
    "Customer",
    "Contact",
    // German
    "Vollständiger Name",
    "Anzeigename",
    // French
    "Nom complet",
    "Nom à afficher",
    // Spanish
    "Nombre completo",
    "Nombre para mostrar",
    // Italian
    "Nome completo",
    "Nome visualizzato",
    // Portuguese
    "Nome de exibição",
    // Dutch
    "Volledige naam",
    "Weergavenaam",
    // Japanese
    "表示名",
    "氏名",
];

const FIRST_NAME: &[&str] = &[
    "First Name",
    "Given Name",
    "FirstName",
    "Forename",
    "Vorname",
    "Prénom",
    "Nombre",
    "Nome",
    "Primeiro nome",
    "Voornaam",
    "名",
];

const MIDDLE_NAME: &[&str] = &[
    "Middle Name",
    "Additional Name",
    "Weitere Vornamen",
    "Zweiter Vorname",
    "Deuxième prénom",
    "Segundo nombre",
    "Secondo nome",
    "Segundo nome",
    "Middelste naam",
    "Tweede voornaam",
    "ミドル ネーム",
];

const LAST_NAME: &[&str] = &[
    "Last Name",
    "Family Name",
    "Surname",
    "LastName",
    "Nachname",
    "Nom",
    "Nom de famille",
    "Apellidos",
    "Apellido",
    "Cognome",
    "Sobrenome",
    // Portuguese (Portugal) Outlook's surname; in Brazil the word means nickname, but such a
    // file also has "Sobrenome", which comes first, so the nickname lands in the notes.
    "Apelido",
    "Achternaam",
    "姓",
];

const NICKNAME: &[&str] = &[
    "Nickname",
    "Nick Name",
    "Spitzname",
    "Surnom",
    "Alias",
    "Apodo",
    "Sobrenombre",
    "Soprannome",
    "Bijnaam",
    "ニックネーム",
];

const COMPANY: &[&str] = &[
    "Company",
    "Organization",
    "Organisation",
    "Organization Name",
    "Company Name",
    "Firma",
    "Firmenname",
    "Unternehmen",
    "Société",
    "Entreprise",
    "Compañía",
    "Organización",
    "Empresa",
    "Società",
    "Azienda",
    "Organizzazione",
    "Organização",
    "Bedrijf",
    "Organisatie",
    "会社名",
    "会社",
    "組織",
];

const PHONE: &[&str] = &[
    // A general number, as people's own lists and some apps write it.
    "Phone",
    "Telephone",
    "Phone Number",
    "Primary Phone",
    "Tel",
    "Telefon",
    "Telefonnummer",
    "Haupttelefon",
    "Téléphone",
    "Téléphone principal",
    "Teléfono",
    "Teléfono principal",
    "Telefono",
    "Telefono principale",
    "Telefone",
    "Telefone principal",
    "Telefoon",
    "Telefoonnummer",
    "電話",
    "電話番号",
    // Mobile.
    "Mobile Phone",
    "Mobile",
    "Mobile Number",
    "Cell",
    "Cell Phone",
    "iPhone",
    "Mobiltelefon",
    "Handy",
    "Mobil",
    "Tél. mobile",
    "Téléphone mobile",
    "Portable",
    "Móvil",
    "Teléfono móvil",
    "Cellulare",
    "Telefono cellulare",
    "Celular",
    "Telemóvel",
    "Telefone celular",
    "Mobiele telefoon",
    "Mobiel",
    "携帯電話",
    // Work.
    "Business Phone",
    "Work Phone",
    "Office Phone",
    "Business Phone 2",
    "Company Main Phone",
    "Telefon geschäftlich",
    "Telefon geschäftlich 2",
    "Telefon Firma",
    "Tel. dienstlich",
    "Téléphone (bureau)",
    "Téléphone 2 (bureau)",
    "Téléphone société",
    "Teléfono del trabajo",
    "Teléfono del trabajo 2",
    "Número de centralita de la organización",
    "Telefono ufficio",
    "Telefono ufficio 2",
    "Telefono principale società",
    "Telefone comercial",
    "Telefone comercial 2",
    "Telefoon op werk",
    "Telefoon op werk 2",
    "Hoofdtelefoon bedrijf",
    "会社電話",
    "会社電話 2",
    "会社代表電話",
    // Home and other.
    "Home Phone",
    "Home Phone 2",
    "Other Phone",
    "Car Phone",
    "Phone 2",
    "Phone 3",
    "Telefon privat",
    "Telefon privat 2",
    "Telefon (privat 2)",
    "Tel. privat",
    "Weiteres Telefon",
    "Autotelefon",
    "Mobiltelefon 2",
    "Téléphone (domicile)",
    "Téléphone 2 (domicile)",
    "Téléphone (autre)",
    "Téléphone (voiture)",
    "Particular",
    "Teléfono particular",
    "Teléfono particular 2",
    "Otro teléfono",
    "Teléfono del automóvil",
    "Abitazione",
    "Telefono abitazione",
    "Telefono abitazione 2",
    "Altro telefono",
    "Telefone residencial",
    "Telefone residencial 2",
    "Outro telefone",
    "Telefoon thuis",
    "Telefoon thuis 2",
    "Overige telefoon",
    "Autotelefoon",
    "自宅電話",
    "自宅電話 2",
    "その他の電話",
    "自動車電話",
];

const EMAIL: &[&str] = &[
    "E-mail Address",
    "Email",
    "E-mail",
    "Email Address",
    "Primary Email",
    "Work Email",
    "Home Email",
    "E-mail 2 Address",
    "E-mail 3 Address",
    "Email 2",
    "Email 3",
    "Secondary Email",
    "Other Email",
    "E-Mail-Adresse",
    "E-Mail 2: Adresse",
    "E-Mail 3: Adresse",
    "Primäre E-Mail-Adresse",
    "Sekundäre E-Mail-Adresse",
    "Adresse de messagerie",
    "Adresse de messagerie 2",
    "Adresse de messagerie 3",
    "Adresse électronique",
    "Adresse e-mail",
    "Courriel",
    "Dirección de correo electrónico",
    "Dirección de correo electrónico 2",
    "Dirección de correo electrónico 3",
    "Correo electrónico",
    "Indirizzo posta elettronica",
    "Indirizzo posta elettronica 2",
    "Indirizzo posta elettronica 3",
    "Indirizzo e-mail",
    "Endereço de email",
    "Endereço de email 2",
    "Endereço de email 3",
    "Endereço de e-mail",
    "E-mailadres",
    "E-mailadres 2",
    "E-mailadres 3",
    "電子メール アドレス",
    "電子メール 2 アドレス",
    "電子メール 3 アドレス",
    "電子メール",
    "メールアドレス",
];

const NOTES: &[&str] = &[
    "Notes",
    "Note",
    "Notizen",
    "Notiz",
    "Anmerkungen",
    "Remarques",
    "Notas",
    "Anotações",
    "Notities",
    "Opmerkingen",
    "メモ",
    "備考",
];

const TAGS: &[&str] = &[
    "Tags",
    "Labels",
    "Group Membership",
    "Categories",
    "Kategorien",
    "Catégories",
    "Categorías",
    "Categorie",
    "Categorias",
    "Categorieën",
    "分類",
    "分類項目",
];
