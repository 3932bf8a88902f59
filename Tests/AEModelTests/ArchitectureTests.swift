import AEModel
import Testing

@Suite("Architecture")
struct ArchitectureTests {
    @Test("the DESIGN example parses, validates and round-trips through its JSON text")
    func parse() throws {
        let text = """
            {"kind": "autoencoder", "input_dim": 784, "encoder": [{"units": 512, "activation": "relu"}, \
            {"units": 32, "activation": "linear"}], "decoder": [{"units": 512, "activation": "relu"}, \
            {"units": 784, "activation": "sigmoid"}]}
            """
        let a = try Architecture.parse(text)
        #expect(a.latentDimension == 32)
        #expect(try Architecture.parse(a.jsonText()) == a)
    }

    @Test("presets: the seed example and the bundled models", arguments: Architecture.presetNames)
    func presets(name: String) throws {
        let a = try #require(Architecture.preset(named: name))
        try a.validate()
        #expect(a.inputDimension == 784)
    }

    @Test("broken architectures are refused with the field named", arguments: [
        (#"{"kind": "autoencoder", "input_dim": 4, "encoder": [{"units": 2, "activation": "relu"}], "decoder": [{"units": 3, "activation": "linear"}]}"#,
         "decoder[0].units is 3; the decoder's last layer must have input_dim (4) units"),
        (#"{"kind": "autoencoder", "input_dim": 4, "encoder": [{"units": 2, "activation": "swish"}], "decoder": [{"units": 4, "activation": "linear"}]}"#,
         "architecture: encoder[0].activation: unknown value; use one of linear, relu, leaky_relu, sigmoid, tanh, gelu"),
        (#"{"kind": "variational", "input_dim": 4, "encoder": [], "decoder": [{"units": 4, "activation": "linear"}]}"#,
         "a variational model needs latent_dim (the size of the mean and logvar heads)"),
        (#"{"kind": "autoencoder", "input_dim": 4, "encoder": [{"units": 0, "activation": "relu"}], "decoder": [{"units": 4, "activation": "linear"}]}"#,
         "encoder[0].units must be from 1 to 16777216, got 0"),
        (#"{"kind": "autoencoder", "encoder": [], "decoder": []}"#, "architecture: missing field 'input_dim'"),
        (#"{"kind": "sparse", "input_dim": 4, "encoder": [], "decoder": []}"#, "architecture: kind: unknown value; use one of autoencoder, variational"),
    ])
    func invalid(text: String, message: String) {
        #expect(throws: ArchitectureError(message)) { _ = try Architecture.parse(text) }
    }

    @Test("layer names follow PyTorch nn.Sequential numbering and the variational heads")
    func names() throws {
        let a = try #require(Architecture.preset(named: "fashion-mnist-vae"))
        let names = (0..<7).map { Autoencoder<Float>.layerName($0, in: a) }
        #expect(names == ["encoder.0", "encoder.2", "encoder.mean", "encoder.logvar", "decoder.0", "decoder.2", "decoder.4"])
    }

    @Test("building a model from layers of the wrong shape names the tensor and both shapes")
    func shapeMismatch() throws {
        let a = Architecture(kind: .autoencoder, inputDimension: 3, encoder: [.init(units: 2, activation: .relu)],
                             decoder: [.init(units: 3, activation: .linear)])
        var layers = try Autoencoder<Float>(architecture: a, seed: 1).layers
        layers[1] = Dense(weight: .init(rows: 2, columns: 3), bias: [0, 0], activation: .linear)
        #expect(throws: ArchitectureError("decoder.0.weight: expected [3, 2], got [2, 3]")) {
            _ = try Autoencoder<Float>(architecture: a, layers: layers)
        }
    }
}
