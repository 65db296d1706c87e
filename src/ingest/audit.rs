//! (being written)

use super::SchemaDef;

pub static SCHEMAS: &[SchemaDef] = &[];
