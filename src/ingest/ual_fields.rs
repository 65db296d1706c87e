//! The fields the UAL mapper reads, by name, and a Unified Audit Log
//! `AuditData` record read straight into them: no JSON tree per record.
//!
//! `AuditRecord::parse` keeps only the fields Loupe indexes, borrowed from
//! the record's text where no escape forces a copy. Every other value is
//! still checked as `serde_json::Value` would check it (nesting depth,
//! numbers in range, escapes), but not kept: a record the tree parse would
//! refuse is refused here too. Anything this reader cannot answer exactly
//! as the tree lookups would (a key that differs from Loupe's name only in
//! case, a repeated key, JSON held as text) is an error, and the caller
//! reads that record the old way; so the events are the same either way.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

macro_rules! slots {
    ($($variant:ident = $name:literal / $lower:literal;)*) => {
        /// A field the mapper may ask a record for, by the name it asks with.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) enum Slot {
            $($variant,)*
            /// `AppAccessContext.AADSessionId`
            AadSessionId,
            /// `AppAccessContext.UniqueTokenId`
            UniqueTokenId,
        }

        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$variant,)* Slot::AadSessionId, Slot::UniqueTokenId];

            /// The name (a dotted path for nested fields) as JSON keys and
            /// CSV headers are looked up.
            pub fn name(self) -> &'static str {
                match self {
                    $(Slot::$variant => $name,)*
                    Slot::AadSessionId => "AppAccessContext.AADSessionId",
                    Slot::UniqueTokenId => "AppAccessContext.UniqueTokenId",
                }
            }

            /// The top-level field a record key names exactly.
            fn from_key(key: &str) -> Option<Slot> {
                match key {
                    $($name => Some(Slot::$variant),)*
                    _ => None,
                }
            }

            /// The top-level field an ASCII-lower-cased key names.
            fn from_lower(key: &[u8]) -> Option<Slot> {
                $(if key == $lower.as_bytes() { return Some(Slot::$variant); })*
                None
            }
        }
    };
}

slots! {
    CreationTime = "CreationTime" / "creationtime";
    Operation = "Operation" / "operation";
    Operations = "Operations" / "operations";
    UserId = "UserId" / "userid";
    UserIds = "UserIds" / "userids";
    UserPrincipalName = "userPrincipalName" / "userprincipalname";
    ClientIp = "ClientIP" / "clientip";
    ClientIpAddress = "ClientIPAddress" / "clientipaddress";
    ActorIpAddress = "ActorIpAddress" / "actoripaddress";
    ClientIpAddressLa = "Client_IPAddress" / "client_ipaddress";
    ResultStatus = "ResultStatus" / "resultstatus";
    UserAgent = "UserAgent" / "useragent";
    ClientInfoString = "ClientInfoString" / "clientinfostring";
    AppId = "AppId" / "appid";
    ClientAppId = "ClientAppId" / "clientappid";
    ApplicationId = "ApplicationId" / "applicationid";
    ApplicationDisplayName = "ApplicationDisplayName" / "applicationdisplayname";
    Client = "Client" / "client";
    Id = "Id" / "id";
    OfficeId = "OfficeId" / "officeid";
    Identity = "Identity" / "identity";
    RecordId = "RecordId" / "recordid";
    Workload = "Workload" / "workload";
    OfficeWorkload = "OfficeWorkload" / "officeworkload";
    Service = "service" / "service";
    RecordType = "RecordType" / "recordtype";
    AuditLogRecordType = "auditLogRecordType" / "auditlogrecordtype";
    ObjectId = "ObjectId" / "objectid";
    OfficeObjectId = "OfficeObjectId" / "officeobjectid";
    UserType = "UserType" / "usertype";
    MailboxOwnerUpn = "MailboxOwnerUPN" / "mailboxownerupn";
    LogonType = "LogonType" / "logontype";
    LogonTypeLa = "Logon_Type" / "logon_type";
    SiteUrl = "SiteUrl" / "siteurl";
    SiteUrlLa = "Site_Url" / "site_url";
    SourceFileName = "SourceFileName" / "sourcefilename";
    FileSizeBytes = "FileSizeBytes" / "filesizebytes";
    SessionId = "SessionId" / "sessionid";
    TargetUserOrGroupName = "TargetUserOrGroupName" / "targetuserorgroupname";
    OperationCount = "OperationCount" / "operationcount";
    CreatedDateTime = "createdDateTime" / "createddatetime";
    TimeGenerated = "TimeGenerated" / "timegenerated";
    TimeGeneratedUtc = "TimeGenerated [UTC]" / "timegenerated [utc]";
    AuditData = "AuditData" / "auditdata";
    CreationDate = "CreationDate" / "creationdate";
    // Fields read as JSON rather than text.
    Parameters = "Parameters" / "parameters";
    OperationProperties = "OperationProperties" / "operationproperties";
    ExtendedProperties = "ExtendedProperties" / "extendedproperties";
    Folders = "Folders" / "folders";
    ModifiedProperties = "ModifiedProperties" / "modifiedproperties";
    AppAccessContext = "AppAccessContext" / "appaccesscontext";
}

