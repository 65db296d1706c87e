//! The evidence files the analyst opened, kept as browser `Blob`s so a
//! record's original can be read back by byte range (`Blob.slice`) when
//! the detail pane or the case bundle needs it. The page never holds a
//! file's whole text: only these handles, which the browser backs by the
//! file on disk.

use crate::model::RawSpan;
use crate::store::FileId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Default)]
pub struct Originals(Rc<RefCell<HashMap<FileId, web_sys::Blob>>>);

impl PartialEq for Originals {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Originals {
    pub fn insert(&self, file: FileId, blob: web_sys::Blob) {
        self.0.borrow_mut().insert(file, blob);
    }

    pub fn remove(&self, file: FileId) {
        self.0.borrow_mut().remove(&file);
    }

    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    fn blob(&self, file: FileId) -> Option<web_sys::Blob> {
        self.0.borrow().get(&file).cloned()
    }

    /// A record's bytes, read from its file.
    pub async fn read(&self, file: FileId, span: RawSpan) -> Result<Vec<u8>, String> {
        let blob = self.blob(file).ok_or("the file is no longer open in this page")?;
        read_range(&blob, span.start as f64, span.end() as f64).await
    }

    /// A whole file (for the case bundle), if this page holds it.
    pub async fn read_all(&self, file: FileId) -> Option<Result<Vec<u8>, String>> {
        let blob = self.blob(file)?;
        Some(read_range(&blob, 0.0, blob.size()).await)
    }
}

/// Bytes `start..end` of a blob.
pub async fn read_range(blob: &web_sys::Blob, start: f64, end: f64) -> Result<Vec<u8>, String> {
    let slice = blob.slice_with_f64_and_f64(start, end).map_err(|_| "the file could not be sliced for reading".to_string())?;
    let buffer = JsFuture::from(slice.array_buffer()).await.map_err(|_| "the file could not be read (was it moved or deleted?)".to_string())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
