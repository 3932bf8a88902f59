// The contents of one safetensors file: named tensors plus the string-to-string metadata map.

/// The tensors and `__metadata__` of one safetensors file.
public struct SafeTensorsFile: Sendable {
    /// The tensors by name (PyTorch state-dict names such as `encoder.0.weight`).
    public var tensors: [String: Tensor]
    /// The header's `__metadata__` map; the format allows only string values.
    public var metadata: [String: String]

    /// Creates a file from tensors and metadata.
    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}
