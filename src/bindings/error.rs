//! `ModelArtifactsError`: a real JS `Error` subclass with a stable `code`.

use wasm_bindgen::prelude::*;

use crate::format::error::Code;
use crate::format::FormatError;

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = ModelArtifactsError)]
    type JsModelArtifactsError;
    #[wasm_bindgen(constructor, js_class = "ModelArtifactsError")]
    fn new(
        code: &str,
        message: &str,
        weight: Option<String>,
        url: Option<String>,
        status: Option<u16>,
        path: Option<String>,
        cause: JsValue,
        needed: Option<f64>,
        available: Option<f64>,
    ) -> JsModelArtifactsError;
}

/// An error on its way to JavaScript.
#[derive(Debug)]
pub struct Error {
    pub code: Code,
    pub message: String,
    pub weight: Option<String>,
    pub url: Option<String>,
    pub status: Option<u16>,
    pub path: Option<String>,
    pub cause: JsValue,
    /// Bytes a storage write needed and the bytes the origin had left
    /// (`E_QUOTA_EXCEEDED`).
    pub needed: Option<f64>,
    pub available: Option<f64>,
    /// A caller's own exception (from a callback), rethrown unchanged.
    pub thrown: Option<JsValue>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            weight: None,
            url: None,
            status: None,
            path: None,
            cause: JsValue::UNDEFINED,
            needed: None,
            available: None,
            thrown: None,
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(Code::InvalidArgument, message)
    }

    /// What a caller's callback threw, to be rethrown as it is.
    pub fn thrown(value: JsValue) -> Self {
        Error { thrown: Some(value), ..Error::new(Code::InvalidArgument, "a callback threw") }
    }

    /// Names the URL the error is about.
    pub fn with_url(mut self, url: &str) -> Self {
        self.url = Some(url.to_owned());
        self
    }

    /// Names the file or folder the error is about.
    pub fn with_path(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
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
        Error { weight, ..Error::new(e.code(), e.to_string()) }
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> Self {
        if let Some(thrown) = e.thrown {
            return thrown;
        }
        JsModelArtifactsError::new(
            e.code.as_str(),
            &e.message,
            e.weight,
            e.url,
            e.status,
            e.path,
            e.cause,
            e.needed,
            e.available,
        )
        .into()
    }
}
