// Named architectures: the project's seed example and the bundled Fashion-MNIST models.

extension Architecture {
    /// The names accepted by `preset(named:)`.
    public static let presetNames = ["seed", "fashion-mnist", "fashion-mnist-vae"]

    /// A named architecture, or nil for an unknown name.
    public static func preset(named name: String) -> Architecture? {
        switch name {
        case "seed":
            // The Keras example this project grew from: 784 → 784 (relu) → 32 (sigmoid) → 32 → 784.
            return Architecture(
                kind: .autoencoder, inputDimension: 784,
                encoder: [.init(units: 784, activation: .relu), .init(units: 32, activation: .sigmoid)],
                decoder: [.init(units: 32, activation: .relu), .init(units: 784, activation: .sigmoid)])
        case "fashion-mnist":
            return Architecture(
                kind: .autoencoder, inputDimension: 784,
                encoder: [.init(units: 512, activation: .relu), .init(units: 128, activation: .relu),
                          .init(units: 32, activation: .linear)],
                decoder: [.init(units: 128, activation: .relu), .init(units: 512, activation: .relu),
                          .init(units: 784, activation: .sigmoid)])
        case "fashion-mnist-vae":
            return Architecture(
                kind: .variational, inputDimension: 784,
                encoder: [.init(units: 512, activation: .relu), .init(units: 128, activation: .relu)],
                decoder: [.init(units: 128, activation: .relu), .init(units: 512, activation: .relu),
                          .init(units: 784, activation: .sigmoid)],
                latentDimension: 16)
        default:
            return nil
        }
    }
}