/// Longest top-level slot name: longer keys cannot differ from one in case only.
const MAX_KEY: usize = 24;
const SLOTS: usize = Slot::ALL.len();
const _: () = assert!(SLOTS <= 64, "the seen-keys mask is a u64");

impl Slot {
    /// Index into per-slot tables.
    pub fn index(self) -> usize {
        self as usize
    }

    /// `(AppAccessContext, "AADSessionId")` for a nested field.
    pub fn parent(self) -> Option<(Slot, &'static str)> {
        match self {
            Slot::AadSessionId => Some((Slot::AppAccessContext, "AADSessionId")),
            Slot::UniqueTokenId => Some((Slot::AppAccessContext, "UniqueTokenId")),
            _ => None,
        }
    }

    /// Which of the name/value lists a slot is.
    fn list_index(self) -> Option<usize> {
        match self {
            Slot::Parameters => Some(0),
            Slot::OperationProperties => Some(1),
            Slot::ExtendedProperties => Some(2),
            _ => None,
        }
    }
}

/// `[{"Name": …, "Value": …}]` as (name, value) text pairs, both trimmed.
pub(super) type Pairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// An AuditData record's indexed fields.
pub(super) struct AuditRecord<'a> {
    /// Text of each text slot as the tree lookups would give it before
    /// trimming (`None`: absent or null). Numbers and booleans as JSON
    /// writes them; an object or array as compact JSON.
    text: [Option<Cow<'a, str>>; SLOTS],
    /// Parameters, OperationProperties, ExtendedProperties: `None` when
    /// absent or null, else the pairs (empty when the value is no array).
    lists: [Option<Pairs<'a>>; 3],
    /// `Folders`: items listed in `FolderItems` over all folders; `None`
    /// when absent or null, `Some(0)` when it is no array.
    folder_items: Option<usize>,
    /// `ModifiedProperties` as parsed, when present and not null.
    modified: Option<Value>,
}

impl<'a> AuditRecord<'a> {
    /// Read AuditData text. An error means "read this record the old way":
    /// it is not valid JSON, or it has something only the old way answers.
    pub fn parse(text: &'a str) -> Result<AuditRecord<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let record = de.deserialize_map(RecordVisitor)?;
        de.end()?;
        Ok(record)
    }

    /// A text field, trimmed; `""` when absent or null.
    pub fn text(&self, slot: Slot) -> &str {
        self.text[slot.index()].as_deref().map_or("", str::trim)
    }

    pub fn list(&self, slot: Slot) -> Option<&Pairs<'a>> {
        slot.list_index().and_then(|i| self.lists[i].as_ref())
    }

    pub fn folder_items(&self) -> Option<usize> {
        self.folder_items
    }

    pub fn modified_properties(&self) -> Option<&Value> {
        self.modified.as_ref()
    }
}

fn odd<E: de::Error>(what: &str) -> E {
    E::custom(format_args!("{what}: read with the JSON tree"))
}

/// Whether text would be read as nested JSON (`nested_json`).
fn json_like(s: &str) -> bool {
    let t = s.trim();
    t.starts_with('{') || t.starts_with('[')
}

fn trimmed(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    }
}

// ---------------------------------------------------------------------------
// Keys.

