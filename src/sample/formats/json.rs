//! JSON objects that keep their keys in the order they were added, so the
//! generated records read like the services' own output (`CreationTime`
//! first, then `Id`, …) rather than sorted alphabetically.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Obj),
}

/// A JSON object with insertion-ordered keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Obj(Vec<(String, J)>);

impl Obj {
    pub fn new() -> Obj {
        Obj(Vec::new())
    }

    /// Add a field (builder style).
    pub fn with(mut self, key: &str, value: impl Into<J>) -> Obj {
        self.0.push((key.to_string(), value.into()));
        self
    }

    pub fn push(&mut self, key: &str, value: impl Into<J>) {
        self.0.push((key.to_string(), value.into()));
    }

    /// This object followed by `other`'s fields.
    pub fn merge(mut self, other: Obj) -> Obj {
        self.0.extend(other.0);
        self
    }

    pub fn get(&self, key: &str) -> Option<&J> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Compact JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// `{"Name": name, "Value": value}`, the UAL's name/value pair shape.
pub fn name_value(name: &str, value: impl Into<J>) -> J {
    J::Obj(Obj::new().with("Name", name).with("Value", value))
}

impl J {
    /// This value as compact JSON text.
    pub fn to_json_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl From<&str> for J {
    fn from(s: &str) -> J {
        J::Str(s.to_string())
    }
}
impl From<String> for J {
    fn from(s: String) -> J {
        J::Str(s)
    }
}
impl From<&String> for J {
    fn from(s: &String) -> J {
        J::Str(s.clone())
    }
}
impl From<bool> for J {
    fn from(b: bool) -> J {
        J::Bool(b)
    }
}
impl From<i64> for J {
    fn from(n: i64) -> J {
        J::Int(n)
    }
}
impl From<u32> for J {
    fn from(n: u32) -> J {
        J::Int(i64::from(n))
    }
}
impl From<f64> for J {
    fn from(n: f64) -> J {
        J::Float(n)
    }
}
impl From<Obj> for J {
    fn from(o: Obj) -> J {
        J::Obj(o)
    }
}
impl From<Vec<J>> for J {
    fn from(v: Vec<J>) -> J {
        J::Arr(v)
    }
}
impl<T: Into<J>> From<Option<T>> for J {
    fn from(v: Option<T>) -> J {
        v.map_or(J::Null, Into::into)
    }
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Null => s.serialize_unit(),
            J::Bool(b) => s.serialize_bool(*b),
            J::Int(n) => s.serialize_i64(*n),
            J::Float(f) => s.serialize_f64(*f),
            J::Str(t) => s.serialize_str(t),
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            J::Obj(o) => o.serialize(s),
        }
    }
}

impl Serialize for Obj {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_escapes() {
        let o = Obj::new().with("b", 1i64).with("a", "x\"y").with("n", J::Null).with("l", vec![name_value("K", true)]);
        assert_eq!(o.to_json(), r#"{"b":1,"a":"x\"y","n":null,"l":[{"Name":"K","Value":true}]}"#);
    }
}
