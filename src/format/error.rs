//! The one error type of the format core. Every variant has a stable `code`
//! that JavaScript sees as `ModelArtifactsError.code`; messages name the
//! weight or field and say what was expected.

use thiserror::Error;

/// Declares [`Code`] with each variant's `ModelArtifactsError.code` string.
macro_rules! codes {
    ($($variant:ident = $text:literal,)*) => {
        /// Every `ModelArtifactsError.code`, in one place: `index.d.ts`'s
        /// `ErrorCode` and the README's list are kept equal to it by
        /// tests/js/error-codes.test.mjs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable string JavaScript sees.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }
        }
    };
}

codes! {
    InvalidJson = "E_INVALID_JSON",
    InvalidModelJson = "E_INVALID_MODEL_JSON",
    InvalidWeightSpec = "E_INVALID_WEIGHT_SPEC",
    UnsupportedDtype = "E_UNSUPPORTED_DTYPE",
    UnsupportedQuantization = "E_UNSUPPORTED_QUANTIZATION",
    InvalidQuantization = "E_INVALID_QUANTIZATION",
    ShapeOverflow = "E_SHAPE_OVERFLOW",
    WeightDataTooShort = "E_WEIGHT_DATA_TOO_SHORT",
    StringOverrun = "E_STRING_OVERRUN",
    BinaryTopology = "E_BINARY_TOPOLOGY",
    InvalidArgument = "E_INVALID_ARGUMENT",
    NoHandler = "E_NO_HANDLER",
    MultipleHandlers = "E_MULTIPLE_HANDLERS",
    NotSupported = "E_NOT_SUPPORTED",
    Stream = "E_STREAM",
    HttpStatus = "E_HTTP_STATUS",
    Network = "E_NETWORK",
    Aborted = "E_ABORTED",
    Integrity = "E_INTEGRITY",
    SizeMismatch = "E_SIZE_MISMATCH",
    Timeout = "E_TIMEOUT",
    WeightNotFound = "E_WEIGHT_NOT_FOUND",
    NotFound = "E_NOT_FOUND",
    UnsafePath = "E_UNSAFE_PATH",
    SameModel = "E_SAME_MODEL",
    TooLarge = "E_TOO_LARGE",
    Fs = "E_FS",
    QuotaExceeded = "E_QUOTA_EXCEEDED",
    Storage = "E_STORAGE",
    WasmInit = "E_WASM_INIT",
}

/// Result alias used across the format core.
pub type Result<T, E = FormatError> = std::result::Result<T, E>;

/// Everything that can be wrong with model artifacts.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FormatError {
    /// The text is not JSON at all.
    #[error("invalid JSON in {what}: {detail}")]
    InvalidJson { what: String, detail: String },

    /// JSON that does not have the shape of a model.json / manifest.
    #[error("{0}")]
    InvalidModelJson(String),

    /// A weight spec that is malformed (name, shape, group...).
    #[error("weight '{name}': {detail}")]
    InvalidWeightSpec { name: String, detail: String },

    /// A weight dtype the format does not know.
    #[error("unsupported dtype in weight '{name}': {dtype} (expected float32, int32, bool, complex64 or string)")]
    UnsupportedDtype { name: String, dtype: String },

    /// A quantization dtype the format does not know.
    #[error("weight '{name}' has unknown quantization dtype {dtype} (supported: 'uint8', 'uint16', 'float16')")]
    UnsupportedQuantization { name: String, dtype: String },

    /// Quantization metadata that cannot be used.
    #[error("weight '{name}': {detail}")]
    InvalidQuantization { name: String, detail: String },

    /// A shape whose element or byte count does not fit the platform.
    #[error("weight '{name}': shape {shape} has too many elements")]
    ShapeOverflow { name: String, shape: String },

    /// The weight data ends before the specs do.
    #[error("weight '{name}' needs bytes {start}..{end} but the weight data holds only {available} bytes")]
    WeightDataTooShort { name: String, start: u64, end: u64, available: u64 },

    /// A weight group's files hold a different byte count than its specs need.
    #[error("{what} holds {got} bytes but its manifest needs {need}")]
    SizeMismatch { what: String, got: u64, need: u64 },

    /// A string element whose length prefix runs past the data.
    #[error("string weight '{name}': element {index} claims {claimed} bytes at offset {offset} but only {available} bytes remain")]
    StringOverrun { name: String, index: u64, claimed: u64, offset: u64, available: u64 },

    /// A binary (GraphDef protobuf) topology where JSON is required.
    #[error("{0}")]
    BinaryTopology(String),

    /// A caller-supplied argument of the wrong kind.
    #[error("{0}")]
    InvalidArgument(String),
}

impl FormatError {
    /// Stable, documented error code.
    pub fn code(&self) -> Code {
        match self {
            FormatError::InvalidJson { .. } => Code::InvalidJson,
            FormatError::InvalidModelJson(_) => Code::InvalidModelJson,
            FormatError::InvalidWeightSpec { .. } => Code::InvalidWeightSpec,
            FormatError::UnsupportedDtype { .. } => Code::UnsupportedDtype,
            FormatError::UnsupportedQuantization { .. } => Code::UnsupportedQuantization,
            FormatError::InvalidQuantization { .. } => Code::InvalidQuantization,
            FormatError::ShapeOverflow { .. } => Code::ShapeOverflow,
            FormatError::WeightDataTooShort { .. } => Code::WeightDataTooShort,
            FormatError::StringOverrun { .. } => Code::StringOverrun,
            FormatError::SizeMismatch { .. } => Code::SizeMismatch,
            FormatError::BinaryTopology(_) => Code::BinaryTopology,
            FormatError::InvalidArgument(_) => Code::InvalidArgument,
        }
    }

    pub(crate) fn spec(name: &str, detail: impl Into<String>) -> Self {
        FormatError::InvalidWeightSpec { name: name.to_owned(), detail: detail.into() }
    }

    pub(crate) fn quant(name: &str, detail: impl Into<String>) -> Self {
        FormatError::InvalidQuantization { name: name.to_owned(), detail: detail.into() }
    }
}