/// What a record key is to us.
enum TopKey {
    Slot(Slot),
    Other,
}

struct TopKeySeed;

impl<'de> DeserializeSeed<'de> for TopKeySeed {
    type Value = TopKey;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<TopKey, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TopKeySeed {
    type Value = TopKey;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<TopKey, E> {
        if let Some(slot) = Slot::from_key(key) {
            return Ok(TopKey::Slot(slot));
        }
        // A key Loupe asks for in another case: the tree lookups match it
        // case-insensitively, with their own precedence.
        if key.len() <= MAX_KEY {
            let mut lower = [0u8; MAX_KEY];
            let lower = &mut lower[..key.len()];
            lower.copy_from_slice(key.as_bytes());
            lower.make_ascii_lowercase();
            if Slot::from_lower(lower).is_some() {
                return Err(odd("a key in another case"));
            }
        }
        Ok(TopKey::Other)
    }
}

/// A key of a nested object, against the names Loupe reads there.
struct NestedKeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for NestedKeySeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NestedKeySeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        for (i, name) in self.0.iter().enumerate() {
            if key == *name {
                return Ok(Some(i));
            }
            if key.eq_ignore_ascii_case(name) {
                return Err(odd("a nested key in another case"));
            }
        }
        Ok(None)
    }
}

// ---------------------------------------------------------------------------
// Values.

/// Any JSON value, checked as `Value` would check it and dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        Skip::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

/// A value as `value_text` shows it (before trimming); `None` for null.
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(match Value::from(v) {
            Value::Null => None,
            number => Some(Cow::Owned(number.to_string())),
        })
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Some(Cow::Owned(value.to_string())))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Some(Cow::Owned(value.to_string())))
    }
}

/// Implements the scalar `visit_*` methods of a visitor whose JSON field
/// is present but holds no array or object: `$present` for those, `None`
/// for null, and an error for text that holds JSON.
macro_rules! scalars_are {
    ($present:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Some($present))
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Some($present))
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Some($present))
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Some($present))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if json_like(v) {
                Err(odd("JSON held as text"))
            } else {
                Ok(Some($present))
            }
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    };
}

/// `[{"Name": …, "Value": …}, …]`: `name_value_pairs` without the tree.
struct PairsSeed;

impl<'de> DeserializeSeed<'de> for PairsSeed {
    type Value = Option<Pairs<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PairsSeed {
    type Value = Option<Pairs<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of name/value pairs")
    }
    scalars_are!(Vec::new());
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut pairs = Vec::new();
        while let Some(item) = seq.next_element_seed(PairSeed)? {
            if let Some(pair) = item {
                pairs.push(pair);
            }
        }
        Ok(Some(pairs))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_map(map)?;
        Ok(Some(Vec::new()))
    }
}

/// One list item: a pair when it is an object with a non-empty `Name`.
struct PairSeed;

impl<'de> DeserializeSeed<'de> for PairSeed {
    type Value = Option<(Cow<'de, str>, Cow<'de, str>)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PairSeed {
    type Value = Option<(Cow<'de, str>, Cow<'de, str>)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a name/value object")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq)?;
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut name, mut value) = (None, None);
        let mut seen = [false; 2];
        while let Some(key) = map.next_key_seed(NestedKeySeed(&["Name", "Value"]))? {
            match key {
                Some(i) if seen[i] => return Err(odd("a repeated key")),
                Some(i) => {
                    seen[i] = true;
                    let text = map.next_value_seed(TextSeed)?;
                    if i == 0 {
                        name = text;
                    } else {
                        value = text;
                    }
                }
                None => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        let name = trimmed(name.unwrap_or_default());
        if name.is_empty() {
            return Ok(None);
        }
        Ok(Some((name, trimmed(value.unwrap_or_default()))))
    }
}

/// `Folders`: how many `FolderItems` all folders list.
struct FoldersSeed;

impl<'de> DeserializeSeed<'de> for FoldersSeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FoldersSeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of folders")
    }
    scalars_are!(0);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut total = 0;
        while let Some(items) = seq.next_element_seed(FolderSeed)? {
            total += items;
        }
        Ok(Some(total))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_map(map)?;
        Ok(Some(0))
    }
}

