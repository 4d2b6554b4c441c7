//! `ModelArtifactsError`: a real JS `Error` subclass with a stable `code`.

use wasm_bindgen::prelude::*;

use crate::format::FormatError;

#[wasm_bindgen(inline_js = r#"
export class ModelArtifactsError extends Error {
  constructor(code, message, weight, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ModelArtifactsError';
    this.code = code;
    if (weight !== undefined) this.weight = weight;
  }
}
export function errorClass() { return ModelArtifactsError; }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = ModelArtifactsError)]
    type JsModelArtifactsError;
    #[wasm_bindgen(constructor, js_class = "ModelArtifactsError")]
    fn new(code: &str, message: &str, weight: Option<String>, cause: JsValue) -> JsModelArtifactsError;
    #[wasm_bindgen(js_name = errorClass)]
    fn error_class() -> JsValue;
}

/// The `ModelArtifactsError` class, re-exported by the package entry files.
#[wasm_bindgen(js_name = modelArtifactsErrorClass, skip_typescript)]
pub fn model_artifacts_error_class() -> JsValue {
    error_class()
}

/// An error on its way to JavaScript.
#[derive(Debug)]
pub struct Error {
    pub code: &'static str,
    pub message: String,
    pub weight: Option<String>,
    pub cause: JsValue,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), weight: None, cause: JsValue::UNDEFINED }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new("E_INVALID_ARGUMENT", message)
    }

    /// Keeps a JS exception (TypeError, DOMException...) as `cause`.
    pub fn with_cause(mut self, cause: JsValue) -> Self {
        self.cause = cause;
        self
    }
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        let weight = match &e {
            FormatError::InvalidWeightSpec { name, .. }
            | FormatError::UnsupportedDtype { name, .. }
            | FormatError::UnsupportedQuantization { name, .. }
            | FormatError::InvalidQuantization { name, .. }
            | FormatError::ShapeOverflow { name, .. }
            | FormatError::WeightDataTooShort { name, .. }
            | FormatError::StringOverrun { name, .. } => Some(name.clone()),
            _ => None,
        };
        Error { code: e.code(), message: e.to_string(), weight, cause: JsValue::UNDEFINED }
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> Self {
        JsModelArtifactsError::new(e.code, &e.message, e.weight, e.cause).into()
    }
}
