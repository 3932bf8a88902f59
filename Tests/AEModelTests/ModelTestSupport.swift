// Shared helpers for the model tests: building models from plain arrays and flattening
// their parameters for finite differences.
import AEMath
import AEModel

/// One layer's values as plain nested arrays (the NumPy reference's layout).
struct LayerValues: Decodable {
    var weight: [[Double]]
    var bias: [Double]
}

func makeModel<S: BLASScalar>(_ architecture: Architecture, _ values: [LayerValues]) throws -> Autoencoder<S> {
    let specs = Autoencoder<S>.layerSpecs(of: architecture)
    let layers = zip(specs, values).map { spec, v in
        Dense<S>(weight: Matrix(rows: v.weight.count, columns: v.weight.first?.count ?? 0,
                                values: v.weight.flatMap { $0.map { S($0) } }),
                 bias: v.bias.map { S($0) }, activation: spec.activation)
    }
    return try Autoencoder(architecture: architecture, layers: layers)
}

func matrix<S: BLASScalar>(_ rows: [[Double]]) -> Matrix<S> {
    Matrix(rows: rows.count, columns: rows.first?.count ?? 0, values: rows.flatMap { $0.map { S($0) } })
}

/// Every parameter of `layers` in slot order (weight then bias of each layer).
func flatten<S: BLASScalar>(_ layers: [Dense<S>]) -> [S] {
    layers.flatMap { $0.weight.storage + $0.bias }
}

/// Every gradient in the same order as `flatten`.
func flatten<S: BLASScalar>(_ gradients: [DenseGradient<S>]) -> [S] {
    gradients.flatMap { $0.weight.storage + $0.bias }
}

/// `model` with its parameters replaced by `values` (in `flatten` order).
func replacingParameters<S: BLASScalar>(_ model: Autoencoder<S>, with values: [S]) -> Autoencoder<S> {
    var model = model
    var offset = 0
    for i in model.layers.indices {
        let w = model.layers[i].weight.count, b = model.layers[i].bias.count
        model.layers[i].weight.storage = Array(values[offset..<(offset + w)])
        model.layers[i].bias = Array(values[(offset + w)..<(offset + w + b)])
        offset += w + b
    }
    return model
}