/// One folder: the length of its `FolderItems` array (0 for anything else).
struct FolderSeed;

impl<'de> DeserializeSeed<'de> for FolderSeed {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FolderSeed {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a folder")
    }
    fn visit_bool<E>(self, _: bool) -> Result<usize, E> {
        Ok(0)
    }
    fn visit_i64<E>(self, _: i64) -> Result<usize, E> {
        Ok(0)
    }
    fn visit_u64<E>(self, _: u64) -> Result<usize, E> {
        Ok(0)
    }
    fn visit_f64<E>(self, _: f64) -> Result<usize, E> {
        Ok(0)
    }
    fn visit_str<E>(self, _: &str) -> Result<usize, E> {
        Ok(0)
    }
    fn visit_unit<E>(self) -> Result<usize, E> {
        Ok(0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<usize, A::Error> {
        SkipVisitor.visit_seq(seq)?;
        Ok(0)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let mut items = None;
        while let Some(key) = map.next_key_seed(NestedKeySeed(&["FolderItems"]))? {
            match key {
                Some(_) if items.is_some() => return Err(odd("a repeated key")),
                Some(_) => items = Some(map.next_value_seed(CountSeed)?),
                None => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(items.unwrap_or(0))
    }
}

/// The length of an array; 0 for anything else.
struct CountSeed;

impl<'de> DeserializeSeed<'de> for CountSeed {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        match d.deserialize_any(CountVisitor)? {
            Counted::Array(n) => Ok(n),
            Counted::Other => Ok(0),
        }
    }
}

enum Counted {
    Array(usize),
    Other,
}

struct CountVisitor;

impl<'de> Visitor<'de> for CountVisitor {
    type Value = Counted;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Counted, E> {
        Ok(Counted::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Counted, E> {
        Ok(Counted::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Counted, E> {
        Ok(Counted::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Counted, E> {
        Ok(Counted::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Counted, E> {
        Ok(Counted::Other)
    }
    fn visit_unit<E>(self) -> Result<Counted, E> {
        Ok(Counted::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Counted, A::Error> {
        let mut n = 0;
        while seq.next_element::<Skip>()?.is_some() {
            n += 1;
        }
        Ok(Counted::Array(n))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Counted, A::Error> {
        SkipVisitor.visit_map(map)?;
        Ok(Counted::Other)
    }
}

/// `AppAccessContext`: its `AADSessionId` and `UniqueTokenId`.
struct ContextSeed;

type ContextIds<'de> = [Option<Cow<'de, str>>; 2];

impl<'de> DeserializeSeed<'de> for ContextSeed {
    type Value = Option<ContextIds<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ContextSeed {
    type Value = Option<ContextIds<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    // Anything but an object (or JSON text, read the old way) has no ids.
    scalars_are!([None, None]);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq)?;
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut ids: ContextIds<'de> = [None, None];
        let mut seen = [false; 2];
        while let Some(key) = map.next_key_seed(NestedKeySeed(&["AADSessionId", "UniqueTokenId"]))? {
            match key {
                Some(i) if seen[i] => return Err(odd("a repeated key")),
                Some(i) => {
                    seen[i] = true;
                    ids[i] = map.next_value_seed(TextSeed)?;
                }
                None => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(Some(ids))
    }
}

/// The whole record.
struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = AuditRecord<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an AuditData object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AuditRecord<'de>, A::Error> {
        let mut record = AuditRecord { text: [const { None }; SLOTS], lists: [None, None, None], folder_items: None, modified: None };
        let mut seen = 0u64;
        while let Some(key) = map.next_key_seed(TopKeySeed)? {
            let slot = match key {
                TopKey::Slot(slot) => slot,
                TopKey::Other => {
                    map.next_value::<Skip>()?;
                    continue;
                }
            };
            let bit = 1u64 << slot.index();
            if seen & bit != 0 {
                return Err(odd("a repeated key"));
            }
            seen |= bit;
            match slot {
                Slot::Parameters | Slot::OperationProperties | Slot::ExtendedProperties => {
                    let i = slot.list_index().unwrap_or(0);
                    record.lists[i] = map.next_value_seed(PairsSeed)?;
                }
                Slot::Folders => record.folder_items = map.next_value_seed(FoldersSeed)?,
                Slot::ModifiedProperties => {
                    record.modified = match map.next_value::<Value>()? {
                        Value::Null => None,
                        other => Some(other),
                    }
                }
                Slot::AppAccessContext => {
                    if let Some([session, token]) = map.next_value_seed(ContextSeed)? {
                        record.text[Slot::AadSessionId.index()] = session;
                        record.text[Slot::UniqueTokenId.index()] = token;
                    }
                }
                _ => record.text[slot.index()] = map.next_value_seed(TextSeed)?,
            }
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_names_and_lower_case_forms_agree() {
        for slot in Slot::ALL {
            if slot.parent().is_some() {
                assert_eq!(Slot::from_key(slot.name()), None);
                continue;
            }
            assert!(slot.name().len() <= MAX_KEY, "{slot:?}");
            assert_eq!(Slot::from_key(slot.name()), Some(*slot));
            assert_eq!(Slot::from_lower(slot.name().to_ascii_lowercase().as_bytes()), Some(*slot));
            assert_eq!(Slot::ALL[slot.index()], *slot);
        }
    }

    #[test]
    fn reads_only_the_indexed_fields_borrowed() {
        let text = r#"{"CreationTime":"2026-03-01T16:05:06","Id":"a\/1","RecordType":15,"UserType":0.5,"Extra":{"deep":[1,{"x":null}]},
            "Parameters":[{"Name":" Identity ","Value":"v"},{"Name":"Flag","Value":true},"x",{"Value":"no name"}],
            "Folders":[{"FolderItems":[{},{}]},{"FolderItems":"x"},{"Path":"p"}],"ModifiedProperties":[],
            "AppAccessContext":{"AADSessionId":"s1","Other":1}}"#;
        let r = AuditRecord::parse(text).unwrap();
        assert!(matches!(r.text[Slot::CreationTime.index()], Some(Cow::Borrowed(_))));
        assert!(matches!(r.text[Slot::Id.index()], Some(Cow::Owned(_))));
        assert_eq!((r.text(Slot::Id), r.text(Slot::RecordType), r.text(Slot::UserType)), ("a/1", "15", "0.5"));
        assert_eq!(r.text(Slot::AadSessionId), "s1");
        let pairs: Vec<(&str, &str)> = r.list(Slot::Parameters).unwrap().iter().map(|(n, v)| (&**n, &**v)).collect();
        assert_eq!(pairs, [("Identity", "v"), ("Flag", "true")]);
        assert_eq!(r.folder_items(), Some(2));
        assert_eq!(r.modified_properties(), Some(&Value::Array(vec![])));
        assert!(r.list(Slot::ExtendedProperties).is_none());
    }

    #[test]
    fn leaves_to_the_tree_what_only_it_answers_and_refuses_what_it_refuses() {
        for text in [
            r#"{"clientip":"1.2.3.4"}"#,
            r#"{"Id":"a","Id":"b"}"#,
            r#"{"Parameters":[{"name":"x","Value":"y"}]}"#,
            r#"{"Parameters":"[{\"Name\":\"x\"}]"}"#,
            r#"{"AppAccessContext":"{\"AADSessionId\":\"s\"}"}"#,
            r#"{"Folders":[{"FolderItems":[],"FolderItems":[1]}]}"#,
            // Refused by the tree parse, so here too.
            r#"{"Extra":1e400}"#,
            r#"{"Extra":"\ud800"}"#,
            r#"[1]"#,
            r#"{"Id":"a"} x"#,
        ] {
            assert!(AuditRecord::parse(text).is_err(), "{text}");
        }
        let deep = format!(r#"{{"Extra":{}{}}}"#, "[".repeat(127), "]".repeat(127));
        assert!(AuditRecord::parse(&deep).is_err() && serde_json::from_str::<Value>(&deep).is_err());
        let fits = format!(r#"{{"Extra":{}{}}}"#, "[".repeat(126), "]".repeat(126));
        assert!(AuditRecord::parse(&fits).is_ok() && serde_json::from_str::<Value>(&fits).is_ok());
    }
}
